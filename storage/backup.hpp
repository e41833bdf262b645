// Backup and restore of a data dir while the daemons run.
//
// A snapshot is a directory tree mirroring the data dir (owners, modes and mtimes kept:
// a Maildir file's mtime is its INTERNALDATE). What makes it consistent:
//  - every SQLite database (queue.db, directory.db, each user's index.sqlite, ...) is
//    copied with SQLite's online backup API, so each copy is one committed state;
//  - the order of the copies follows the order in which mail moves, so a message that was
//    acknowledged before the backup began is in the snapshot whatever happens meanwhile:
//      1. queue/queue.db, 2. the queue's spool files, 3. the other databases (the indexes),
//      4. every other file (the Maildir files).
//    A message still queued at step 1 has its row; if deliverd delivers it before step 2
//    copies its spool file, the delivery committed its index row before removing the spool
//    file, so step 3 finds it in the index and step 4 its Maildir file; the copied queue
//    then drops that entry (its spool file is not in the snapshot).
//  - a message file is copied only when the copied index lists it: one delivered after
//    step 3 is still in the copied queue (or was acknowledged after the backup began),
//    and the restored queue delivers it again (a delivery whose row exists is a no-op);
//  - a Maildir file renamed meanwhile (flags) is found under its new name; one expunged
//    meanwhile is simply absent (its index row then names a missing file, which the store
//    treats as expunged and `mailroom verify` reports).
// Incremental: a file whose relative path, size and mtime equal those in the previous
// snapshot is hard-linked to it instead of copied (Maildir files never change in place:
// a flag change is a rename, so the name and mtime identify the content).
// run/ (locks, sockets) and SQLite's -wal/-shm/-journal files are never copied.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/util/result.hpp"

namespace mr::storage {

struct CopyReport {
    std::uint64_t databases = 0;  // SQLite online backups
    std::uint64_t copied = 0;     // files copied
    std::uint64_t linked = 0;     // files hard-linked to the previous snapshot
    std::uint64_t bytes = 0;      // bytes copied (links cost none)
    std::uint64_t vanished = 0;   // files removed between listing and copying
    std::uint64_t unindexed = 0;  // messages delivered after their index was copied
    std::uint64_t finished = 0;   // queue entries finished between the queue's two copies
};

// Live: the daemons may be running (the order and checks above). Stopped: nobody uses the
// data dir (an upgrade before the daemons start), so every file is copied as it is and the
// copies are never opened: the databases keep the schema version they had.
enum class SnapshotMode { Live, Stopped };

// Copies `data_dir` into `dest` (which must not exist or be empty), linking unchanged files to
// `previous` when it is not empty.
Result<CopyReport> snapshot_data_dir(const std::filesystem::path& data_dir, const std::filesystem::path& dest,
                                     const std::filesystem::path& previous, SnapshotMode mode = SnapshotMode::Live);

// Copies one file or directory tree with owners, modes and mtimes (for the config and
// keys beside the data dir, and for restoring a snapshot). Databases are copied as files:
// the source must not be in use.
Result<CopyReport> copy_tree(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace mr::storage
