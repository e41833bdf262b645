// Upgrading a data dir written by an earlier release, and refusing one written by a later.
//
// Every database migrates itself step by step when it is opened (sqlite::Db::migrate), so
// a daemon alone would upgrade lazily, file by file, with nothing to go back to. Before a
// release's daemons start, `mailroom up` (and `mailroom upgrade`, with them stopped) therefore:
//  1. reads every database's schema version without changing it; one newer than this
//     release knows stops everything (a downgrade is refused, not attempted);
//  2. when any is older, takes a snapshot of the data dir as `mailroom backup` does, into
//     <data_dir>/snapshots/before-<target versions>/data: databases by SQLite's online
//     backup, every other file hard-linked (Maildir files never change in place, so a link
//     is a copy; the snapshot costs the databases' size);
//  3. opens each database, which applies the missing steps, each step one transaction.
// A crash at any point is resumed by running it again: a complete snapshot for the same
// target is kept and reused (an incomplete one is discarded and retaken), and a step
// either committed with its version bump or not at all.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/util/result.hpp"

namespace mr::storage {

struct SchemaState {
    std::filesystem::path file;
    std::string kind;         // "directory", "queue", "login_failures", "index"
    std::int64_t version = 0;  // PRAGMA user_version as found
    std::int64_t current = 0;  // what this release writes
};

// Every database of the data dir with its version.
Result<std::vector<SchemaState>> schema_states(const std::filesystem::path& data_dir);

struct UpgradeReport {
    std::size_t databases = 0;  // found
    std::size_t upgraded = 0;   // older than this release, migrated now
    std::filesystem::path snapshot;  // empty when nothing needed one
    bool snapshot_reused = false;    // left by an upgrade that was interrupted
};

// Steps 1-3 above; Refused naming the file when a database is newer than this release.
Result<UpgradeReport> upgrade_data_dir(const std::filesystem::path& data_dir);

// The name of the snapshot an upgrade to this release takes ("before-directory1-queue5-...").
std::string upgrade_snapshot_name();

// The directory below the data dir that holds pre-upgrade snapshots (never backed up).
inline constexpr const char* kSnapshotsDir = "snapshots";

}  // namespace mr::storage
