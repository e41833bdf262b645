#include "storage/sieve_scripts.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/sieve/compiler.hpp"
#include "common/sieve/includes.hpp"
#include "common/text/ascii.hpp"
#include "storage/atomic_file.hpp"

namespace mr::storage {

namespace {

constexpr std::string_view kSuffix = ".sieve";
constexpr std::string_view kLink = "active";  // deliverd::kActiveScriptLink
constexpr std::size_t kMaxNameBytes = 128;

std::string temp_name(std::string_view name) {
    unsigned char random[8];
    randombytes_buf(random, sizeof random);
    char hex[2 * sizeof random + 1];
    sodium_bin2hex(hex, sizeof hex, random, sizeof random);
    return ".tmp-" + std::string(name) + "-" + hex;
}

Error io_error(const std::string& what) {
    const int e = errno;
    return Error::system(e, what + ": " + std::strerror(e));
}

Error no_such_script(std::string_view name) {
    return Error::refused(ErrorCode::NoSuchMailbox, "no script named \"" + std::string(name) + "\"");
}

// The script name a directory entry stands for, nullopt for anything else.
std::optional<std::string> name_of_file(const std::string& file) {
    if (file.size() <= kSuffix.size() || !file.ends_with(kSuffix)) return std::nullopt;
    std::string name = file.substr(0, file.size() - kSuffix.size());
    if (sieve_name_problem(name)) return std::nullopt;
    return name;
}

}  // namespace

std::optional<std::string> sieve_name_problem(std::string_view name) {
    if (name.empty()) return "empty script name";
    if (name.size() > kMaxNameBytes) return "script name longer than 128 bytes";
    if (!text::is_valid_utf8(name)) return "script name is not UTF-8";
    if (name.front() == '.') return "script name starts with '.'";
    for (std::size_t i = 0; i < name.size(); ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (c < 0x20 || c == 0x7F) return "control character in script name";
        if (c == '/') return "'/' in script name";
        // C1 controls U+0080..U+009F are C2 80..C2 9F; U+2028/U+2029 are E2 80 A8/A9.
        if (c == 0xC2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) <= 0x9F)
            return "control character in script name";
        if (c == 0xE2 && i + 2 < name.size() && static_cast<unsigned char>(name[i + 1]) == 0x80 &&
            (static_cast<unsigned char>(name[i + 2]) == 0xA8 || static_cast<unsigned char>(name[i + 2]) == 0xA9))
            return "line or paragraph separator in script name";
    }
    return std::nullopt;
}

SieveScripts::SieveScripts(std::filesystem::path user_dir, SieveQuota quota)
    : dir_(std::move(user_dir) / "sieve"), quota_(quota) {}

std::filesystem::path SieveScripts::file_of(std::string_view name) const {
    return dir_ / (std::string(name) + std::string(kSuffix));
}

Result<void> SieveScripts::ensure_dir() const {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return Error::system(ec.value(), "cannot create " + dir_.string() + ": " + ec.message());
    return {};
}

Result<std::vector<SieveScriptInfo>> SieveScripts::list() const {
    std::vector<SieveScriptInfo> out;
    std::error_code ec;
    if (!std::filesystem::exists(dir_, ec)) return out;
    auto act = active();
    if (!act) return act.error();
    for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
        auto name = name_of_file(it->path().filename().string());
        if (!name) continue;
        out.push_back({*name, act->has_value() && **act == *name});
    }
    if (ec) return Error::system(ec.value(), "cannot list " + dir_.string() + ": " + ec.message());
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

Result<std::string> SieveScripts::get(std::string_view name) const {
    if (auto problem = sieve_name_problem(name)) return Error::refused(ErrorCode::NoSuchMailbox, *problem);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(file_of(name), ec))) return no_such_script(name);
    return read_file(file_of(name));
}

Result<std::optional<std::string>> SieveScripts::active() const {
    const auto link = dir_ / kLink;
    std::error_code ec;
    if (!std::filesystem::is_symlink(std::filesystem::symlink_status(link, ec))) return std::optional<std::string>{};
    const auto target = std::filesystem::read_symlink(link, ec);
    if (ec) return Error::system(ec.value(), "cannot read " + link.string() + ": " + ec.message());
    // Same rule as deliverd: a file beside the link, nothing else counts.
    if (target.empty() || target.has_parent_path()) return std::optional<std::string>{};
    auto name = name_of_file(target.string());
    if (!name || !std::filesystem::is_regular_file(std::filesystem::symlink_status(file_of(*name), ec)))
        return std::optional<std::string>{};
    return name;
}

Result<std::optional<SieveSpaceRefusal>> SieveScripts::space_refusal(std::string_view name, std::size_t bytes) const {
    if (bytes > quota_.max_script_bytes) return std::optional{SieveSpaceRefusal::MaxSize};
    auto scripts = list();
    if (!scripts) return scripts.error();
    const bool exists = std::any_of(scripts->begin(), scripts->end(), [&](const auto& s) { return s.name == name; });
    if (!exists && scripts->size() >= quota_.max_scripts) return std::optional{SieveSpaceRefusal::MaxScripts};
    return std::optional<SieveSpaceRefusal>{};
}

