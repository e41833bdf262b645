// rfc822_size: the length of the CRLF form (common/text/message_data.hpp), the size POP3
// LIST reports and the index stores.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "common/text/message_data.hpp"

using namespace mr::text;

namespace {

// The rule spelled out the slow way: rewrite the line ends, then count.
std::uint64_t reference(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\r') {
            out += "\r\n";
            if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
        } else if (in[i] == '\n') {
            out += "\r\n";
        } else {
            out += in[i];
        }
    }
    if (!out.empty() && out.back() != '\n') out += "\r\n";
    return out.size();
}

}  // namespace

TEST_CASE("rfc822_size: table of line-end cases") {
    struct Row {
        const char* in;
        std::uint64_t size;
        const char* why;
    };
    const Row rows[] = {
        {"", 0, "empty message: nothing is sent"},
        {"a\r\nb\r\n", 6, "CRLF text is its own size"},
        {"a\nb\n", 6, "bare LF counts as CRLF (procmail-style files)"},
        {"a\rb\r", 6, "bare CR counts as CRLF, also at the very end"},
        {"a\r\r\nb", 8, "CR before CRLF is a line of its own; open last line closed"},
        {"abc", 5, "no line end at all: CRLF added"},
        {"\n", 2, "a lone LF"},
        {"\r", 2, "a lone CR"},
        {"\r\n", 2, "a lone CRLF"},
        {"\n\r", 4, "LF then CR: two line ends"},
    };
    for (const auto& row : rows) {
        const std::string why = row.why;
        CAPTURE(why);
        CHECK(rfc822_size(row.in) == row.size);
        CHECK(reference(row.in) == row.size);
    }
}

TEST_CASE("rfc822_size: any split into chunks gives the same count") {
    const std::string m = "H: v\r\n\r\nx\ry\n\r\nz\r";
    for (std::size_t cut = 0; cut <= m.size(); ++cut) {
        for (std::size_t cut2 = cut; cut2 <= m.size(); ++cut2) {
            Rfc822SizeCounter c;
            c.feed(std::string_view(m).substr(0, cut));
            c.feed(std::string_view(m).substr(cut, cut2 - cut));
            c.feed(std::string_view(m).substr(cut2));
            CHECK(c.finish() == reference(m));
        }
    }
}

TEST_CASE("rfc822_size: random bytes rich in CR and LF agree with the slow rule") {
    std::mt19937 rng(5);
    const char alphabet[] = {'\r', '\n', 'a', '.', '\0'};
    for (int round = 0; round < 2000; ++round) {
        std::string m(rng() % 40, 'x');
        for (auto& c : m) c = alphabet[rng() % sizeof alphabet];
        CAPTURE(m);
        CHECK(rfc822_size(m) == reference(m));
    }
}
