#include "storage/backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "storage/mailbox_index.hpp"
#include "storage/maildir.hpp"
#include "storage/queue.hpp"
#include "storage/upgrade.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

namespace {

Error os_error(const std::string& what, const fs::path& path) {
    return Error::system(errno, what + " " + path.string());
}

bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// SQLite's own side files: a copy of them would be stale the moment it is made.
bool is_sidecar(const fs::path& p) {
    const std::string name = p.filename().string();
    return ends_with(name, "-wal") || ends_with(name, "-shm") || ends_with(name, "-journal");
}

bool is_database(const fs::path& p) {
    const auto ext = p.extension();
    return ext == ".db" || ext == ".sqlite";
}

// Owner, mode and times of `st` onto `path` (chown to the same owner is a no-op for a
// non-root caller; root restores the daemons' account).
Result<void> copy_attributes(const struct stat& st, const fs::path& path) {
    if (::lchown(path.c_str(), st.st_uid, st.st_gid) != 0 && errno != EPERM) return os_error("chown", path);
    if (::chmod(path.c_str(), st.st_mode & 07777) != 0) return os_error("chmod", path);
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) return os_error("set times of", path);
    return {};
}

// Copies a regular file's bytes; nullopt when the source vanished before it was opened.
Result<bool> copy_bytes(const fs::path& from, const fs::path& to, const struct stat& st, CopyReport& report) {
    const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0) {
        if (errno == ENOENT) return false;
        return os_error("open", from);
    }
    // Created private; copy_attributes widens it to the source's mode once it is complete.
    const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        const int e = errno;
        ::close(in);
        if (e == EEXIST) return true;  // already copied under this name (found by base name)
        errno = e;
        return os_error("create", to);
    }
    bool ok = true;
    std::uint64_t total = 0;
    for (;;) {
        const ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 20, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ok = false;
            break;
        }
        if (n == 0) break;
        total += static_cast<std::uint64_t>(n);
    }
    if (!ok) {  // e.g. a file system without copy_file_range: plain read/write
        ok = ::lseek(in, 0, SEEK_SET) == 0 && ::ftruncate(out, 0) == 0 && ::lseek(out, 0, SEEK_SET) == 0;
        total = 0;
        char buf[64 * 1024];
        while (ok) {
            const ssize_t n = ::read(in, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                ok = n == 0;
                break;
            }
            for (ssize_t done = 0; done < n;) {
                const ssize_t w = ::write(out, buf + done, static_cast<std::size_t>(n - done));
                if (w < 0 && errno == EINTR) continue;
                if (w < 0) {
                    ok = false;
                    break;
                }
                done += w;
            }
            total += static_cast<std::uint64_t>(n);
        }
    }
    const int e = errno;
    ::close(in);
    if (::close(out) != 0) ok = false;
    if (!ok) {
        errno = e;
        return os_error("copy to", to);
    }
    report.bytes += total;
    ++report.copied;
    if (auto r = copy_attributes(st, to); !r) return r.error();
    return true;
}

