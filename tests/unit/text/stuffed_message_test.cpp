// append_dot_stuffed: the whole-message fast path of DotStuffer (common/text/message_data.hpp).
#include <doctest/doctest.h>

#include <random>

#include "common/text/message_data.hpp"

using namespace mr::text;

namespace {

// The reference: what the streaming path sends (normaliser, then stuffer).
std::string streamed(std::string_view in) {
    CrlfNormalizer n;
    std::string normalized;
    n.feed(in, normalized);
    n.finish(normalized);
    DotStuffer s;
    std::string out;
    s.feed(normalized, out);
    s.finish(out);
    return out;
}

std::string stuffed(std::string_view in) {
    std::string out = "+OK\r\n";  // appends, never replaces
    append_dot_stuffed(in, out);
    REQUIRE(out.rfind("+OK\r\n", 0) == 0);
    return out.substr(5);
}

}  // namespace

TEST_CASE("stuffed message: CRLF messages, dots, terminator") {
    struct Row {
        const char* in;
        const char* out;
        const char* why;
    };
    const Row rows[] = {
        {"", ".\r\n", "empty message"},
        {"a\r\n", "a\r\n.\r\n", "one line"},
        {"a\r\nb\r\n", "a\r\nb\r\n.\r\n", "plain CRLF text goes out as it is"},
        {".\r\n", "..\r\n.\r\n", "a lone dot is stuffed"},
        {".a\r\n..b\r\nc.\r\n", "..a\r\n...b\r\nc.\r\n.\r\n", "only a dot at a line start"},
        {"\r\n.\r\n\r\n", "\r\n..\r\n\r\n.\r\n", "empty lines around a dot line"},
        {"a\r\nb", "a\r\nb\r\n.\r\n", "an open last line is closed"},
        {"a\nb\n", "a\r\nb\r\n.\r\n", "bare LF becomes CRLF"},
        {"a\r\n.b\n.c\r\n", "a\r\n..b\r\n..c\r\n.\r\n", "dots still stuffed after a bare LF"},
        {"a\rb\r\n", "a\r\nb\r\n.\r\n", "bare CR inside a line"},
        {"a\r\r\n", "a\r\n\r\n.\r\n", "CR CR LF"},
        {"a\r", "a\r\n.\r\n", "a last bare CR"},
        {"\n", "\r\n.\r\n", "a lone LF"},
        {".", "..\r\n.\r\n", "a lone open dot"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.why);
        CHECK(stuffed(r.in) == r.out);
        CHECK(streamed(r.in) == r.out);
    }
}

TEST_CASE("stuffed message: equal to normalise-then-stuff on random input") {
    std::mt19937 rng(5);
    const char alphabet[] = {'a', '.', '\r', '\n', '\r', '\n', 'x', '.'};
    for (int i = 0; i < 20000; ++i) {
        std::string in;
        const auto len = rng() % 40;
        // Mostly clean CRLF lines with an occasional odd byte, so both paths and the
        // switch from the fast one to the general one are exercised.
        const bool clean_start = rng() % 2 == 0;
        for (std::size_t k = 0; k < len; ++k) {
            if (clean_start && k < len / 2) {
                in += (rng() % 3 == 0) ? ".x\r\n" : "ab\r\n";
            } else {
                in += alphabet[rng() % sizeof alphabet];
            }
        }
        CAPTURE(in);
        REQUIRE(stuffed(in) == streamed(in));
    }
}

TEST_CASE("stuffed message: a 4 KiB benchmark-like message") {
    std::string m = "Subject: x\r\n\r\n";
    while (m.size() < 4000) m += (m.size() % 3 == 0) ? ".starts with a dot\r\n" : "ordinary line of text\r\n";
    CHECK(stuffed(m) == streamed(m));
}
