#include "mailroom/import_imap.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <map>
#include <span>
#include <sstream>

#include "common/text/ascii.hpp"
#include "imapd/proto/imap_date.hpp"
#include "imapd/proto/mutf7.hpp"
#include "mailroom/cli_context.hpp"
#include "storage/maildir.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::cli {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBatch = 100;

struct FolderState {
    std::uint64_t uidvalidity = 0;
    std::uint64_t last_uid = 0;
};

// "<uidvalidity> <last uid> <old server's folder name>" per line.
std::map<std::string, FolderState> read_state(const fs::path& file) {
    std::map<std::string, FolderState> out;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        FolderState s;
        std::string name;
        if (fields >> s.uidvalidity >> s.last_uid && std::getline(fields >> std::ws, name)) out[name] = s;
    }
    return out;
}

void write_state(const fs::path& file, const std::map<std::string, FolderState>& state) {
    const fs::path tmp = file.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        for (const auto& [name, s] : state) out << s.uidvalidity << ' ' << s.last_uid << ' ' << name << '\n';
        if (!out) throw CliError{"cannot write " + tmp.string()};
    }
    std::error_code ec;
    fs::rename(tmp, file, ec);
    if (ec) throw CliError{"cannot write " + file.string() + ": " + ec.message()};
}

std::uint64_t number(const imapc::Value& v) {
    std::uint64_t n = 0;
    std::from_chars(v.text.data(), v.text.data() + v.text.size(), n);
    return n;
}

struct OldFolder {
    std::string wire;  // the name as the old server spells it
    std::string name;  // ours: UTF-8, "/" between levels
};

std::vector<OldFolder> list_folders(ImapClient& imap, std::vector<std::string>& warnings) {
    std::vector<OldFolder> out;
    for (const auto& r : imap.command("LIST \"\" \"*\"")) {
        if (r.values.size() < 4 || !r.values[0].is_atom("LIST") || r.values[1].kind != imapc::Value::Kind::List) {
            continue;
        }
        const auto& attrs = r.values[1].items;
        const bool selectable = std::none_of(attrs.begin(), attrs.end(), [](const imapc::Value& a) {
            return a.is_atom("\\NOSELECT") || a.is_atom("\\NONEXISTENT");
        });
        if (!selectable) continue;
        const std::string delimiter = r.values[2].kind == imapc::Value::Kind::Nil ? "" : r.values[2].text;
        const std::string wire = r.values[3].text;
        auto decoded = imapd::mutf7_decode(wire);
        std::string name = decoded ? *decoded : wire;
        if (!decoded) warnings.push_back("folder name " + wire + " is not modified UTF-7; taken as it is");
        if (delimiter.size() == 1 && delimiter != "/") {
            std::replace(name.begin(), name.end(), '/', '_');
            std::replace(name.begin(), name.end(), delimiter[0], '/');
        }
        if (mr::text::iequals(name, "INBOX")) name = "INBOX";
        out.push_back({wire, name});
    }
    return out;
}

struct Fetched {
    std::uint32_t uid = 0;
    std::uint32_t flags = 0;
    std::vector<std::string> keywords;
    std::int64_t internal_date = 0;
    std::string bytes;
};

Fetched fetched_message(const imapc::Value& list) {
    Fetched m;
    const auto& items = list.items;
    for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
        const auto& key = items[i];
        const auto& value = items[i + 1];
        if (key.is_atom("UID")) {
            m.uid = static_cast<std::uint32_t>(number(value));
        } else if (key.is_atom("FLAGS")) {
            for (const auto& f : value.items) {
                if (f.is_atom("\\SEEN")) m.flags |= storage::kSeen;
                else if (f.is_atom("\\ANSWERED")) m.flags |= storage::kAnswered;
                else if (f.is_atom("\\FLAGGED")) m.flags |= storage::kFlagged;
                else if (f.is_atom("\\DELETED")) m.flags |= storage::kDeleted;
                else if (f.is_atom("\\DRAFT")) m.flags |= storage::kDraft;
                else if (!f.text.empty() && f.text[0] != '\\') m.keywords.push_back(f.text);
            }
        } else if (key.is_atom("INTERNALDATE")) {
            if (auto when = imapd::parse_date_time(value.text)) m.internal_date = when->to_unix();
        } else if (key.is_atom("BODY[]") || key.is_atom("RFC822")) {
            m.bytes = value.text;
        }
    }
    return m;
}

// The old folder's UIDs above `after`, ascending.
std::vector<std::uint32_t> new_uids(ImapClient& imap, std::uint64_t after) {
    std::vector<std::uint32_t> uids;
    for (const auto& r : imap.command("UID SEARCH UID " + std::to_string(after + 1) + ":*")) {
        if (r.values.empty() || !r.values[0].is_atom("SEARCH")) continue;
        for (std::size_t i = 1; i < r.values.size(); ++i) {
            const auto uid = number(r.values[i]);
            if (uid > after) uids.push_back(static_cast<std::uint32_t>(uid));  // "n:*" names the last UID too
        }
    }
    std::sort(uids.begin(), uids.end());
    return uids;
}

