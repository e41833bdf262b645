// The loop's fast path for RETR/TOP: reading a small message file on the loop thread,
// but only when the kernel can answer from its caches. A pool round trip per message
// (two context switches) was what kept pop3d below Dovecot's RETR rate (issue 5); a
// file in the page cache costs microseconds to read directly.
//
// Invariants:
// - Never waits for the disk: the path lookup uses openat2(RESOLVE_CACHED) and the read
//   preadv2(RWF_NOWAIT); either one answering EAGAIN (or anything else going wrong) gives
//   nullopt and the caller takes the thread-pool path, which also reports real errors.
// - Only whole files of at most `max_size` bytes: a partial read is nullopt, so the
//   streaming path keeps handling large messages with back-pressure.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace mr::pop3d::server {

std::optional<std::string> read_if_cached(const std::filesystem::path& path, std::size_t max_size);

}  // namespace mr::pop3d::server
