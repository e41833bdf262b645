#include <doctest/doctest.h>

#include "common/milter/header_edits.hpp"

using namespace mr::milter;
using K = HeaderEdit::Kind;

namespace {
const std::string kHead =
    "Received: from x\r\n\tby y\r\n"
    "Subject: one\r\n"
    "X-Tag: a\r\n"
    "X-Tag: b\r\n"
    "\r\n";
}

TEST_CASE("no edits keep the block byte for byte") { CHECK(apply_header_edits(kHead, {}) == kHead); }

TEST_CASE("add appends after the last field") {
    CHECK(apply_header_edits(kHead, {{K::Add, 0, "X-Spam", "Yes"}}) ==
          "Received: from x\r\n\tby y\r\nSubject: one\r\nX-Tag: a\r\nX-Tag: b\r\nX-Spam: Yes\r\n\r\n");
}

TEST_CASE("insert counts all fields from 0") {
    CHECK(apply_header_edits(kHead, {{K::Insert, 0, "X-First", "1"}}).starts_with("X-First: 1\r\nReceived:"));
    CHECK(apply_header_edits(kHead, {{K::Insert, 1, "X-Second", "2"}}) ==
          "Received: from x\r\n\tby y\r\nX-Second: 2\r\nSubject: one\r\nX-Tag: a\r\nX-Tag: b\r\n\r\n");
    CHECK(apply_header_edits(kHead, {{K::Insert, 99, "X-Last", "z"}}).ends_with("X-Tag: b\r\nX-Last: z\r\n\r\n"));
}

TEST_CASE("change names the n-th field of that name; an empty value removes it") {
    CHECK(apply_header_edits(kHead, {{K::Change, 2, "x-tag", "B"}}) ==
          "Received: from x\r\n\tby y\r\nSubject: one\r\nX-Tag: a\r\nx-tag: B\r\n\r\n");
    CHECK(apply_header_edits(kHead, {{K::Change, 1, "X-Tag", ""}}) ==
          "Received: from x\r\n\tby y\r\nSubject: one\r\nX-Tag: b\r\n\r\n");
    CHECK(apply_header_edits(kHead, {{K::Change, 1, "Received", ""}}).starts_with("Subject: one"));
    // Past the last one: added (Sendmail); removing a missing field changes nothing.
    CHECK(apply_header_edits(kHead, {{K::Change, 3, "X-Tag", "c"}}).ends_with("X-Tag: b\r\nX-Tag: c\r\n\r\n"));
    CHECK(apply_header_edits(kHead, {{K::Change, 3, "X-Tag", ""}}) == kHead);
}

TEST_CASE("edits apply in order") {
    CHECK(apply_header_edits(kHead, {{K::Change, 1, "Subject", ""}, {K::Add, 0, "Subject", "two"}}) ==
          "Received: from x\r\n\tby y\r\nX-Tag: a\r\nX-Tag: b\r\nSubject: two\r\n\r\n");
}

TEST_CASE("a value cannot start a new field or end the header") {
    CHECK(format_field("X-A", "one\ntwo") == "X-A: one\r\n\ttwo\r\n");
    CHECK(format_field("X-A", "one\n two") == "X-A: one\r\n two\r\n");
    CHECK(format_field("X-A", "one\r\n\r\nBcc: x") == "X-A: one\r\n\t\r\n\tBcc: x\r\n");
    CHECK(format_field("X-A", "v\n") == "X-A: v\r\n");
}

TEST_CASE("a message that is all header") {
    CHECK(apply_header_edits("Subject: x", {{K::Add, 0, "X-A", "1"}}) == "Subject: x\r\nX-A: 1\r\n");
    CHECK(apply_header_edits("", {{K::Add, 0, "X-A", "1"}}) == "X-A: 1\r\n");
    CHECK(apply_header_edits("\r\n", {{K::Add, 0, "X-A", "1"}}) == "X-A: 1\r\n\r\n");
}
