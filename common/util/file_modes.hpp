// The file-creation mask every mailroom process runs with.
//
// Invariants:
// - Each daemon's main and the CLI's main call restrict_umask() first, before anything
//   can create a file, so whatever the starting shell's umask was, nothing mailroom
//   creates is group-writable or has any permission for "other": directories come out
//   at most 0750, files at most 0640. Password hashes (directory.db), message bodies
//   (queue, Maildirs) and indexes are never readable by other local accounts.
// - Code that wants a tighter mode (0600 for the TLS key, SQLite databases and message
//   files) still asks for it at open(2); the mask only ever removes bits.
#pragma once

#include <sys/stat.h>

namespace mr::util {

inline constexpr mode_t kProcessUmask = 027;

inline void restrict_umask() { ::umask(kProcessUmask); }

}  // namespace mr::util