std::string uid_set(std::span<const std::uint32_t> uids) {
    std::string out;
    for (auto uid : uids) out += (out.empty() ? "" : ",") + std::to_string(uid);
    return out;
}

class Importer {
public:
    Importer(const ImapImportOptions& options, ImapClient& imap, storage::MailboxStore& store)
        : o_(options), imap_(imap), store_(store), state_(read_state(options.state_file)) {}

    ImapImportSummary run() {
        for (const auto& folder : list_folders(imap_, summary_.warnings)) copy_folder(folder);
        if (o_.progress) std::cerr << "\r\033[K";
        return summary_;
    }

private:
    void copy_folder(const OldFolder& folder) {
        std::uint64_t uidvalidity = 0;
        for (const auto& r : imap_.command("STATUS " + imap_quoted(folder.wire) + " (UIDVALIDITY)")) {
            if (r.values.size() < 3 || !r.values[0].is_atom("STATUS")) continue;
            const auto& items = r.values[2].items;
            for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
                if (items[i].is_atom("UIDVALIDITY")) uidvalidity = number(items[i + 1]);
            }
        }
        FolderState& state = state_[folder.wire];
        if (state.uidvalidity != 0 && state.uidvalidity != uidvalidity) {
            summary_.warnings.push_back("skipped " + folder.name + ": its UIDVALIDITY changed on the old server (" +
                                        std::to_string(state.uidvalidity) + " -> " + std::to_string(uidvalidity) +
                                        "), so its UIDs no longer say what was copied");
            return;
        }
        state.uidvalidity = uidvalidity;
        ensure_mailbox(folder.name);
        ++summary_.folders;
        imap_.command("EXAMINE " + imap_quoted(folder.wire));
        const auto uids = new_uids(imap_, state.last_uid);
        for (std::size_t start = 0; start < uids.size(); start += kBatch) {
            const auto batch = std::span(uids).subspan(start, std::min(kBatch, uids.size() - start));
            copy_batch(folder, uidvalidity, batch);
            state.last_uid = batch.back();
            write_state(o_.state_file, state_);
            if (o_.progress) {
                std::cerr << "\r\033[K" << folder.name << ": " << start + batch.size() << "/" << uids.size()
                          << " (" << (start + batch.size()) * 100 / uids.size() << "%)" << std::flush;
            }
        }
        write_state(o_.state_file, state_);
    }

    void ensure_mailbox(const std::string& name) {
        if (store_.mailbox(name)) return;
        // Parents first: the old server may list a child before its parent, or not at all.
        for (std::size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
            const std::string parent = name.substr(0, slash);
            if (!store_.mailbox(parent)) must_create(parent);
        }
        must_create(name);
    }

    void must_create(const std::string& name) {
        auto created = store_.create_mailbox(name);
        if (!created && created.error().code != ErrorCode::MailboxExists) {
            throw CliError{"cannot create " + name + ": " + created.error().message};
        }
    }

    void copy_batch(const OldFolder& folder, std::uint64_t uidvalidity, std::span<const std::uint32_t> uids) {
        std::vector<Fetched> got;
        for (const auto& r : imap_.command("UID FETCH " + uid_set(uids) + " (UID FLAGS INTERNALDATE BODY.PEEK[])")) {
            if (r.values.size() < 3 || !r.values[1].is_atom("FETCH")) continue;
            auto m = fetched_message(r.values[2]);
            if (m.uid != 0 && std::binary_search(uids.begin(), uids.end(), m.uid)) got.push_back(std::move(m));
        }
        std::vector<storage::AppendMessage> batch;
        for (const auto& m : got) {
            storage::AppendMessage a;
            a.mailbox = folder.name;
            a.bytes = m.bytes;
            a.flags = m.flags;
            a.keywords = m.keywords;
            a.internal_date = m.internal_date;
            a.delivery_key = "import-imap/" + o_.server.host + "/" + o_.user + "/" + folder.wire + "/" +
                             std::to_string(uidvalidity) + "/" + std::to_string(m.uid);
            batch.push_back(std::move(a));
        }
        if (batch.empty()) return;
        auto stored = store_.append_batch(batch);
        if (!stored) throw CliError{"storing into " + folder.name + " failed: " + stored.error().message};
        for (std::size_t i = 0; i < stored->size(); ++i) {
            if ((*stored)[i].duplicate) {
                ++summary_.already;
                continue;
            }
            ++summary_.messages;
            summary_.bytes += got[i].bytes.size();
        }
    }

    const ImapImportOptions& o_;
    ImapClient& imap_;
    storage::MailboxStore& store_;
    std::map<std::string, FolderState> state_;
    ImapImportSummary summary_;
};

}  // namespace

ImapImportSummary import_imap(const ImapImportOptions& options) {
    auto store = storage::MailboxStore::open(options.user_dir);
    if (!store) throw CliError{"cannot open the store of " + options.user_dir.string() + ": " + store.error().message};
    ImapClient imap(options.server);
    imap.login(options.user, options.password);
    auto summary = Importer(options, imap, *store).run();
    imap.command("LOGOUT");
    return summary;
}

}  // namespace mr::cli
