// The one way a queue file or a Maildir message comes into existence.
//
// Invariants:
// - A file appears under its final name complete or not at all: bytes are written
//   to a temporary name on the same file system, fsync'd, then rename(2)d into
//   place (rename is atomic within a file system). No reader ever sees a partial
//   message, and a crash leaves at most a stray temporary file.
// - Temporary files live in `tmp_dir` (Maildir's tmp/) or, when none is given, in
//   the target directory itself under a name starting with ".tmp-" that no store
//   listing treats as a message.
// - With fsync_dir the directory entry is made durable too. The batch variant
//   writes every temporary file, makes all their data durable with one syncfs(2),
//   links them into place and fsyncs the directory once (group commit: N files
//   share one flush, never zero).
// - Existing files are never overwritten: the final name must be new (it is
//   unique by construction in Maildir and the queue). The "rename" is done as
//   link(2) + unlink of the tmp name, which fails with EEXIST instead of replacing
//   (qmail's Maildir recipe); rename(2) is the fallback on file systems without
//   hard links. Either way it is a rename of complete bytes, never a copy.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::storage {

struct AtomicWriteOptions {
    bool fsync_file = true;
    bool fsync_dir = true;
    // Where the temporary file is written; must be on the same file system as dir.
    std::optional<std::filesystem::path> tmp_dir;
    // When set, the file's modification time (seconds since the epoch) before the
    // rename: Maildir readers use it as the message's internal date.
    std::optional<std::int64_t> mtime;
};

Result<void> write_file_atomically(const std::filesystem::path& dir, std::string_view name,
                                   std::string_view bytes, const AtomicWriteOptions& options = {});

struct PendingFile {
    std::string name;
    std::string_view bytes;
    std::optional<std::int64_t> mtime;
};

// Writes every file to a temporary name, flushes them all at once (options.fsync_file),
// links each into place, then fsyncs `dir` once (options.fsync_dir). On failure the
// files already linked stay (each is complete), the rest are removed, and the error
// names the one that failed. options.mtime is ignored: each PendingFile carries its own.
Result<void> write_files_atomically(const std::filesystem::path& dir,
                                    std::span<const PendingFile> files,
                                    const AtomicWriteOptions& options = {});

// The final name a temporary file was written for: ".tmp-<name>-<16 hex digits>" gives
// <name>; nullopt for any other file name. Crash recovery uses it to find the
// temporaries of one writer by their final names (uncommitted_files.hpp).
std::optional<std::string_view> temp_file_target(std::string_view tmp_name);

// write(2) of all of `bytes` to `fd`, across short writes and EINTR; an error names `file`
// and carries errno's code (Error::system).
Result<void> write_all(int fd, std::string_view bytes, const std::filesystem::path& file);

// fsync(2) on a directory, so renames and unlinks in it survive power loss.
Result<void> fsync_directory(const std::filesystem::path& dir);

// Reads a whole file (messages, queue files).
Result<std::string> read_file(const std::filesystem::path& file);

}  // namespace mr::storage