Result<void> SieveScripts::put(std::string_view name, std::string_view text) {
    if (auto problem = sieve_name_problem(name)) return Error::syntax(*problem);
    auto room = space_refusal(name, text.size());
    if (!room) return room.error();
    if (*room == SieveSpaceRefusal::MaxSize)
        return Error::refused(ErrorCode::Limit, "script larger than " + std::to_string(quota_.max_script_bytes) + " bytes");
    if (*room == SieveSpaceRefusal::MaxScripts)
        return Error::refused(ErrorCode::Limit, "already " + std::to_string(quota_.max_scripts) + " scripts");
    auto program = sieve::compile_script(text);
    if (!program) return Error::syntax(program.error().message);
    // RFC 6609: a script that would close a loop of personal includes is refused here,
    // before any message meets it (the interpreter would end the loop at run time).
    const auto stored = [this, name](const std::string& other) -> std::optional<sieve::Program> {
        if (other == name) return std::nullopt;  // the old version of the script being replaced
        auto t = get(other);
        if (!t) return std::nullopt;
        auto p = sieve::compile_script(*t);
        if (!p) return std::nullopt;
        return std::move(*p);
    };
    if (auto loop = sieve::check_include_graph(std::string(name), *program, stored, sieve::kMaxIncludeDepth); !loop)
        return Error::syntax(loop.error().message);
    if (auto made = ensure_dir(); !made) return made;

    // write_file_atomically never replaces a file, and a script upload does: write a
    // temporary beside it, make it durable, rename it over the old one.
    const std::string tmp = temp_name(std::string(name) + std::string(kSuffix));
    const auto tmp_path = dir_ / tmp;
    const int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) return io_error("cannot create " + tmp_path.string());
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            auto err = io_error("cannot write " + tmp_path.string());
            ::close(fd);
            ::unlink(tmp_path.c_str());
            return err;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        auto err = io_error("cannot fsync " + tmp_path.string());
        ::close(fd);
        ::unlink(tmp_path.c_str());
        return err;
    }
    ::close(fd);
    if (::rename(tmp_path.c_str(), file_of(name).c_str()) != 0) {
        auto err = io_error("cannot rename " + tmp_path.string());
        ::unlink(tmp_path.c_str());
        return err;
    }
    return fsync_directory(dir_);
}

Result<void> SieveScripts::point_link_at(std::string_view name) const {
    const auto tmp = dir_ / temp_name(kLink);
    const std::string target = std::string(name) + std::string(kSuffix);
    if (::symlink(target.c_str(), tmp.c_str()) != 0) return io_error("cannot create " + tmp.string());
    if (::rename(tmp.c_str(), (dir_ / kLink).c_str()) != 0) {
        auto err = io_error("cannot rename " + tmp.string());
        ::unlink(tmp.c_str());
        return err;
    }
    return fsync_directory(dir_);
}

Result<void> SieveScripts::activate(std::optional<std::string_view> name) {
    if (!name) {
        if (::unlink((dir_ / kLink).c_str()) != 0 && errno != ENOENT) return io_error("cannot remove the active link");
        std::error_code ec;
        if (!std::filesystem::exists(dir_, ec)) return {};
        return fsync_directory(dir_);
    }
    if (sieve_name_problem(*name)) return no_such_script(*name);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(file_of(*name), ec))) return no_such_script(*name);
    return point_link_at(*name);
}

Result<void> SieveScripts::remove(std::string_view name) {
    if (sieve_name_problem(name)) return no_such_script(name);
    auto act = active();
    if (!act) return act.error();
    if (act->has_value() && **act == name)
        return Error::refused(ErrorCode::InboxProtected, "script \"" + std::string(name) + "\" is active");
    if (::unlink(file_of(name).c_str()) != 0) {
        if (errno == ENOENT) return no_such_script(name);
        return io_error("cannot remove " + file_of(name).string());
    }
    return fsync_directory(dir_);
}

Result<void> SieveScripts::rename(std::string_view from, std::string_view to) {
    if (sieve_name_problem(from)) return no_such_script(from);
    if (auto problem = sieve_name_problem(to)) return Error::syntax(*problem);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(file_of(from), ec))) return no_such_script(from);
    if (from == to) return {};
    if (std::filesystem::exists(std::filesystem::symlink_status(file_of(to), ec)))
        return Error::refused(ErrorCode::MailboxExists, "a script named \"" + std::string(to) + "\" exists");
    auto act = active();
    if (!act) return act.error();
    // link(2) then unlink: fails instead of replacing a script that appeared meanwhile.
    if (::link(file_of(from).c_str(), file_of(to).c_str()) != 0) {
        if (errno == EEXIST) return Error::refused(ErrorCode::MailboxExists, "a script named \"" + std::string(to) + "\" exists");
        return io_error("cannot rename " + file_of(from).string());
    }
    // The link moves to the new name before the old name goes, so the active script
    // never disappears for deliverd.
    if (act->has_value() && **act == from) {
        if (auto moved = point_link_at(to); !moved) return moved;
    }
    if (::unlink(file_of(from).c_str()) != 0) return io_error("cannot remove " + file_of(from).string());
    return fsync_directory(dir_);
}

}  // namespace mr::storage
