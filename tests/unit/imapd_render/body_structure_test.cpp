// BODYSTRUCTURE and BODY of every corpus message. Expected strings are derived by
// hand from the grammar (rfc3501.txt:4573-4640) and the .eml bytes: a part's size
// is the octets between the blank line after its header and the CRLF before the
// next delimiter (rfc2046.txt:1083), its lines the LFs in it plus one for a last
// line without LF. They were not copied from the renderer's output.
#include <doctest/doctest.h>

#include "imapd/render/body_structure.hpp"
#include "common/mime/message_parser.hpp"
#include "imapd/render/wire_form.hpp"
#include "tests/unit/imapd_render/corpus.hpp"

using namespace mr::imapd;

namespace {

std::string bodystructure(const std::string& name) {
    const test::StoredMessage m = test::load(name);
    std::string out;
    append_body_structure(out, m.structure, true);
    return out;
}

std::string body(const std::string& name) {
    const test::StoredMessage m = test::load(name);
    std::string out;
    append_body_structure(out, m.structure, false);
    return out;
}

const char* const kNoExt = " NIL NIL NIL NIL";  // md5, disposition, language, location

}  // namespace

TEST_CASE("single part text/plain") {
    // Body "Hello Alice,\r\n\r\nthe report is attached.\r\nBye\r\n": 46 octets, 4 lines.
    CHECK(bodystructure("single_part.eml") ==
          std::string("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 46 4") + kNoExt + ")");
    CHECK(body("single_part.eml") == "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 46 4)");
}

TEST_CASE("multipart/mixed with an attachment carrying every extension field") {
    CHECK(bodystructure("mixed_attachment.eml") ==
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 15 1 NIL NIL NIL NIL)"
          "(\"APPLICATION\" \"PDF\" (\"NAME\" \"invoice.pdf\") \"<inv@example.com>\" \"The invoice\" "
          "\"BASE64\" 20 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" "
          "(\"ATTACHMENT\" (\"FILENAME\" \"invoice.pdf\" \"SIZE\" \"12\")) (\"en\" \"de\") "
          "\"http://example.com/invoice.pdf\")"
          " \"MIXED\" (\"BOUNDARY\" \"b1\") NIL NIL NIL)");
    // BODY: no extension data anywhere (rfc3501.txt:4587).
    CHECK(body("mixed_attachment.eml") ==
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 15 1)"
          "(\"APPLICATION\" \"PDF\" (\"NAME\" \"invoice.pdf\") \"<inv@example.com>\" \"The invoice\" "
          "\"BASE64\" 20) \"MIXED\")");
}

TEST_CASE("multipart/alternative nested in multipart/mixed") {
    CHECK(bodystructure("nested_alternative.eml") ==
          "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"iso-8859-1\") NIL NIL \"QUOTED-PRINTABLE\" 14 1 NIL NIL NIL NIL)"
          "(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 18 1 NIL NIL NIL NIL)"
          " \"ALTERNATIVE\" (\"BOUNDARY\" \"inner\") NIL NIL NIL)"
          "(\"IMAGE\" \"PNG\" NIL NIL NIL \"BASE64\" 12 NIL (\"INLINE\" NIL) NIL NIL)"
          " \"MIXED\" (\"BOUNDARY\" \"outer\") NIL NIL NIL)");
    CHECK(body("nested_alternative.eml") ==
          "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"iso-8859-1\") NIL NIL \"QUOTED-PRINTABLE\" 14 1)"
          "(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 18 1) \"ALTERNATIVE\")"
          "(\"IMAGE\" \"PNG\" NIL NIL NIL \"BASE64\" 12) \"MIXED\")");
}

