// mr::net::DeflateStream — a connection's DEFLATE layer (IMAP COMPRESS=DEFLATE, RFC 4978):
// raw deflate (RFC 1951, no zlib header) both ways, sans-I/O. The owner hands it the
// plaintext it sends and the compressed bytes it receives; it never touches a socket.
// Connection (connection.hpp) puts it above TLS: compressed, then encrypted (RFC 4978 §3,
// rfc4978.txt:161).
//
// Invariants:
// - Output: compress(..., flush = true) ends with a sync flush (Z_SYNC_FLUSH), so the peer
//   can decode every byte given so far and the stream is byte-aligned; the owner flushes at
//   every response boundary (Connection: before control returns to the loop), so no
//   response ever waits in the compressor.
// - Input: decompress() inflates at most max_out bytes per call, so a small compressed
//   input never expands into an unbounded buffer at once; inflate_pending() says the
//   inflater holds output still owed for input it consumed. It also returns at the end of
//   each deflate block that produced output, so no input after a flush point is consumed
//   before the plaintext up to it has been acted on (a layer the peer ends there, RFC 8437).
// - Memory. Sending: windowBits 12 and memLevel 4, about 30 KiB while compressing: IMAP
//   responses repeat within a few KiB (response keywords, header field names, folded
//   lines), so a 4 KiB window keeps most of what a 32 KiB one finds, at an eighth of
//   zlib's default 256 KiB + 64 KiB. Receiving must take any window up to 32 KiB (the
//   client chooses; RFC 4978 lets it use 15): inflate's 32 KiB window plus 7 KiB of state.
//   shrink() gives both back while the connection is quiet: each side whose stream is at a
//   byte-aligned block boundary keeps only the history the next bytes may refer to (the
//   last 4 KiB sent; the last 32 KiB received, usually much less: an idle client has sent
//   a few commands), and is built again from it when traffic resumes. A client that uses
//   Z_PARTIAL_FLUSH (not byte-aligned) keeps its inflater.
// - After an error (corrupt input, a stream the peer ended) every later call fails.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::net {

class DeflateStream {
public:
    DeflateStream();
    ~DeflateStream();
    DeflateStream(const DeflateStream&) = delete;
    DeflateStream& operator=(const DeflateStream&) = delete;

    // Appends the compressed form of `plain` to `out`; with `flush`, everything given so
    // far is decodable from `out` by the peer (sync flush).
    Result<void> compress(std::string_view plain, bool flush, std::string& out);
    // compress() was given bytes since the last flush.
    bool needs_flush() const { return unflushed_; }

    // Inflates a prefix of `in` (removed from it) onto `out`, at most max_out bytes.
    // Input left in `in` waits for the next call; so does output the inflater still owes
    // (inflate_pending()). Error: corrupt data, or data after the peer's final block.
    Result<void> decompress(std::string_view& in, std::string& out, std::size_t max_out);
    bool inflate_pending() const { return inflate_pending_; }

    // Releases what can be released while nothing moves (see the invariants).
    void shrink();
    // Heap bytes held by zlib and the kept histories (tests and the memory bench).
    std::size_t held_bytes() const;

private:
    struct Zlib;
    Result<void> open_deflate();
    Result<void> open_inflate();
    Result<void> fail(const char* what);

    std::unique_ptr<Zlib> z_;
    std::string sent_history_;      // while the deflater is shrunk
    std::string received_history_;  // while the inflater is shrunk
    bool unflushed_ = false;
    bool inflate_pending_ = false;
    bool failed_ = false;
};

}  // namespace mr::net
