// The loop's fast path for RETR/TOP: reading a small message file on the loop thread,
// but only when the kernel can answer from its caches. A pool round trip per message
// (two context switches) was what kept pop3d below Dovecot's RETR rate (issue 5); a
// file in the page cache costs microseconds to read directly.
//
// Invariants:
// - Never waits for the disk: the path lookup uses openat2(RESOLVE_CACHED) and the read
//   preadv2(RWF_NOWAIT); either one answering EAGAIN (or anything else going wrong) gives
//   nullopt and the caller takes the thread-pool path, which also reports real errors.
// - Only whole files: a partial read is false, so the streaming path keeps handling large
//   messages with back-pressure. "Whole" is known without fstat in the common case: the
//   read asks for one octet more than the message's RETR size, which is never less than
//   the file's size (CRLF stays, bare LF/CR grow to CRLF: common/text/message_data.hpp; the
//   index stores that size at delivery, maildrop.hpp). So a read returning exactly the
//   RETR size read the whole file, and so did a shorter one ending inside a page (a read
//   that meets a page missing from the cache stops at that page's start). Anything else
//   (a bare-LF file in a page-sized piece, say) is checked against fstat.
// - The bytes land in the caller's buffer, which the loop reuses for every message: no
//   allocation per RETR once it has grown.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mr::pop3d::server {

// True with the whole file in `bytes`; false (bytes unspecified) otherwise, and always
// when `wire_size` (the size LIST reports for it) exceeds `max_size`.
bool read_if_cached(const char* path, std::uint64_t wire_size, std::size_t max_size, std::string& bytes);

}  // namespace mr::pop3d::server
