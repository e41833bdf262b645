#include <doctest/doctest.h>

#include "common/dkim/canonicalization.hpp"

using mr::dkim::Canon;
using mr::dkim::canonical_body;
using mr::dkim::relaxed_header;
using mr::dkim::simple_header;

// RFC 6376 §3.4.5 (rfc6376.txt:921), the example message in both canonicalizations.
TEST_CASE("dkim canonicalization: the RFC 6376 example") {
    CHECK(relaxed_header("A", " X\r\n") == "a:X\r\n");
    CHECK(relaxed_header("B ", " Y\t\r\n\tZ  \r\n") == "b:Y Z\r\n");
    CHECK(simple_header("A", " X\r\n") == "A: X\r\n");
    const std::string body = " C \r\nD \t E\r\n\r\n\r\n";
    CHECK(canonical_body(body, Canon::Relaxed) == " C\r\nD E\r\n");
    CHECK(canonical_body(body, Canon::Simple) == " C \r\nD \t E\r\n");
}

TEST_CASE("dkim canonicalization: empty bodies") {
    // §3.4.3: an empty body is one CRLF in simple; relaxed leaves it empty (erratum 3951).
    CHECK(canonical_body("", Canon::Simple) == "\r\n");
    CHECK(canonical_body("", Canon::Relaxed).empty());
    CHECK(canonical_body("\r\n\r\n", Canon::Simple) == "\r\n");
    CHECK(canonical_body("  \r\n\t\r\n", Canon::Relaxed).empty());
}

TEST_CASE("dkim canonicalization: LF line ends and a last line without one") {
    CHECK(canonical_body("a\nb", Canon::Relaxed) == "a\r\nb\r\n");
    CHECK(canonical_body("a\nb", Canon::Simple) == "a\r\nb\r\n");
    CHECK(relaxed_header("Subject", " hello\n   world\n") == "subject:hello world\r\n");
}

TEST_CASE("dkim canonicalization: relaxed body lines with one space here and there") {
    // Lines that need no change and lines that differ from them by one space only.
    CHECK(canonical_body(" a b\r\n", Canon::Relaxed) == " a b\r\n");
    CHECK(canonical_body("a b \r\n", Canon::Relaxed) == "a b\r\n");
    CHECK(canonical_body("a\tb\r\n", Canon::Relaxed) == "a b\r\n");
    CHECK(canonical_body(" \r\nx\r\n", Canon::Relaxed) == "\r\nx\r\n");
    CHECK(canonical_body("a b \r\n", Canon::Simple) == "a b \r\n");
}

TEST_CASE("dkim canonicalization: the result does not depend on chunking") {
    const std::string body = "line one  \r\n\r\n  two\t\tthree \r\n\r\n\r\nfour\r\n\r\n";
    for (Canon canon : {Canon::Simple, Canon::Relaxed}) {
        const std::string whole = canonical_body(body, canon);
        for (std::size_t cut = 0; cut <= body.size(); ++cut) {
            std::string out;
            mr::dkim::BodyCanonicalizer c(canon, [&out](std::string_view b) { out += b; });
            c.feed(std::string_view(body).substr(0, cut));
            c.feed(std::string_view(body).substr(cut));
            c.finish();
            CHECK(out == whole);
        }
    }
}