TEST_CASE("message/rfc822 with a multipart inside") {
    const std::string inner_envelope =
        "(\"Wed, 2 Dec 2026 18:00:00 +0200\" \"Lunch\" "
        "((\"Grace\" NIL \"grace\" \"example.net\")) ((\"Grace\" NIL \"grace\" \"example.net\")) "
        "((\"Grace\" NIL \"grace\" \"example.net\")) ((NIL NIL \"eve\" \"example.org\")) "
        "NIL NIL NIL \"<lunch@example.net>\")";
    // Part 1 "Content-Type: text/plain" has no charset: the RFC 2045 default is added.
    // Part 2: the encapsulated message is 348 octets with 16 LFs, last line "--alt--"
    // unterminated: 17 lines (body-type-msg, rfc3501.txt:4637).
    CHECK(bodystructure("rfc822_nested.eml") ==
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 16 1 NIL NIL NIL NIL)"
          "(\"MESSAGE\" \"RFC822\" NIL NIL \"Lunch\" \"7BIT\" 348 " + inner_envelope + " "
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 5 1 NIL NIL NIL NIL)"
          "(\"TEXT\" \"HTML\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 12 1 NIL NIL NIL NIL)"
          " \"ALTERNATIVE\" (\"BOUNDARY\" \"alt\") NIL NIL NIL) 17 NIL NIL NIL NIL)"
          " \"MIXED\" (\"BOUNDARY\" \"fwd\") NIL NIL NIL)");
    CHECK(body("rfc822_nested.eml") ==
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 16 1)"
          "(\"MESSAGE\" \"RFC822\" NIL NIL \"Lunch\" \"7BIT\" 348 " + inner_envelope + " "
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 5 1)"
          "(\"TEXT\" \"HTML\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 12 1) \"ALTERNATIVE\") 17)"
          " \"MIXED\")");
}

TEST_CASE("base64 message/rfc822 keeps the body-type-msg shape") {
    // rfc3501.txt:4632: media-basic MUST NOT be MESSAGE/RFC822, so the opaque part
    // gets an all-NIL envelope and an empty text body; 36 octets, 1 line.
    CHECK(bodystructure("rfc822_opaque.eml") ==
          "((\"MESSAGE\" \"RFC822\" NIL NIL NIL \"BASE64\" 36 "
          "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
          "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL) 1"
          " NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" \"op\") NIL NIL NIL)");
}

TEST_CASE("no Content-Type: text/plain; charset=us-ascii (rfc2045.txt:741)") {
    // "Just a body without the usual headers.\r\n": 40 octets, 1 line.
    CHECK(bodystructure("missing_headers.eml") ==
          "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 40 1 NIL NIL NIL NIL)");
    CHECK(bodystructure("groups.eml") ==
          "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 13 1 NIL NIL NIL NIL)");
    CHECK(bodystructure("source_route.eml") ==
          "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 9 1 NIL NIL NIL NIL)");
}

TEST_CASE("empty body and header-only message: size 0, 0 lines") {
    CHECK(bodystructure("empty_body.eml") ==
          "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL)");
    CHECK(bodystructure("header_only.eml") ==
          "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL)");
}

TEST_CASE("malformed Content-Type and a missing close delimiter") {
    // "text/" is invalid -> default type; "delsp" without "=" is dropped; the last
    // part runs to the end of the message, its final CRLF included (34 octets).
    CHECK(bodystructure("malformed.eml") ==
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL)"
          "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\" \"FORMAT\" \"flowed\") NIL NIL \"7BIT\" 34 1"
          " NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" \"unterminated\") NIL NIL NIL)");
}

TEST_CASE("RFC 2231 continuations and charsets") {
    // title*0/title*1: plain continuation joined; name*0*/name*1*: UTF-8 "€ rates.txt";
    // filename*: ISO-8859-1 "été.txt", re-encoded as UTF-8 (rfc2231.txt:245).
    CHECK(bodystructure("rfc2231.eml") ==
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\" \"TITLE\" \"Part two\") NIL NIL \"7BIT\" 14 1"
          " NIL NIL NIL NIL)"
          "(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME*\" \"utf-8''%E2%82%AC%20rates.txt\") NIL NIL"
          " \"BASE64\" 4 NIL (\"ATTACHMENT\" (\"FILENAME*\" \"utf-8''%C3%A9t%C3%A9.txt\")) NIL NIL)"
          " \"MIXED\" (\"BOUNDARY\" \"2231\") NIL NIL NIL)");
}

