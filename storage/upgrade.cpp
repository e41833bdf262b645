#include "storage/upgrade.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "storage/backup.hpp"
#include "storage/directory.hpp"
#include "storage/login_failures.hpp"
#include "storage/mailbox_index.hpp"
#include "storage/queue.hpp"
#include "storage/sqlite/db.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

namespace {

struct Kind {
    const char* name;
    std::size_t current;
};

Result<void> add_state(std::vector<SchemaState>& out, const fs::path& file, const Kind& kind) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return {};
    auto version = sqlite::Db::read_schema_version(file);
    if (!version) return version.error();
    out.push_back({file, kind.name, *version, static_cast<std::int64_t>(kind.current)});
    return {};
}

}  // namespace

std::string upgrade_snapshot_name() {
    return "before-directory" + std::to_string(Directory::schema_version()) + "-queue" +
           std::to_string(Queue::schema_version()) + "-login_failures" +
           std::to_string(LoginFailures::schema_version()) + "-index" + std::to_string(index::schema_version());
}

namespace {

Result<void> migrate(const fs::path& data_dir, const SchemaState& s) {
    if (s.kind == "directory") {
        auto d = Directory::open(s.file);
        if (!d) return d.error();
    } else if (s.kind == "queue") {
        auto q = Queue::open(data_dir);
        if (!q) return q.error();
    } else if (s.kind == "login_failures") {
        auto l = LoginFailures::open(data_dir);
        if (!l) return l.error();
    } else {
        auto i = index::open(s.file);
        if (!i) return i.error();
    }
    return {};
}

// The snapshot for this target: reused when complete, else (re)taken.
Result<fs::path> snapshot_before(const fs::path& data_dir, bool& reused) {
    const fs::path dir = data_dir / kSnapshotsDir;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Error::system(errno, "create " + dir.string());
    const fs::path done = dir / upgrade_snapshot_name();
    std::error_code ec;
    if (fs::is_directory(done / "data", ec)) {
        reused = true;
        return done;
    }
    const fs::path partial = dir / (upgrade_snapshot_name() + ".partial");
    fs::remove_all(partial, ec);
    if (::mkdir(partial.c_str(), 0700) != 0) return Error::system(errno, "create " + partial.string());
    // The data dir itself as the "previous snapshot": every unchanged file is linked.
    auto copied = snapshot_data_dir(data_dir, partial / "data", data_dir, SnapshotMode::Stopped);
    if (!copied) return copied.error();
    fs::rename(partial, done, ec);
    if (ec) return Error::internal("rename " + partial.string() + ": " + ec.message());
    ::sync();
    return done;
}

}  // namespace

Result<std::vector<SchemaState>> schema_states(const fs::path& data_dir) {
    std::vector<SchemaState> out;
    if (auto r = add_state(out, data_dir / "directory.db", {"directory", Directory::schema_version()}); !r) {
        return r.error();
    }
    if (auto r = add_state(out, data_dir / "queue" / "queue.db", {"queue", Queue::schema_version()}); !r) {
        return r.error();
    }
    if (auto r = add_state(out, data_dir / LoginFailures::kFileName,
                           {"login_failures", LoginFailures::schema_version()});
        !r) {
        return r.error();
    }
    // data_dir/mail/<domain>/<local part>/index.sqlite
    std::error_code ec;
    for (const auto& domain : fs::directory_iterator(data_dir / "mail", ec)) {
        if (!domain.is_directory(ec)) continue;
        for (const auto& user : fs::directory_iterator(domain.path(), ec)) {
            if (!user.is_directory(ec)) continue;
            if (auto r = add_state(out, user.path() / index::kFileName, {"index", index::schema_version()}); !r) {
                return r.error();
            }
        }
    }
    return out;
}

Result<UpgradeReport> upgrade_data_dir(const fs::path& data_dir) {
    auto states = schema_states(data_dir);
    if (!states) return states.error();
    UpgradeReport report;
    report.databases = states->size();
    std::vector<const SchemaState*> older;
    for (const auto& s : *states) {
        if (s.version > s.current) {
            return Error::refused(s.file.string() + " has " + s.kind + " schema version " + std::to_string(s.version) +
                                  ", newer than this mailroom's " + std::to_string(s.current) +
                                  ": the data dir was written by a later release, and downgrading is not "
                                  "supported (install that release again, or restore a snapshot taken before it)");
        }
        // Version 0 is an empty file (a crash before its schema was written): nothing to keep.
        if (s.version > 0 && s.version < s.current) older.push_back(&s);
    }
    if (older.empty()) return report;
    auto snapshot = snapshot_before(data_dir, report.snapshot_reused);
    if (!snapshot) return snapshot.error();
    report.snapshot = *snapshot;
    for (const SchemaState* s : older) {
        if (auto r = migrate(data_dir, *s); !r) return r.error();
        ++report.upgraded;
    }
    return report;
}

}  // namespace mr::storage
