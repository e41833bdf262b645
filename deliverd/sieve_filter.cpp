#include "deliverd/sieve_filter.hpp"

#include <cstdio>
#include <ctime>

#include "common/log/log.hpp"
#include "common/sieve/compiler.hpp"
#include "common/sieve/interpreter.hpp"
#include "common/text/ascii.hpp"
#include "storage/maildir.hpp"
#include "storage/sieve_scripts.hpp"

namespace mr::deliverd {

namespace {

// Read at most one byte more than the parser accepts: a bigger file is refused by it.
std::optional<std::string> read_script(const std::filesystem::path& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return std::nullopt;
    const std::size_t cap = sieve::ParseLimits{}.max_script_bytes + 1;
    std::string out(cap, '\0');
    const std::size_t n = std::fread(out.data(), 1, cap, f);
    std::fclose(f);
    out.resize(n);
    return out;
}

// RFC 3501 atom without the flag-only backslash: what a keyword may be.
bool is_keyword(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7F) return false;
        if (std::string_view("(){%*\"\\]").find(c) != std::string_view::npos) return false;
    }
    return true;
}

void add_flags(FilterTarget& t, const std::vector<std::string>& flags) {
    static constexpr std::pair<std::string_view, std::uint32_t> kSystem[] = {
        {"\\Seen", storage::kSeen}, {"\\Answered", storage::kAnswered}, {"\\Flagged", storage::kFlagged},
        {"\\Deleted", storage::kDeleted}, {"\\Draft", storage::kDraft},
    };
    for (const auto& f : flags) {
        bool system = false;
        for (const auto& [name, bit] : kSystem) {
            if (text::iequals(f, name)) {
                t.flags |= bit;
                system = true;
            }
        }
        if (!system && is_keyword(f)) t.keywords.push_back(f);
    }
}

FilterResult implicit_keep(const FilterInput& in) {
    FilterTarget t;
    t.mailbox = in.default_folder;
    t.create = in.default_folder != "INBOX";
    return {{t}, {}, {}, {}};
}

std::string_view kind_name(sieve::Action::Kind k) {
    switch (k) {
        case sieve::Action::Kind::Keep: return "keep";
        case sieve::Action::Kind::FileInto: return "fileinto";
        case sieve::Action::Kind::Redirect: return "redirect";
        case sieve::Action::Kind::Discard: return "discard";
        case sieve::Action::Kind::Reject: return "reject";
        case sieve::Action::Kind::EReject: return "ereject";
        case sieve::Action::Kind::Vacation: return "vacation";
    }
    return "?";
}

}  // namespace

std::optional<sieve::Program> load_active_script(const std::filesystem::path& user_dir, std::string_view user) {
    const auto link = user_dir / kSieveDir / kActiveScriptLink;
    std::error_code ec;
    if (!std::filesystem::is_symlink(link, ec)) {
        if (std::filesystem::exists(link, ec))
            log::warn("sieve_script_broken", {{"user", user}, {"error", link.string() + " is not a symlink"}});
        return std::nullopt;
    }
    // The link names a file beside it, never a path: a script is the user's own file.
    const auto target = std::filesystem::read_symlink(link, ec);
    if (ec || target.empty() || target.has_parent_path() || target.filename() != target) {
        log::warn("sieve_script_broken", {{"user", user}, {"error", link.string() + " must name a file in its directory"}});
        return std::nullopt;
    }
    auto text = read_script(link);
    if (!text) {
        log::warn("sieve_script_broken", {{"user", user}, {"error", "cannot read " + link.string()}});
        return std::nullopt;
    }
    auto program = sieve::compile_script(*text);
    if (!program) {
        log::warn("sieve_script_broken", {{"user", user}, {"error", program.error().message}});
        return std::nullopt;
    }
    return std::move(program).value();
}

Result<const sieve::Program*> ScriptSet::include(std::string_view name, bool global) const {
    const std::string key = (global ? "g/" : "p/") + std::string(name);
    auto it = included.find(key);
    if (it == included.end()) {
        Result<sieve::Program> compiled = Error::refused("not found");
        const auto path = (global ? global_dir : personal_dir) / (std::string(name) + ".sieve");
        std::error_code ec;
        if (storage::sieve_name_problem(name) || !std::filesystem::is_regular_file(path, ec)) {
            compiled = Error::refused("not found");
        } else if (auto text = read_script(path)) {
            compiled = sieve::compile_script(*text);
        } else {
            compiled = Error::internal("cannot read " + path.string());
        }
        it = included.emplace(key, std::move(compiled)).first;
    }
    if (!it->second) {
        if (it->second.error().message == "not found") return static_cast<const sieve::Program*>(nullptr);
        return it->second.error();
    }
    return &*it->second;
}

