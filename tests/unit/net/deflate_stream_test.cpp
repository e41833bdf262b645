// DeflateStream (common/net/deflate_stream.hpp): round trips against zlib as a client uses
// it (raw deflate, 32 KiB window), every flushed boundary decodable at once, the history
// kept across shrink(), bounded inflation, and corrupt input refused.
#include "common/net/deflate_stream.hpp"

#include <doctest/doctest.h>
#include <zlib.h>

#include <random>
#include <string>

using mr::net::DeflateStream;

namespace {

// A client's side: zlib with the windowBits it likes (Python: compressobj(wbits=-15)).
struct Peer {
    z_stream d{};
    z_stream i{};
    explicit Peer(int wbits = 15) {
        REQUIRE(deflateInit2(&d, 6, Z_DEFLATED, -wbits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
        REQUIRE(inflateInit2(&i, -15) == Z_OK);
    }
    ~Peer() {
        deflateEnd(&d);
        inflateEnd(&i);
    }
    std::string compress(std::string_view plain, int flush = Z_SYNC_FLUSH) {
        std::string out(plain.size() + 1024, '\0');
        d.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
        d.avail_in = static_cast<uInt>(plain.size());
        d.next_out = reinterpret_cast<Bytef*>(out.data());
        d.avail_out = static_cast<uInt>(out.size());
        REQUIRE(deflate(&d, flush) == Z_OK);
        REQUIRE(d.avail_in == 0);
        out.resize(out.size() - d.avail_out);
        return out;
    }
    // Everything decodable from `wire` now (what a client reads after a flush).
    std::string inflate_all(std::string_view wire) {
        std::string out;
        i.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(wire.data()));
        i.avail_in = static_cast<uInt>(wire.size());
        char buf[4096];
        do {
            i.next_out = reinterpret_cast<Bytef*>(buf);
            i.avail_out = sizeof buf;
            const int rc = inflate(&i, Z_SYNC_FLUSH);
            REQUIRE((rc == Z_OK || rc == Z_BUF_ERROR));
            out.append(buf, sizeof buf - i.avail_out);
        } while (i.avail_out == 0);
        CHECK(i.avail_in == 0);
        return out;
    }
};

// IMAP-looking text with some randomness, so that it compresses like responses do.
std::string responses(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s;
    while (s.size() < n) {
        s += "* " + std::to_string(rng() % 100000) + " FETCH (UID " + std::to_string(rng()) +
             " FLAGS (\\Seen) RFC822.SIZE " + std::to_string(rng() % 99999) + ")\r\n";
    }
    s.resize(n);
    return s;
}

std::string random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
}

// Server -> peer: each response flushed on its own decodes completely, at once.
void send_each_flushed(DeflateStream& server, Peer& client, const std::string& text, std::size_t piece) {
    for (std::size_t at = 0; at < text.size(); at += piece) {
        const std::string part = text.substr(at, piece);
        std::string wire;
        REQUIRE(server.compress(part, true, wire));
        CHECK_FALSE(server.needs_flush());
        CHECK(client.inflate_all(wire) == part);
    }
}

std::string receive(DeflateStream& server, std::string wire, std::size_t max_out = 1 << 20) {
    std::string plain;
    std::string_view in(wire);
    do {
        REQUIRE(server.decompress(in, plain, max_out));
    } while (!in.empty() || server.inflate_pending());
    return plain;
}

}  // namespace

