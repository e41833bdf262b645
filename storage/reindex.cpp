// Rebuild a user's index from the Maildir; see reindex.hpp for the invariants.
#include "storage/reindex.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <set>
#include <system_error>

#include "common/mime/message_ids.hpp"
#include "common/mime/structure_blob.hpp"
#include "common/text/message_data.hpp"
#include "storage/atomic_file.hpp"
#include "storage/default_mailboxes.hpp"
#include "storage/mailbox_index.hpp"
#include "storage/maildir.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

namespace {

// What the Maildir cannot carry, read from the old index when it still opens.
struct Salvage {
    bool ok = false;
    std::map<std::string, std::pair<bool, std::string>> mailboxes;  // name → (subscribed, special_use)
    std::map<std::string, std::vector<std::string>> keywords;        // file base name → keywords
    std::map<std::string, std::string> pop3_uidls;                   // file base name → kept UIDL
    std::vector<std::string> lost_subscriptions;                     // subscribed names without a mailbox
    std::int64_t last_uidvalidity = 0;
};

Salvage salvage_old_index(const fs::path& file, ReindexReport& report) {
    Salvage out;
    std::error_code ec;
    if (!fs::exists(file, ec)) return out;
    auto db = sqlite::Db::open(file, sqlite::Durability::Normal);
    if (!db) {
        report.warnings.push_back("old index unreadable: " + db.error().message);
        return out;
    }
    auto rows = index::read_old_index(*db);
    if (!rows) {
        if (rows.error().kind == ErrorKind::Refused) report.warnings.push_back(rows.error().message);
        return out;
    }
    for (auto& box : rows->mailboxes) {
        out.mailboxes[std::move(box.name)] = {box.subscribed, std::move(box.special_use)};
    }
    for (const auto& [file_name, keywords] : rows->keywords) {
        const std::string name = fs::path(file_name).filename().string();
        out.keywords[parse_maildir_file_name(name).base] = split_keywords(keywords);
    }
    for (const auto& [file_name, uidl] : rows->pop3_uidls) {
        out.pop3_uidls[parse_maildir_file_name(fs::path(file_name).filename().string()).base] = uidl;
    }
    out.lost_subscriptions = std::move(rows->lost_subscriptions);
    out.last_uidvalidity = rows->last_uidvalidity;
    out.ok = true;
    return out;
}

std::size_t clean_tmp(const fs::path& tmp) {
    std::size_t removed = 0;
    std::error_code ec;
    for (fs::directory_iterator it(tmp, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code rm;
        if (it->is_regular_file(rm) && fs::remove(it->path(), rm)) ++removed;
    }
    return removed;
}

// Delivery order: the leading seconds of the file name, then the whole name.
std::int64_t time_prefix(std::string_view file) {
    const auto slash = file.find('/');
    std::int64_t t = 0;
    for (std::size_t i = slash + 1; i < file.size() && file[i] >= '0' && file[i] <= '9' && t < (1LL << 40); ++i) {
        t = t * 10 + (file[i] - '0');
    }
    return t;
}

// The UID of each file: what the import hints name (maildir_import.hpp), in their order;
// the others after those and after the hints' UIDNEXT, in delivery order.
std::vector<std::pair<std::uint32_t, const MaildirFile*>> assign_uids(const std::vector<MaildirFile>& files,
                                                                      const FolderHints* hints) {
    std::vector<std::pair<std::uint32_t, const MaildirFile*>> out;
    std::set<std::uint32_t> used;
    std::vector<const MaildirFile*> fresh;
    for (const auto& f : files) {
        std::uint32_t uid = 0;
        if (hints != nullptr) {
            if (auto it = hints->uids.find(f.name.base); it != hints->uids.end() && used.insert(it->second).second) {
                uid = it->second;
            }
        }
        if (uid != 0) {
            out.emplace_back(uid, &f);
        } else {
            fresh.push_back(&f);
        }
    }
    std::uint32_t next = std::max<std::uint32_t>(1, hints != nullptr ? hints->uidnext : 1);
    if (!used.empty()) next = std::max(next, *used.rbegin() + 1);
    for (const auto* f : fresh) out.emplace_back(next++, f);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
}

Result<void> index_folder(sqlite::Db& db, const Maildir& maildir, const std::string& name,
                          const Salvage& salvage, const FolderHints* hints, ReindexReport& report) {
    report.removed_tmp_files += clean_tmp(maildir.folder_path(name) / "tmp");
    auto files = maildir.list(name);
    if (!files) return files.error();
    std::sort(files->begin(), files->end(), [](const MaildirFile& a, const MaildirFile& b) {
        const auto ta = time_prefix(a.file), tb = time_prefix(b.file);
        return ta != tb ? ta < tb : a.name.base < b.name.base;
    });
    auto tx = sqlite::Transaction::begin(db, sqlite::Durability::Full);
    if (!tx) return tx.error();
    bool subscribed = true;
    std::string special_use(default_special_use(name));
    if (auto it = salvage.mailboxes.find(name); it != salvage.mailboxes.end()) {
        subscribed = it->second.first;
        special_use = it->second.second;
    }
    auto box = index::insert_mailbox(db, name, special_use, subscribed);
    if (!box) return box.error();
    if (hints != nullptr && hints->uidvalidity != 0) {
        auto adopted = index::adopt_uidvalidity(db, box->id, hints->uidvalidity);
        if (!adopted) return adopted.error();
        if (!*adopted) {
            report.warnings.push_back(name + ": UIDVALIDITY " + std::to_string(hints->uidvalidity) +
                                      " is another mailbox's; given a new one");
        }
    }
    auto modseq = index::next_modseq(db);
    if (!modseq) return modseq.error();
    std::uint32_t uidnext = hints != nullptr ? hints->uidnext : 1;
    for (const auto& [uid, f] : assign_uids(*files, hints)) {
        const fs::path path = maildir.folder_path(name) / f->file;
        auto bytes = read_file(path);
        struct stat st {};
        if (!bytes || ::stat(path.c_str(), &st) != 0) {
            report.warnings.push_back("unreadable, skipped: " + path.string());
            continue;
        }
        MessageRecord m;
        m.uid = uid;
        m.modseq = *modseq;
        m.flags = f->name.flags;
        if (auto k = salvage.keywords.find(f->name.base); k != salvage.keywords.end()) {
            m.keywords = k->second;
        } else if (hints != nullptr) {
            if (auto h = hints->keywords.find(f->name.base); h != hints->keywords.end()) m.keywords = h->second;
        }
        m.internal_date = st.st_mtime;
        m.size = static_cast<std::int64_t>(bytes->size());
        m.rfc822_size = static_cast<std::int64_t>(text::rfc822_size(*bytes));
        m.file = f->file;
        m.structure = mr::mime::structure_blob(*bytes);
        if (auto u = salvage.pop3_uidls.find(f->name.base); u != salvage.pop3_uidls.end()) {
            m.pop3_uidl = u->second;
        } else if (hints != nullptr) {
            if (auto h = hints->pop3_uidls.find(f->name.base); h != hints->pop3_uidls.end()) m.pop3_uidl = h->second;
        }
        if (auto r = index::assign_ids(db, m, mr::mime::thread_links(*bytes)); !r) return r;
        auto inserted = index::insert_message(db, box->id, m, std::nullopt);
        if (!inserted) return inserted.error();
        uidnext = std::max(uidnext, uid + 1);
        ++report.messages;
    }
    if (auto r = index::raise_uidnext(db, box->id, uidnext); !r) return r;
    if (auto r = index::set_highestmodseq(db, box->id, *modseq); !r) return r;
    ++report.mailboxes;
    return tx->commit();
}

// flock(2) on root/reindex.lock for the lifetime of the object.
class ReindexLock {
public:
    explicit ReindexLock(const fs::path& user_dir) {
        const fs::path file = user_dir / "reindex.lock";
        fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~ReindexLock() {
        if (fd_ >= 0) ::close(fd_);  // closing releases the lock
    }
    ReindexLock(const ReindexLock&) = delete;
    ReindexLock& operator=(const ReindexLock&) = delete;
    bool held() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

// Mail (or folders) present: an index built from nothing would hide it.
bool has_maildir_content(const fs::path& user_dir) {
    std::error_code ec;
    for (const char* sub : {"cur", "new"}) {
        if (fs::exists(user_dir / sub, ec) && !fs::is_empty(user_dir / sub, ec)) return true;
    }
    auto folders = Maildir(user_dir).list_folders();
    return folders && !folders->empty();
}

Result<ReindexReport> reindex_locked(const fs::path& user_dir, const ImportHints* hints);

void remove_db_files(const fs::path& file) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(file.string() + suffix, ec);
}

}  // namespace

Result<ReindexReport> reindex_user(const fs::path& user_dir, const ImportHints* hints) {
    if (sodium_init() < 0) return Error::internal("libsodium initialisation failed");
    std::error_code ec;
    if (!fs::is_directory(user_dir, ec)) return Error::refused("no such mail directory: " + user_dir.string());
    ReindexLock lock(user_dir);
    if (!lock.held()) return Error::internal("cannot lock " + (user_dir / "reindex.lock").string());
    return reindex_locked(user_dir, hints);
}

Result<bool> reindex_if_missing(const fs::path& user_dir) {
    if (!index::missing(user_dir) || !has_maildir_content(user_dir)) return false;
    if (sodium_init() < 0) return Error::internal("libsodium initialisation failed");
    ReindexLock lock(user_dir);
    if (!lock.held()) return Error::internal("cannot lock " + (user_dir / "reindex.lock").string());
    if (!index::missing(user_dir)) return false;  // another process rebuilt it meanwhile
    auto report = reindex_locked(user_dir, nullptr);
    if (!report) return report.error();
    return true;
}

namespace {

Result<ReindexReport> reindex_locked(const fs::path& user_dir, const ImportHints* hints) {
    std::error_code ec;
    ReindexReport report;
    const Maildir maildir(user_dir);
    const fs::path index_file = user_dir / index::kFileName;
    const Salvage salvage = salvage_old_index(index_file, report);
    report.salvaged_old_index = salvage.ok;

    auto folders = maildir.list_folders();
    if (!folders) return folders.error();
    std::set<std::string> names(folders->begin(), folders->end());
    names.insert("INBOX");
    if (!salvage.ok) {
        for (const auto& d : kDefaultMailboxes) names.emplace(d.name);
    }

    const fs::path rebuild = user_dir / "index.sqlite.rebuild";
    remove_db_files(rebuild);
    {
        auto db = index::open(rebuild);
        if (!db) return db.error();
        // UIDVALIDITY must move past what clients may remember from the old index.
        if (auto r = index::set_last_uidvalidity(*db, std::max<std::int64_t>(salvage.last_uidvalidity, 0)); !r) {
            return r.error();
        }
        for (const auto& name : names) {
            if (auto r = maildir.create_folder(name); !r) return r.error();
            const FolderHints* folder_hints = nullptr;
            if (hints != nullptr) {
                if (auto it = hints->folders.find(name); it != hints->folders.end()) folder_hints = &it->second;
            }
            if (auto r = index_folder(*db, maildir, name, salvage, folder_hints, report); !r) {
                remove_db_files(rebuild);
                return r.error();
            }
        }
        // Subscriptions outlive their mailbox (schema v8): the old index's lost ones, and
        // its subscribed mailboxes whose folder is gone.
        std::set<std::string> lost(salvage.lost_subscriptions.begin(), salvage.lost_subscriptions.end());
        for (const auto& [name, box] : salvage.mailboxes) {
            if (box.first) lost.insert(name);
        }
        for (const auto& name : lost) {
            if (names.contains(name)) continue;
            if (auto r = index::add_lost_subscription(*db, name); !r) {
                remove_db_files(rebuild);
                return r.error();
            }
        }
    }  // closing the last connection checkpoints and removes the -wal file

    if (fs::exists(index_file, ec)) {
        const std::string aside = index_file.string() + ".old-" + std::to_string(std::time(nullptr));
        for (const char* suffix : {"", "-wal", "-shm"}) {
            std::error_code mv;
            if (fs::exists(index_file.string() + suffix, mv)) {
                fs::rename(index_file.string() + suffix, aside + suffix, mv);
                if (mv) return Error::internal("move aside " + index_file.string() + suffix + ": " + mv.message());
            }
        }
    }
    remove_db_files(index_file);  // stray -wal/-shm of a missing index must not meet the new file
    fs::rename(rebuild, index_file, ec);
    if (ec) return Error::internal("install new index: " + ec.message());
    if (auto r = fsync_directory(user_dir); !r) return r.error();
    return report;
}

}  // namespace

}  // namespace mr::storage
