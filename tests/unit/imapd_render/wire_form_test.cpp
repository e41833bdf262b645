#include <doctest/doctest.h>

#include "imapd/render/wire_form.hpp"

using namespace mr::imapd;

namespace {

std::string wire(std::string_view raw, std::size_t begin = 0, std::size_t end = std::string_view::npos) {
    std::string out;
    append_wire(out, raw, begin, end == std::string_view::npos ? raw.size() : end);
    return out;
}

// Feeds `raw` to a WireStreamer in chunks of `step` bytes.
std::string streamed(std::string_view raw, std::size_t step, std::uint64_t skip, std::uint64_t limit) {
    WireStreamer s(skip, limit);
    std::string out;
    for (std::size_t i = 0; i < raw.size() && !s.done(); i += step) s.feed(raw.substr(i, step), out);
    return out;
}

}  // namespace

TEST_CASE("append_wire: bare LF becomes CRLF, everything else is kept") {
    CHECK(wire("a\nb\r\nc") == "a\r\nb\r\nc");
    CHECK(wire("\n\n") == "\r\n\r\n");
    CHECK(wire("bare\rcr") == "bare\rcr");  // a bare CR is not a line end we invent
    CHECK(wire("no newline") == "no newline");
    CHECK(wire("") == "");
    CHECK(wire(std::string_view("\0\n", 2)) == std::string("\0\r\n", 3));
}

TEST_CASE("append_wire: the byte before the range decides whether an LF is bare") {
    const std::string_view raw = "x\r\ny\n";
    CHECK(wire(raw, 2, 5) == "\ny\r\n");  // LF at 2 follows the CR at 1: not bare
    CHECK(wire(raw, 3, 5) == "y\r\n");
}

TEST_CASE("WireStreamer: same bytes as append_wire for every chunk size, skip and limit") {
    const std::string raw = "line one\nline two\r\n\nend\rx\n";
    const std::string full = wire(raw);
    for (std::size_t step = 1; step <= raw.size(); ++step) {
        CAPTURE(step);
        CHECK(streamed(raw, step, 0, full.size()) == full);
        for (std::uint64_t skip = 0; skip <= full.size(); ++skip) {
            CAPTURE(skip);
            CHECK(streamed(raw, step, skip, 5) == full.substr(skip, 5));
        }
    }
    // A CR at the end of one chunk and its LF at the start of the next stay one CRLF.
    WireStreamer s(0, 100);
    std::string out;
    s.feed("a\r", out);
    s.feed("\nb", out);
    CHECK(out == "a\r\nb");
}

TEST_CASE("wire sizes come from the structure") {
    mr::mime::MessageStructure s;
    s.size = 100;
    s.root.header_bare_lf = 3;
    s.root.body_bare_lf = 4;
    s.root.body_start = 40;
    s.root.end = 100;
    CHECK(wire_size(s) == 107);
    CHECK(wire_body_size(s.root) == 64);
    CHECK(wire_header_size(s.root) == 43);
}