TEST_CASE("base64 and quoted-printable text parts, sizes in transfer encoding") {
    CHECK(bodystructure("encoded_words.eml") ==
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"BASE64\" 44 1 NIL NIL NIL NIL)"
          "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"iso-8859-1\") NIL NIL \"QUOTED-PRINTABLE\" 34 2"
          " NIL NIL NIL NIL) \"ALTERNATIVE\" (\"BOUNDARY\" \"enc\") NIL NIL NIL)");
}

TEST_CASE("8-bit body") {
    CHECK(bodystructure("eight_bit.eml") ==
          "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"8BIT\" 28 1 NIL NIL NIL NIL)");
}

TEST_CASE("bare LF: sizes count the CRLF the client receives") {
    // Raw part body "line one\nline two" is 17 octets with one bare LF: 18 on the wire.
    CHECK(bodystructure("bare_lf.eml") ==
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 18 2 NIL NIL NIL NIL)"
          " \"MIXED\" (\"BOUNDARY\" \"lf\") NIL NIL NIL)");
    // 161 octets with 11 bare LFs.
    CHECK(wire_size(test::load("bare_lf.eml").structure) == 172);
    CHECK(wire_size(test::load("single_part.eml").structure) == 400);
}

TEST_CASE("bare CR and an open last line: sizes and lines count the CRLF form") {
    // Body "a\rb\r\r\nc" (7 octets) is sent as "a\r\nb\r\n\r\nc\r\n": 11 octets, 4 lines.
    const std::string m = "Subject: x\n\na\rb\r\r\nc";
    const auto s = mr::mime::parse_message(m);
    std::string out;
    append_body_structure(out, s, true);
    CHECK(out == std::string("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 11 4") + kNoExt + ")");
    CHECK(wire_size(s) == 14 + 11);  // the header's two bare LFs
    CHECK(wire_size(s) == mr::text::rfc822_size(m));
    // A lone CR at the very end is the last line's end: closed as CRLF, no line added.
    const auto cr = mr::mime::parse_message("Subject: x\r\n\r\nab\r");
    CHECK(cr.root.body_lines == 1);
    CHECK(wire_body_size(cr.root) == 4);
}

TEST_CASE("the RFC 3501 two-part example (rfc3501.txt:4151)") {
    mr::mime::MessageStructure s;
    mr::mime::Part text;
    text.params = {{"charset", "US-ASCII", false}};
    text.body_start = 0;
    text.end = 1152;
    text.body_lines = 23;
    mr::mime::Part diff;
    diff.params = {{"charset", "US-ASCII", false}, {"name", "cc.diff", false}};
    diff.id = "<960723163407.20117h@cac.washington.edu>";
    diff.description = "Compiler diff";
    diff.encoding = "BASE64";
    diff.end = 4554;
    diff.body_lines = 73;
    s.root.kind = mr::mime::PartKind::Multipart;
    s.root.type = "multipart";
    s.root.subtype = "mixed";
    s.root.children = {text, diff};
    std::string out;
    append_body_structure(out, s, false);
    CHECK(out ==
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)"
          "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
          "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73) \"MIXED\")");
}

TEST_CASE("message/global is body-type-basic in IMAP4rev1 (rfc3501.txt:4855)") {
    const std::string msg =
        "Content-Type: message/global\r\n\r\nFrom: a@example.com\r\n\r\nhi\r\n";
    std::string out;
    append_body_structure(out, mr::mime::parse_message(msg), true);
    // Body: "From: a@example.com\r\n\r\nhi\r\n" = 27 octets.
    CHECK(out == "(\"MESSAGE\" \"GLOBAL\" NIL NIL NIL \"7BIT\" 27 NIL NIL NIL NIL)");
}

TEST_CASE("multipart whose boundary never occurs: one empty text/plain part (as Dovecot)") {
    CHECK(bodystructure("bad_boundary.eml") ==
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL)"
          " \"MIXED\" (\"BOUNDARY\" \"never-used\") NIL NIL NIL)");
    CHECK(body("bad_boundary.eml") ==
          "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 0 0) \"MIXED\")");
}
