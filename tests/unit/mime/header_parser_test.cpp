// Header block splitting: fields, folding, offsets, and the tolerated breakage.
#include <doctest/doctest.h>

#include <string>

#include "common/mime/header_parser.hpp"

using namespace mr::mime;

TEST_CASE("fields with folding preserved in raw_value and removed in value") {
    const std::string m = "Subject: This\r\n is a test\r\nTo: a@b\r\n\r\nbody";
    const HeaderBlock h = parse_header_block(m);
    REQUIRE(h.fields.size() == 2);
    CHECK(h.fields[0].name == "Subject");
    CHECK(h.fields[0].raw_value == " This\r\n is a test");  // rfc5322.txt:459 example
    CHECK(h.fields[0].value == "This is a test");
    CHECK(h.fields[1].value == "a@b");
    CHECK(h.header_start == 0);
    CHECK(h.body_start == m.find("body"));
    CHECK(h.has_empty_line);
}

TEST_CASE("bare LF line ends") {
    const std::string m = "A: 1\n folded\nB: 2\n\nbody\n";
    const HeaderBlock h = parse_header_block(m);
    REQUIRE(h.fields.size() == 2);
    CHECK(h.fields[0].raw_value == " 1\n folded");
    CHECK(h.fields[0].value == "1 folded");
    CHECK(h.body_start == m.find("body"));
}

TEST_CASE("bare CR line ends: the lines the CRLF form shows") {
    // "A: 1\r folded" is one folded field; "B: 2\rC: 3" two fields; "\r\r\n" is a line end
    // and then an empty line, which ends the header.
    const std::string m = "A: 1\r folded\rB: 2\rC: 3\r\r\nD: not header\r\n";
    const HeaderBlock h = parse_header_block(m);
    REQUIRE(h.fields.size() == 3);
    CHECK(h.fields[0].raw_value == " 1\r folded");
    CHECK(h.fields[0].value == "1 folded");
    CHECK(h.fields[1].raw_value == " 2");
    CHECK(h.fields[2].raw_value == " 3");
    CHECK(h.has_empty_line);
    CHECK(h.body_start == m.find("D:"));
    // A CR at the end of the range is a line end; alone on its line, the empty line.
    CHECK(parse_header_block("A: 1\r").fields.at(0).raw_value == " 1");
    CHECK(parse_header_block("A: 1\r\r").has_empty_line);
}

TEST_CASE("obsolete and malformed lines") {
    struct Row {
        std::string message;
        std::vector<std::string> names;  // fields expected, in order
        const char* why;
    };
    const Row rows[] = {
        {"Subject : x\r\n\r\n", {"Subject"}, "WSP before the colon (obs-optional, rfc5322.txt:2115)"},
        {" orphan\r\nA: 1\r\n\r\n", {"A"}, "continuation with no field before it is skipped"},
        {"garbage line\r\nA: 1\r\n\r\n", {"A"}, "line without a colon is skipped"},
        {"garbage\r\n cont\r\nA: 1\r\n\r\n", {"A"}, "a skipped line takes its continuation along"},
        {"Bad Name: x\r\nA: 1\r\n\r\n", {"A"}, "space in the name: not ftext (rfc5322.txt:1689)"},
        {": x\r\nA: 1\r\n\r\n", {"A"}, "empty name"},
        {"From me@x Mon Jan 1 00:00:00 2020\r\nA: 1\r\n\r\n", {"A"}, "mbox From_ line"},
        {"A:\r\nB:x\r\n\r\n", {"A", "B"}, "empty value, no space after the colon"},
        {"A: 1\r\n   \r\n more\r\n\r\n", {"A"}, "white-space-only line is obs-FWS, not the end"},
        {"A: 1\r\nB: 2", {"A", "B"}, "header without body or final line end"},
    };
    for (const Row& r : rows) {
        CAPTURE(std::string(r.why));
        const HeaderBlock h = parse_header_block(r.message);
        std::vector<std::string> names;
        for (const auto& f : h.fields) names.push_back(f.name);
        CHECK(names == r.names);
    }
}

TEST_CASE("header without body, body without header, ranges") {
    HeaderBlock h = parse_header_block("A: 1\r\n");
    CHECK(h.body_start == 6);  // the header runs to the end
    CHECK_FALSE(h.has_empty_line);

    h = parse_header_block("\r\nbody only");
    CHECK(h.fields.empty());
    CHECK(h.body_start == 2);
    CHECK(h.has_empty_line);

    h = parse_header_block("\nbody only");
    CHECK(h.body_start == 1);

    h = parse_header_block("");
    CHECK(h.fields.empty());
    CHECK(h.body_start == 0);

    // A sub-range: the header of a part inside a message.
    const std::string m = "xxxxA: 1\r\n\r\nbodyyyy";
    h = parse_header_block(m, 4, 16);
    REQUIRE(h.fields.size() == 1);
    CHECK(h.header_start == 4);
    CHECK(h.body_start == 12);

    // The scanner never reads past `end`, even mid-line.
    h = parse_header_block(m, 4, 7);
    REQUIRE(h.fields.size() == 1);
    CHECK(h.fields[0].raw_value == " ");  // [4, 7) is "A: "
    CHECK(h.body_start == 7);
}

TEST_CASE("scanner offsets and name comparison") {
    const std::string m = "A: 1\r\nLong: x\r\n y\r\nC: 3\r\n\r\n";
    HeaderScanner s(m);
    auto a = s.next();
    auto l = s.next();
    auto c = s.next();
    REQUIRE((a && l && c));
    CHECK(a->offset == 0);
    CHECK(l->offset == 6);
    CHECK(c->offset == m.find("C:"));
    CHECK_FALSE(s.next().has_value());
    CHECK_FALSE(s.next().has_value());  // stays exhausted
    CHECK(s.body_start() == m.size());
    CHECK(header_name_equals("Content-Type", "content-TYPE"));
    CHECK_FALSE(header_name_equals("Content-Type", "Content-Typ"));
    CHECK(unfold("  a\r\n\tb  ") == "a\tb");
    CHECK(unfold("a\r b") == "a b");  // a bare CR is a line end too (then WSP: folded)
}
