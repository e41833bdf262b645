// CrlfNormalizer: the CRLF form of common/text/message_data.hpp (section 2).
#include <doctest/doctest.h>

#include <random>

#include "common/text/message_data.hpp"

using namespace mr::text;

namespace {

// The length of the CRLF form as the normaliser produces it (rfc822_size() counts it
// without producing it; the last test checks the two agree).
std::uint64_t wire_size(std::string_view message) {
    CrlfNormalizer n;
    std::string scratch;
    n.feed(message, scratch);
    n.finish(scratch);
    return n.octets();
}

std::string normalize(std::string_view in, std::optional<std::uint64_t> lines = std::nullopt,
                      std::size_t split = std::string_view::npos) {
    CrlfNormalizer n(lines);
    std::string out;
    if (split == std::string_view::npos) {
        n.feed(in, out);
    } else {
        n.feed(in.substr(0, split), out);
        n.feed(in.substr(split), out);
    }
    n.finish(out);
    CHECK(n.octets() == out.size());
    return out;
}

}  // namespace

TEST_CASE("normalizer: line ends become CRLF, a last open line is closed") {
    struct Row {
        const char* in;
        const char* out;
        const char* why;
    };
    const Row rows[] = {
        {"a\r\nb\r\n", "a\r\nb\r\n", "CRLF is kept"},
        {"a\nb\n", "a\r\nb\r\n", "bare LF (procmail-style files)"},
        {"a\rb\r", "a\r\nb\r\n", "bare CR, same as text::DotStuffer"},
        {"a\r\r\nb", "a\r\n\r\nb\r\n", "CR before CRLF is a line of its own"},
        {"a", "a\r\n", "no final line end"},
        {"", "", "empty message"},
        {"\n", "\r\n", "one empty line"},
        {"a\r", "a\r\n", "CR at the very end"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.why);
        CHECK(normalize(r.in) == r.out);
        CHECK(wire_size(r.in) == std::string_view(r.out).size());
    }
}

TEST_CASE("normalizer: output does not depend on chunking (split at every offset)") {
    const std::string in = "H: v\r\nX: y\n\r\nbody\rline\r\n\nlast";
    const std::string whole = normalize(in);
    for (std::size_t i = 0; i <= in.size(); ++i) {
        CAPTURE(i);
        CHECK(normalize(in, std::nullopt, i) == whole);
        CHECK(normalize(in, 1, i) == normalize(in, 1));
    }
}

TEST_CASE("normalizer: TOP limits the body to n lines after the header") {
    const std::string msg = "A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n";
    CHECK(normalize(msg, 0) == "A: 1\r\nB: 2\r\n\r\n");
    CHECK(normalize(msg, 2) == "A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n");
    CHECK(normalize(msg, 3) == msg);
    CHECK(normalize(msg, 100) == msg);
    // Bare LF lines count the same.
    CHECK(normalize("A: 1\n\nl1\nl2\n", 1) == "A: 1\r\n\r\nl1\r\n");
    // A message without a blank line is all header: sent whole.
    CHECK(normalize("A: 1\r\nB: 2\r\n", 0) == "A: 1\r\nB: 2\r\n");
    // Empty body lines count as lines.
    CHECK(normalize("A: 1\r\n\r\n\r\n\r\nx\r\n", 2) == "A: 1\r\n\r\n\r\n\r\n");
}

TEST_CASE("normalizer: done() after the TOP limit, the rest is ignored") {
    CrlfNormalizer n(1);
    std::string out;
    CHECK_FALSE(n.feed("A: 1\r\n\r\n", out));
    CHECK(n.feed("l1\r\nl2\r\n", out));
    CHECK(n.done());
    CHECK(n.feed("more\r\n", out));
    n.finish(out);
    CHECK(out == "A: 1\r\n\r\nl1\r\n");
}

TEST_CASE("normalizer + DotStuffer: the wire form of RETR") {
    CrlfNormalizer n;
    mr::text::DotStuffer s;
    std::string norm, wire;
    n.feed(".a\n..b\n.\nc", norm);
    n.finish(norm);
    s.feed(norm, wire);
    s.finish(wire);
    CHECK(wire == "..a\r\n...b\r\n..\r\nc\r\n.\r\n");
    CHECK(n.octets() == 15);  // ".a" "..b" "." "c" plus four CRLFs, before stuffing
}

TEST_CASE("normalizer: random bytes give CRLF-only output of the announced size") {
    std::mt19937 rng(42);
    const char alphabet[] = {'a', '.', '\r', '\n', ' ', 'Z'};
    for (int round = 0; round < 500; ++round) {
        std::string in;
        const auto len = rng() % 64;
        for (std::uint32_t i = 0; i < len; ++i) in += alphabet[rng() % sizeof alphabet];
        const auto split = in.empty() ? 0 : rng() % (in.size() + 1);
        const std::string out = normalize(in, std::nullopt, split);
        CAPTURE(in);
        CHECK(out.size() == wire_size(in));
        CHECK((out.empty() || out.ends_with("\r\n")));
        for (std::size_t i = 0; i < out.size(); ++i) {
            if (out[i] == '\r') CHECK((i + 1 < out.size() && out[i + 1] == '\n'));
            if (out[i] == '\n') CHECK((i > 0 && out[i - 1] == '\r'));
        }
        // Unstuffing the DotStuffer's output gives the normalised message back.
        mr::text::DotStuffer stuffer;
        std::string wire;
        stuffer.feed(out, wire);
        stuffer.finish(wire);
        mr::text::DotUnstuffer unstuffer;
        std::string_view view = wire;
        std::string back;
        CHECK(unstuffer.feed(view, back) == mr::text::DotUnstuffer::Status::Done);
        CHECK(back == out);
        CHECK(view.empty());
    }
}

// The index stores rfc822_size at append time and pop3d lists it as the size RETR
// sends: the two rules must agree on every input, or LIST and RETR would disagree.
TEST_CASE("normalizer: wire_size agrees with the index's rfc822_size") {
    const char* edges[] = {"", "a", "\r", "\n", "\r\n", "\n\r", "a\r\r\nb", "x\r", "x\n\n", "\r\r"};
    for (const char* e : edges) {
        CAPTURE(e);
        CHECK(wire_size(e) == rfc822_size(e));
    }
    std::mt19937 rng(1939);
    const char alphabet[] = {'\r', '\n', 'a', '.'};
    for (int round = 0; round < 3000; ++round) {
        std::string m(rng() % 48, 'x');
        for (auto& c : m) c = alphabet[rng() % sizeof alphabet];
        CAPTURE(m);
        CHECK(wire_size(m) == rfc822_size(m));
    }
}