// One committed state of a live database, through SQLite's online backup.
Result<void> backup_database(const fs::path& from, const fs::path& to, const struct stat& st) {
    sqlite3* src = nullptr;
    sqlite3* dst = nullptr;
    auto close_both = [&] {
        sqlite3_close(src);
        sqlite3_close(dst);
    };
    if (sqlite3_open_v2(from.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        const std::string msg = src ? sqlite3_errmsg(src) : "out of memory";
        close_both();
        return Error::internal("open " + from.string() + ": " + msg);
    }
    sqlite3_busy_timeout(src, 5000);
    if (sqlite3_open_v2(to.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
        const std::string msg = dst ? sqlite3_errmsg(dst) : "out of memory";
        close_both();
        return Error::internal("create " + to.string() + ": " + msg);
    }
    sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
    if (b == nullptr) {
        const std::string msg = sqlite3_errmsg(dst);
        close_both();
        return Error::internal("back up " + from.string() + ": " + msg);
    }
    int rc;
    // A writer holding the lock makes a step busy; the daemons' transactions are short.
    for (int tries = 0; (rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED; ++tries) {
        if (tries == 500) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        const std::string msg = sqlite3_errstr(rc);
        close_both();
        return Error::internal("back up " + from.string() + ": " + msg);
    }
    close_both();
    // The copy is a WAL database like its source: nothing of it lives in side files now.
    for (const char* side : {"-wal", "-shm"}) ::unlink((to.string() + side).c_str());
    return copy_attributes(st, to);
}

Result<void> make_dir_like(const fs::path& dir, const struct stat& st) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return os_error("create", dir);
    return copy_attributes(st, dir);
}

// Hard-links `to` to the previous snapshot's copy of the same file when that copy has the
// same size and mtime; false when there is none.
bool link_unchanged(const fs::path& previous_file, const fs::path& to, const struct stat& st) {
    struct stat old;
    if (::lstat(previous_file.c_str(), &old) != 0 || !S_ISREG(old.st_mode)) return false;
    if (old.st_size != st.st_size || old.st_mtim.tv_sec != st.st_mtim.tv_sec ||
        old.st_mtim.tv_nsec != st.st_mtim.tv_nsec) {
        return false;
    }
    return ::link(previous_file.c_str(), to.c_str()) == 0;
}

enum class Pass { QueueDatabase, QueueFiles, Databases, Files };

class Snapshot {
public:
    Snapshot(fs::path from, fs::path to, fs::path previous, SnapshotMode mode)
        : from_(std::move(from)), to_(std::move(to)), previous_(std::move(previous)), mode_(mode) {}

    Result<CopyReport> run() {
        struct stat st;
        if (::stat(from_.c_str(), &st) != 0) return os_error("stat", from_);
        // `to_` may exist, empty: made by root for the account that runs the copy.
        if (::mkdir(to_.c_str(), 0700) != 0 && errno != EEXIST) return os_error("create", to_);
        if (auto r = copy_attributes(st, to_); !r) return r.error();
        for (Pass pass : {Pass::QueueDatabase, Pass::QueueFiles, Pass::Databases, Pass::Files}) {
            if (auto r = walk(pass); !r) return r.error();
            if (pass == Pass::QueueFiles && mode_ == SnapshotMode::Live) {
                if (auto r = drop_finished_entries(); !r) return r.error();
            }
        }
        return report_;
    }

private:
    bool wanted(Pass pass, const fs::path& rel, bool database) const {
        const bool in_queue = rel.begin() != rel.end() && *rel.begin() == "queue";
        const bool queue_db = rel == fs::path("queue") / "queue.db";
        switch (pass) {
        case Pass::QueueDatabase: return queue_db;
        case Pass::QueueFiles: return in_queue && !database;
        case Pass::Databases: return database && !queue_db;
        case Pass::Files: return !in_queue && !database;
        }
        return false;
    }

    Result<void> walk(Pass pass) {
        std::error_code ec;
        fs::recursive_directory_iterator it(from_, fs::directory_options::skip_permission_denied, ec);
        if (ec) return Error::internal("list " + from_.string() + ": " + ec.message());
        for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (ec) {
                // A directory removed while we walk (a deleted folder): go on with the rest.
                ec.clear();
                continue;
            }
            const fs::path path = it->path();
            const fs::path rel = path.lexically_relative(from_);
            // run/: locks and sockets. snapshots/: earlier copies of all the rest (upgrade.hpp).
            if (it.depth() == 0 && (rel == "run" || rel == kSnapshotsDir)) {
                it.disable_recursion_pending();
                continue;
            }
            // Maildir's tmp/ holds files still being written: not mail yet.
            if (path.filename() == "tmp" && it->is_directory(ec)) {
                it.disable_recursion_pending();
                if (auto r = directory(path, rel); !r) return r;
                continue;
            }
            struct stat st;
            if (::lstat(path.c_str(), &st) != 0) {
                if (errno == ENOENT) {
                    if (auto r = vanished(pass, path, rel); !r) return r;
                    continue;
                }
                return os_error("stat", path);
            }
            if (S_ISDIR(st.st_mode)) {
                if (auto r = make_dir_like(to_ / rel, st); !r) return r;
                continue;
            }
            if (!S_ISREG(st.st_mode) || is_sidecar(path)) continue;
            if (!wanted(pass, rel, is_database(path))) continue;
            if (auto r = file(pass, path, rel, st); !r) return r;
        }
        return {};
    }

    Result<void> directory(const fs::path& path, const fs::path& rel) {
        struct stat st;
        if (::lstat(path.c_str(), &st) != 0) return {};
        return make_dir_like(to_ / rel, st);
    }

    Result<void> file(Pass pass, const fs::path& path, const fs::path& rel, const struct stat& st) {
        const fs::path dest = to_ / rel;
        if (pass == Pass::QueueDatabase || pass == Pass::Databases) {
            if (auto r = backup_database(path, dest, st); !r) return r;
            ++report_.databases;
            return {};
        }
        if (pass == Pass::Files && !indexed(rel)) {
            ++report_.unindexed;
            return {};
        }
        if (!previous_.empty() && link_unchanged(previous_ / rel, dest, st)) {
            ++report_.linked;
            return {};
        }
        auto copied = copy_bytes(path, dest, st, report_);
        if (!copied) return copied.error();
        if (!*copied) return vanished(pass, path, rel);
        return {};
    }

    // A Maildir file renamed between listing and copying (a flag change moves it from new/
    // to cur/ or changes its ":2," letters) is copied under its current name.
    Result<void> vanished(Pass pass, const fs::path& path, const fs::path& rel) {
        const fs::path dir = path.parent_path();
        const auto where = dir.filename();
        if (pass != Pass::Files || (where != "new" && where != "cur")) {
            ++report_.vanished;
            return {};
        }
        if (!indexed(rel)) {
            ++report_.unindexed;
            return {};
        }
        const std::string base = parse_maildir_file_name(path.filename().string()).base;
        for (const char* sub : {"cur", "new"}) {
            std::error_code ec;
            for (const auto& e : fs::directory_iterator(dir.parent_path() / sub, ec)) {
                if (parse_maildir_file_name(e.path().filename().string()).base != base) continue;
                struct stat st;
                if (::lstat(e.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
                const fs::path now_rel = rel.parent_path().parent_path() / sub / e.path().filename();
                auto copied = copy_bytes(e.path(), to_ / now_rel, st, report_);
                if (!copied) return copied.error();
                if (*copied) return {};
            }
        }
        ++report_.vanished;  // expunged meanwhile
        return {};
    }

    // An entry whose spool file was gone by the time the queue's files were copied was
    // finished meanwhile (delivered, so the copied index will have it, or relayed): the
    // copied queue must not keep it, or a restore would retry it without its message and
    // end in a false bounce.
    Result<void> drop_finished_entries() {
        if (!fs::exists(to_ / "queue" / "queue.db")) return {};
        {
            auto queue = Queue::open(to_);
            if (!queue) return queue.error();
            auto entries = queue->list();
            if (!entries) return entries.error();
            for (const auto& e : *entries) {
                auto as_file = queue->stored_as_file(e.id);
                if (!as_file) return as_file.error();
                if (*as_file && !fs::exists(queue->message_path(e.id))) {
                    if (auto r = queue->remove(e.id); !r) return r;
                    ++report_.finished;
                }
            }
        }
        for (const char* side : {"-wal", "-shm"}) ::unlink((to_ / "queue" / "queue.db").concat(side).c_str());
        return {};
    }

    // Whether a file belongs in the snapshot: every file that is not a message in a user's
    // Maildir, and each message that the user's index (as copied in the Databases pass)
    // lists. A message delivered after that copy is left out: its row is not in the copied
    // index, and the copied queue still holds it, unless it was acknowledged after the
    // backup began.
    bool indexed(const fs::path& rel) {
        if (mode_ == SnapshotMode::Stopped) return true;
        const fs::path dir = rel.parent_path();
        if (dir.filename() != "new" && dir.filename() != "cur") return true;
        fs::path user = dir.parent_path();
        if (!fs::exists(to_ / user / index::kFileName)) user = user.parent_path();
        if (!fs::exists(to_ / user / index::kFileName)) return true;
        auto it = indexed_.find(user);
        if (it == indexed_.end()) it = indexed_.emplace(user, indexed_names(to_ / user)).first;
        return it->second.contains(parse_maildir_file_name(rel.filename().string()).base);
    }

    static std::set<std::string> indexed_names(const fs::path& user_dir) {
        std::set<std::string> names;
        {
            auto db = index::open(user_dir / index::kFileName);
            if (!db) return names;
            auto mailboxes = index::list_mailboxes(*db);
            if (!mailboxes) return names;
            for (const auto& m : *mailboxes) {
                auto rows = index::load_messages(*db, m.id);
                if (!rows) continue;
                for (const auto& row : *rows) {
                    names.insert(parse_maildir_file_name(fs::path(row.file).filename().string()).base);
                }
            }
        }
        for (const char* side : {"-wal", "-shm"}) ::unlink((user_dir / index::kFileName).concat(side).c_str());
        return names;
    }

    fs::path from_, to_, previous_;
    SnapshotMode mode_;
    CopyReport report_;
    std::map<fs::path, std::set<std::string>> indexed_;
};

}  // namespace

Result<CopyReport> snapshot_data_dir(const fs::path& data_dir, const fs::path& dest, const fs::path& previous,
                                     SnapshotMode mode) {
    return Snapshot(data_dir, dest, previous, mode).run();
}

Result<CopyReport> copy_tree(const fs::path& from, const fs::path& to) {
    CopyReport report;
    struct stat st;
    if (::lstat(from.c_str(), &st) != 0) return os_error("stat", from);
    if (S_ISREG(st.st_mode)) {
        auto r = copy_bytes(from, to, st, report);
        if (!r) return r.error();
        return report;
    }
    if (!S_ISDIR(st.st_mode)) return Error::refused("not a file or directory: " + from.string());
    if (auto r = make_dir_like(to, st); !r) return r.error();
    std::error_code ec;
    for (fs::recursive_directory_iterator it(from, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path rel = it->path().lexically_relative(from);
        struct stat s;
        if (::lstat(it->path().c_str(), &s) != 0) return os_error("stat", it->path());
        if (S_ISDIR(s.st_mode)) {
            if (auto r = make_dir_like(to / rel, s); !r) return r.error();
        } else if (S_ISREG(s.st_mode)) {
            auto r = copy_bytes(it->path(), to / rel, s, report);
            if (!r) return r.error();
        }
    }
    if (ec) return Error::internal("list " + from.string() + ": " + ec.message());
    return report;
}

}  // namespace mr::storage
