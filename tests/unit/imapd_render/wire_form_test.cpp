#include <doctest/doctest.h>

#include "imapd/render/wire_form.hpp"

using namespace mr::imapd;

namespace {

std::string wire(std::string_view raw, std::size_t begin = 0, std::size_t end = std::string_view::npos) {
    std::string out;
    append_wire(out, raw, begin, end == std::string_view::npos ? raw.size() : end);
    return out;
}

// Feeds `raw` (a whole message) to a WireStreamer in chunks of `step` bytes.
std::string streamed(std::string_view raw, std::size_t step, std::uint64_t skip, std::uint64_t limit) {
    WireStreamer s(skip, limit);
    std::string out;
    for (std::size_t i = 0; i < raw.size() && !s.done(); i += step) s.feed(raw.substr(i, step), out);
    s.finish(out);
    return out;
}

}  // namespace

TEST_CASE("append_wire: the CRLF form; bare LF and bare CR become CRLF, the message is closed") {
    CHECK(wire("a\nb\r\nc") == "a\r\nb\r\nc\r\n");
    CHECK(wire("\n\n") == "\r\n\r\n");
    CHECK(wire("bare\rcr\r\n") == "bare\r\ncr\r\n");
    CHECK(wire("a\r\r\nb\r\n") == "a\r\n\r\nb\r\n");  // "\r\r\n" is two line ends
    CHECK(wire("lone cr at end\r") == "lone cr at end\r\n");
    CHECK(wire("no newline") == "no newline\r\n");
    CHECK(wire("\r") == "\r\n");
    CHECK(wire("") == "");
    CHECK(wire(std::string_view("\0\n", 2)) == std::string("\0\r\n", 3));
    // Every case equals the CRLF form POP3 sends, and has its size.
    for (std::string_view m : {"a\nb\r\nc", "x\r\r\n\r", "\n\r\n\r\r", "open", "\r\n.\r"}) {
        CAPTURE(m);
        mr::text::CrlfNormalizer n;
        std::string crlf;
        n.feed(m, crlf);
        n.finish(crlf);
        CHECK(wire(m) == crlf);
        CHECK(wire(m).size() == mr::text::rfc822_size(m));
    }
}

TEST_CASE("append_wire: a range that ends before the message's end gets no line end added") {
    const std::string_view raw = "x\r\ny\nopen";
    // No section range starts between a CR and its LF; if one did, the LF would add
    // nothing: the CR before the range sent the pair.
    CHECK(wire(raw, 2, 5) == "y\r\n");
    CHECK(wire(raw, 3, 5) == "y\r\n");
    CHECK(wire(raw, 5, 7) == "op");
    CHECK(wire(raw, 5, raw.size()) == "open\r\n");
    CHECK(wire("a\rb", 0, 2) == "a\r\n");  // a bare CR inside is closed all the same
}

TEST_CASE("WireStreamer: same bytes as append_wire for every chunk size, skip and limit") {
    for (const std::string raw : {"line one\nline two\r\n\nend\rx\n", "a\r\r\nb\rc\r", "open\nlast"}) {
        CAPTURE(raw);
        const std::string full = wire(raw);
        for (std::size_t step = 1; step <= raw.size(); ++step) {
            CAPTURE(step);
            CHECK(streamed(raw, step, 0, full.size()) == full);
            for (std::uint64_t skip = 0; skip <= full.size(); ++skip) {
                CAPTURE(skip);
                CHECK(streamed(raw, step, skip, 5) == full.substr(skip, 5));
            }
        }
    }
    // A CR at the end of one chunk and its LF at the start of the next stay one CRLF.
    WireStreamer s(0, 100);
    std::string out;
    s.feed("a\r", out);
    s.feed("\nb", out);
    CHECK(out == "a\r\nb");
    // ... and a bare CR at a chunk's end is closed whatever comes next.
    WireStreamer t(0, 100);
    out.clear();
    t.feed("a\r", out);
    t.feed("\r\nb", out);
    t.finish(out);
    CHECK(out == "a\r\n\r\nb\r\n");
    // finish() adds nothing after a line end, or for an empty range.
    WireStreamer u(0, 100);
    out.clear();
    u.feed("a\n", out);
    u.finish(out);
    CHECK(out == "a\r\n");
    WireStreamer v(0, 100);
    out.clear();
    v.finish(out);
    CHECK(out.empty());
}

TEST_CASE("wire sizes come from the structure") {
    mr::mime::MessageStructure s;
    s.size = 100;
    s.root.header_extra = 3;
    s.root.body_extra = 4;
    s.root.body_start = 40;
    s.root.end = 100;
    CHECK(wire_size(s) == 107);
    CHECK(wire_body_size(s.root) == 64);
    CHECK(wire_header_size(s.root) == 43);
}