ScriptSet load_scripts(const std::filesystem::path& data_dir, const std::filesystem::path& user_dir,
                       std::string_view user) {
    ScriptSet set;
    const std::string domain = text::to_lower(user.substr(user.rfind('@') + 1));
    const auto global = storage::global_sieve_dir(data_dir, domain) / kSieveDir;
    auto global_script = [&](std::string_view when) {
        const auto path = global / (std::string(when) + ".sieve");
        std::error_code ec;
        if (data_dir.empty() || !std::filesystem::exists(path, ec)) return;
        auto text = read_script(path);
        auto program = text ? sieve::compile_script(*text) : Result<sieve::Program>(Error::internal("cannot read"));
        if (!program) {
            log::warn("sieve_script_broken", {{"domain", domain}, {"script", path.string()}, {"error", program.error().message}});
            return;
        }
        set.programs.push_back(std::move(*program));
    };
    set.personal_dir = user_dir / kSieveDir;
    set.global_dir = global;
    global_script(storage::kGlobalBefore);
    if (auto own = load_active_script(user_dir, user)) set.programs.push_back(std::move(*own));
    global_script(storage::kGlobalAfter);
    return set;
}

FilterResult run_filter(const sieve::Program& program, const FilterInput& in) {
    ScriptSet one;
    one.programs.push_back(program);
    return run_filter(one, in);
}

FilterResult run_filter(const ScriptSet& scripts, const FilterInput& in) {
    std::vector<const sieve::Program*> programs;
    for (const auto& p : scripts.programs) programs.push_back(&p);
    sieve::MessageView view(in.message);
    view.envelope_from = std::string(in.sender);
    view.envelope_to = std::string(in.recipient);
    view.mailbox_exists = in.mailbox_exists;
    // RFC 5260: currentdate reads the clock; dates without :zone are shown in our zone.
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    view.now = static_cast<std::int64_t>(now);
    view.local_zone_minutes = static_cast<int>(local.tm_gmtoff / 60);
    const auto outcome = sieve::run(programs, view, {}, [&scripts](std::string_view name, bool global) {
        return scripts.include(name, global);
    });
    auto keep_because = [&](std::string_view why) {
        log::warn("sieve_implicit_keep", {log::qid(in.queue_id), {"user", in.user}, {"reason", why}});
        return implicit_keep(in);
    };
    if (!outcome.ok) return keep_because(outcome.error);

    FilterResult result;
    std::vector<FilterTarget>& targets = result.targets;
    std::string done;
    for (const auto& a : outcome.actions) {
        if (!done.empty()) done += ",";
        done += kind_name(a.kind);
        switch (a.kind) {
            case sieve::Action::Kind::Keep:
            case sieve::Action::Kind::FileInto: {
                FilterTarget t;
                t.mailbox = a.kind == sieve::Action::Kind::Keep ? in.default_folder : a.mailbox;
                t.create = a.create || (a.kind == sieve::Action::Kind::Keep && in.default_folder != "INBOX");
                if (!t.create && !text::iequals(t.mailbox, "INBOX") && !(in.mailbox_exists && in.mailbox_exists(t.mailbox)))
                    return keep_because("fileinto a mailbox that does not exist: " + t.mailbox);
                add_flags(t, a.flags);
                // keep and fileinto of the keep's folder are one mailbox write.
                bool merged = false;
                for (auto& other : targets) {
                    if (other.mailbox != t.mailbox) continue;
                    other.flags |= t.flags;
                    other.keywords.insert(other.keywords.end(), t.keywords.begin(), t.keywords.end());
                    other.create = other.create || t.create;
                    merged = true;
                }
                if (!merged) targets.push_back(std::move(t));
                break;
            }
            case sieve::Action::Kind::Discard:
                break;
            case sieve::Action::Kind::Vacation:
                if (a.vacation && in.on_vacation) in.on_vacation(*a.vacation, view);
                break;
            case sieve::Action::Kind::Redirect:
                result.redirects.push_back(a.address);
                break;
            case sieve::Action::Kind::Reject:
            case sieve::Action::Kind::EReject:
                result.rejection = a.reason;
                break;
        }
    }
    log::info("sieve", {log::qid(in.queue_id), {"user", in.user}, {"actions", done}});
    result.edited_message = outcome.edited_message;
    return result;
}

}  // namespace mr::deliverd
