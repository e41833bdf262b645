// libFuzzer target for the COMPRESS layer's input side (common/net/deflate_stream.hpp):
// arbitrary bytes as a client's compressed stream, fed in pieces, with shrink() between
// pieces as the connection's quiet timer would call it.
// Built and replayed over corpus/deflate_stream by tests/fuzz/CMakeLists.txt.
//
// Checked properties:
//  - nothing crashes or leaks, whatever the bytes (ASan/UBSan in the sanitizer build);
//  - one decompress() call never yields more than its max_out;
//  - after an error every later call fails too;
//  - the sending side still round-trips through a second stream after it all.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/net/deflate_stream.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    // The first byte chooses the piece size and when to shrink.
    const std::size_t piece = 1 + data[0] % 61;
    const bool shrink_often = (data[0] & 0x80) != 0;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

    mr::net::DeflateStream stream;
    constexpr std::size_t kMaxOut = 4096;
    bool failed = false;
    while (!input.empty() && !failed) {
        std::string_view chunk = input.substr(0, piece);
        input.remove_prefix(chunk.size());
        do {
            std::string out;
            auto r = stream.decompress(chunk, out, kMaxOut);
            if (out.size() > kMaxOut) std::abort();
            if (!r) {
                failed = true;
                break;
            }
        } while (!chunk.empty() || stream.inflate_pending());
        if (shrink_often) stream.shrink();
    }
    if (failed) {
        std::string out;
        std::string_view more("x");
        if (stream.decompress(more, out, kMaxOut)) std::abort();
        return 0;
    }
    // Sending still works and round-trips.
    const std::string text = "* 1 FETCH (FLAGS (\\Seen))\r\n";
    std::string wire;
    if (!stream.compress(text, true, wire)) std::abort();
    mr::net::DeflateStream peer;
    std::string_view in(wire);
    std::string back;
    if (!peer.decompress(in, back, 1 << 16) || back != text) std::abort();
    return 0;
}