TEST_CASE("deflate stream: responses flushed one by one decode at once; unflushed ones after the flush") {
    DeflateStream server;
    Peer client;
    send_each_flushed(server, client, responses(200'000, 1), 997);
    // Several writes inside one burst, one flush at its end (Connection's process_input).
    std::string wire;
    REQUIRE(server.compress("* 1 EXISTS\r\n", false, wire));
    REQUIRE(server.compress("a OK done\r\n", false, wire));
    CHECK(server.needs_flush());
    REQUIRE(server.compress({}, true, wire));
    CHECK(client.inflate_all(wire) == "* 1 EXISTS\r\na OK done\r\n");
    // Incompressible bytes (a JPEG literal) and a big response in one piece.
    send_each_flushed(server, client, random_bytes(300'000, 2), 300'000);
}

TEST_CASE("deflate stream: client commands of a 32 KiB window inflate, in any cut") {
    DeflateStream server;
    Peer client;
    const std::string text = responses(100'000, 3) + random_bytes(50'000, 4) + responses(100'000, 5);
    std::string wire;
    for (std::size_t at = 0; at < text.size(); at += 7001) wire += client.compress(text.substr(at, 7001));
    // Arriving in odd pieces, as TCP cuts it.
    std::string plain;
    for (std::size_t at = 0; at < wire.size(); at += 1499) {
        std::string_view in(wire.data() + at, std::min<std::size_t>(1499, wire.size() - at));
        do {
            REQUIRE(server.decompress(in, plain, 1 << 20));
        } while (!in.empty() || server.inflate_pending());
    }
    CHECK(plain == text);
}

TEST_CASE("deflate stream: shrink() keeps the history both ways, so the streams go on") {
    DeflateStream server;
    Peer client;
    const std::string a = responses(50'000, 6);
    send_each_flushed(server, client, a, 5000);
    CHECK(receive(server, client.compress("a1 NOOP\r\n")) == "a1 NOOP\r\n");
    const std::size_t active = server.held_bytes();
    server.shrink();
    const std::size_t idle = server.held_bytes();
    MESSAGE("held while active: " << active << " B, idle: " << idle << " B");
    CHECK(idle < active);
    CHECK(idle <= 4096 + 64 + 64);  // the last 4 KiB sent, the 9 bytes received
    // The same text again: compressed with references into the kept history.
    std::string wire;
    REQUIRE(server.compress(a.substr(a.size() - 3000), true, wire));
    CHECK(wire.size() < 100);
    CHECK(client.inflate_all(wire) == a.substr(a.size() - 3000));
    // The client refers back to what it sent before the shrink.
    CHECK(receive(server, client.compress("a1 NOOP\r\n")) == "a1 NOOP\r\n");
    // Idle again after much input: the received history is at most 32 KiB.
    CHECK(receive(server, client.compress(responses(100'000, 7))) == responses(100'000, 7));
    server.shrink();
    CHECK(server.held_bytes() <= 32768 + 4096 + 128);
    CHECK(receive(server, client.compress(responses(1000, 7))) == responses(1000, 7));
}

TEST_CASE("deflate stream: a client's partial flush is not byte-aligned, so its inflater stays") {
    DeflateStream server;
    Peer client;
    CHECK(receive(server, client.compress("a NOOP\r\n", Z_PARTIAL_FLUSH)) == "a NOOP\r\n");
    server.shrink();
    CHECK(receive(server, client.compress("b NOOP\r\n", Z_PARTIAL_FLUSH)) == "b NOOP\r\n");
}

TEST_CASE("deflate stream: inflation is bounded per call") {
    DeflateStream server;
    Peer client;
    const std::string zeros(4 << 20, '\0');
    const std::string wire = client.compress(zeros);
    CHECK(wire.size() < 8192);
    std::string_view in(wire);
    std::string plain;
    REQUIRE(server.decompress(in, plain, 65536));
    CHECK(plain.size() == 65536);
    CHECK((!in.empty() || server.inflate_pending()));
    CHECK(receive(server, std::string(in), 65536).size() + plain.size() == zeros.size());
}

TEST_CASE("deflate stream: corrupt input and a stream ended by the peer are errors") {
    {
        DeflateStream server;
        std::string plain;
        std::string bad = "\xff\xff\xff\xff garbage";
        std::string_view in(bad);
        CHECK_FALSE(server.decompress(in, plain, 1 << 20));
        std::string_view more("x");
        CHECK_FALSE(server.decompress(more, plain, 1 << 20));  // and stays failed
    }
    {
        DeflateStream server;
        Peer client;
        std::string wire = client.compress("a LOGOUT\r\n");
        std::string_view in(wire);
        std::string plain;
        REQUIRE(server.decompress(in, plain, 1 << 20));
        CHECK(plain == "a LOGOUT\r\n");
        // A final block (BFINAL) with more after it.
        std::string fin(64, '\0');
        client.d.next_in = nullptr;
        client.d.avail_in = 0;
        client.d.next_out = reinterpret_cast<Bytef*>(fin.data());
        client.d.avail_out = 64;
        REQUIRE(deflate(&client.d, Z_FINISH) == Z_STREAM_END);
        fin.resize(64 - client.d.avail_out);
        fin += "more";
        std::string_view end(fin);
        CHECK_FALSE(server.decompress(end, plain, 1 << 20));
    }
}
