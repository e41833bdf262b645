// The corpus in tests/data/messages, each part tree checked against values derived
// by hand from the bytes and RFC 2045/2046/5322/3501. Offsets come from marker
// searches (corpus.hpp) and the RFC 2046 rule that the line end before a delimiter
// belongs to the delimiter (rfc2046.txt:1083); sizes from the literal body text.
#include <doctest/doctest.h>

#include "common/mime/address_list.hpp"
#include "common/mime/encoded_words.hpp"
#include "common/mime/message_parser.hpp"
#include "common/mime/transfer_decoding.hpp"
#include "common/text/message_data.hpp"
#include "tests/unit/mime/corpus.hpp"

using namespace mr::mime;
using mr::mime::test::after;
using mr::mime::test::at;
using mr::mime::test::load;

namespace {

using Opt = std::optional<std::string>;
Address mbox(Opt name, std::string mailbox, std::string host) {
    return Address{std::move(name), std::nullopt, std::move(mailbox), std::move(host)};
}
Address group_start(std::string name) { return Address{std::nullopt, std::nullopt, std::move(name), std::nullopt}; }
const Address group_end{};

std::string param(const std::vector<Param>& ps, std::string_view name) {
    const Param* p = find_param(ps, name);
    return p ? p->value : "<absent>";
}

std::string_view body_of(std::string_view msg, const Part& p) {
    return msg.substr(p.body_start, p.end - p.body_start);
}

}  // namespace

TEST_CASE("single part message: RFC 3501 example header, text/plain body") {
    const std::string m = load("single_part.eml");
    const MessageStructure s = parse_message(m);
    CHECK(s.size == m.size());
    const Part& r = s.root;
    CHECK(r.kind == PartKind::Leaf);
    CHECK(r.header_start == 0);
    CHECK(r.body_start == after(m, "\r\n\r\n"));
    CHECK(r.end == m.size());
    CHECK(r.body_size() == std::string_view("Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n").size());
    CHECK(r.body_lines == 1);
    CHECK(r.type == "text");  // "TEXT/PLAIN" lowercased (rfc2045.txt:687)
    CHECK(r.subtype == "plain");
    REQUIRE(r.params.size() == 1);
    CHECK(r.params[0] == Param{"charset", "US-ASCII", false});  // name lowercased, value kept
    CHECK(r.encoding.empty());                                   // absent: renderer says 7BIT
    CHECK(r.header_extra == 0);
    CHECK(r.body_extra == 0);

    const Envelope& e = s.envelope;
    CHECK(e.date == Opt("Mon, 7 Feb 1994 21:52:25 -0800 (PST)"));
    CHECK(e.subject == Opt("afternoon meeting"));
    REQUIRE(e.from.size() == 1);
    CHECK(e.from[0] == mbox("Fred Foobar", "foobar", "Blurdybloop.example"));
    CHECK(e.sender == e.from);    // rfc3501.txt:4336 default
    CHECK(e.reply_to == e.from);
    REQUIRE(e.to.size() == 1);
    CHECK(e.to[0] == mbox(std::nullopt, "mooch", "owatagu.siam.edu.example"));
    CHECK(e.cc.empty());
    CHECK(e.bcc.empty());
    CHECK(e.in_reply_to == std::nullopt);  // absent -> NIL (rfc3501.txt:4304)
    CHECK(e.message_id == Opt("<B27397-0100000@Blurdybloop.example>"));
}

TEST_CASE("multipart/mixed with a base64 attachment, preamble and epilogue") {
    const std::string m = load("multipart_mixed_attachment.eml");
    const MessageStructure s = parse_message(m);
    const Part& r = s.root;
    CHECK(r.kind == PartKind::Multipart);
    CHECK(r.type == "multipart");
    CHECK(r.subtype == "mixed");
    CHECK(param(r.params, "boundary") == "XXbound");
    CHECK(r.body_start == after(m, "\r\n\r\n"));  // the preamble is in the body
    REQUIRE(r.children.size() == 2);

    const Part& text = r.children[0];
    CHECK(text.header_start == after(m, "--XXbound\r\n", 1));
    CHECK(text.body_start == after(m, "7bit\r\n\r\n"));
    CHECK(text.end == at(m, "\r\n--XXbound\r\n", 2));  // the CRLF belongs to the delimiter
    CHECK(body_of(m, text) == "See attached.");
    CHECK(text.body_lines == 1);
    CHECK(text.encoding == "7bit");
    CHECK(param(text.params, "charset") == "utf-8");

    const Part& pdf = r.children[1];
    CHECK(pdf.header_start == after(m, "--XXbound\r\n", 2));
    CHECK(pdf.end == at(m, "\r\n--XXbound--"));
    CHECK(body_of(m, pdf) == "JVBERi0xLjQK");
    CHECK(pdf.body_size() == 12);
    CHECK(pdf.type == "application");
    CHECK(pdf.subtype == "pdf");
    CHECK(param(pdf.params, "name") == "report.pdf");
    CHECK(pdf.encoding == "base64");
    REQUIRE(pdf.disposition.has_value());
    CHECK(pdf.disposition->type == "attachment");
    CHECK(param(pdf.disposition->params, "filename") == "report.pdf");
    CHECK(pdf.id == Opt("<part2@example.org>"));
    CHECK(pdf.description == Opt("The report"));
    CHECK(decode_transfer(parse_transfer_encoding(pdf.encoding), body_of(m, pdf)) == "%PDF-1.4\n");
    // Epilogue: the root ends at the end of the message, after the epilogue.
    CHECK(r.end == m.size());
}

TEST_CASE("multipart/alternative nested inside multipart/mixed") {
    const std::string m = load("nested_alternative.eml");
    const Part& r = parse_message(m).root;
    REQUIRE(r.children.size() == 2);
    const Part& alt = r.children[0];
    CHECK(alt.kind == PartKind::Multipart);
    CHECK(alt.subtype == "alternative");
    CHECK(alt.header_start == after(m, "--outer\r\n", 1));
    // The blank line after "--inner--" is the CRLF of the outer delimiter.
    CHECK(alt.end == at(m, "\r\n\r\n--outer\r\n", 2) + 2);  // 1st is after the root header
    CHECK(m.substr(alt.end - 11, 11) == "--inner--\r\n");
    REQUIRE(alt.children.size() == 2);
    CHECK(body_of(m, alt.children[0]) == "plain body");
    CHECK(alt.children[0].subtype == "plain");
    CHECK(alt.children[0].body_lines == 1);
    CHECK(body_of(m, alt.children[1]) == "<p>html body</p>");
    CHECK(alt.children[1].subtype == "html");
    CHECK(alt.children[1].header_start == after(m, "--inner\r\n", 2));

    const Part& png = r.children[1];
    CHECK(png.type == "image");
    CHECK(png.subtype == "png");
    CHECK(png.params.empty());  // a Content-Type without parameters gets none added
    CHECK(body_of(m, png) == "iVBORw0KGgo=");
    REQUIRE(png.disposition.has_value());
    CHECK(png.disposition->type == "inline");
    CHECK(param(png.disposition->params, "filename") == "dot.png");
    CHECK(png.language == std::vector<std::string>{"en", "de"});
    CHECK(png.location == Opt("http://example.org/dot.png"));
}

TEST_CASE("message/rfc822 inside a message carries its own envelope and body") {
    const std::string m = load("message_rfc822.eml");
    const MessageStructure s = parse_message(m);
    CHECK(s.envelope.subject == Opt("Fwd: original"));
    REQUIRE(s.root.children.size() == 2);
    const Part& note = s.root.children[0];
    CHECK(note.subtype == "plain");
    CHECK(note.params.empty());  // "Content-Type: text/plain" as written, no parameters
    CHECK(body_of(m, note) == "Forwarding the message below.");

    const Part& msg = s.root.children[1];
    CHECK(msg.kind == PartKind::Message);
    CHECK(msg.type == "message");
    CHECK(msg.subtype == "rfc822");
    CHECK(msg.body_start == after(m, "message/rfc822\r\n\r\n"));
    CHECK(msg.end == at(m, "\r\n--fwd--"));
    // 6 header lines + blank line + 2 body lines; the last has no LF of its own.
    CHECK(msg.body_lines == 9);
    REQUIRE(msg.envelope.has_value());
    const Envelope& e = *msg.envelope;
    CHECK(e.subject == Opt("original"));
    CHECK(e.date == Opt("Wed, 2 Jun 2021 08:00:00 +0200"));
    CHECK(e.message_id == Opt("<orig-1@example.net>"));
    CHECK(e.in_reply_to == Opt("<older@example.net>"));
    REQUIRE(e.from.size() == 1);
    CHECK(e.from[0] == mbox("Original Sender", "orig", "example.net"));
    CHECK(e.sender == e.from);
    CHECK(e.to == std::vector<Address>{mbox(std::nullopt, "fwd", "example.com")});

    REQUIRE(msg.children.size() == 1);
    const Part& inner = msg.children[0];
    CHECK(inner.header_start == msg.body_start);
    CHECK(inner.end == msg.end);
    CHECK(inner.body_start == after(m, "<older@example.net>\r\n\r\n"));
    CHECK(body_of(m, inner) == "Original body line 1\r\nOriginal body line 2");
    CHECK(inner.body_size() == 42);
    CHECK(inner.body_lines == 2);
    CHECK(inner.type == "text");  // no Content-Type: RFC 2045 default
    CHECK(param(inner.params, "charset") == "us-ascii");
}

TEST_CASE("missing Content-Type defaults to text/plain; charset=us-ascii") {
    const std::string m = load("no_content_type.eml");
    const MessageStructure s = parse_message(m);
    CHECK(s.root.type == "text");
    CHECK(s.root.subtype == "plain");
    CHECK(s.root.params == std::vector<Param>{{"charset", "us-ascii", false}});
    CHECK(body_of(m, s.root) == "Just text.\r\nTwo lines.\r\n");
    CHECK(s.root.body_size() == 24);
    CHECK(s.root.body_lines == 2);
    CHECK(s.envelope.date == std::nullopt);
}

TEST_CASE("malformed header lines are skipped, the rest still parses") {
    const std::string m = load("malformed_headers.eml");
    const MessageStructure s = parse_message(m);
    // "Subject : ..." (obs-optional WSP before the colon, rfc5322.txt:2115), folded.
    CHECK(s.envelope.subject == Opt("spaced colon folded on a second line"));
    CHECK(s.envelope.from == std::vector<Address>{mbox(std::nullopt, "sender", "example.com")});
    CHECK(s.envelope.to.empty());               // "To:" present but empty -> NIL
    CHECK(s.envelope.sender == s.envelope.from); // "Sender:" empty -> From (rfc3501.txt:4336)
    CHECK(s.root.subtype == "plain");
    // ";;garbage;=x;name" contributes nothing: no "=", no name, no value.
    CHECK(s.root.params ==
          std::vector<Param>{{"charset", "iso-8859-1", false}, {"format", "flowed", false}});
    CHECK(body_of(m, s.root) == "body after malformed header\r\n");
}

TEST_CASE("RFC 2231 continuations, out of order, charset'lang', beat the plain fallback") {
    const std::string m = load("rfc2231_filename.eml");
    const Part& r = parse_message(m).root;
    REQUIRE(r.children.size() == 1);
    const Part& p = r.children[0];
    // name*0* (utf-8 "€ rates") + name*1 (plain " for 2024") + name*2* (".pdf").
    CHECK(p.params == std::vector<Param>{{"name", "\xE2\x82\xAC rates for 2024.pdf", true}});
    REQUIRE(p.disposition.has_value());
    CHECK(p.disposition->type == "attachment");
    CHECK(p.disposition->params ==
          std::vector<Param>{{"filename", "\xE2\x82\xAC rates for 2024.pdf", true}});
    CHECK(body_of(m, p) == "AAAA");
}

TEST_CASE("8-bit UTF-8 body and header bytes pass through untouched") {
    const std::string m = load("utf8_body.eml");
    const MessageStructure s = parse_message(m);
    CHECK(s.envelope.subject == Opt("Gr\xC3\xBC\xC3\x9F" "e"));
    REQUIRE(s.envelope.from.size() == 1);
    CHECK(s.envelope.from[0].name == Opt("=?utf-8?q?J=C3=BCrgen?="));  // IMAP sends it encoded
    CHECK(display_name(s.envelope.from[0]) == "J\xC3\xBCrgen");
    CHECK(s.root.encoding == "8bit");
    const std::string_view body = "Grüße aus München!\r\nSchöne Grüße — Jürgen\r\n";
    CHECK(body_of(m, s.root) == body);
    CHECK(s.root.body_size() == body.size());
    CHECK(s.root.body_lines == 2);
}

TEST_CASE("RFC 2047 §8 examples: encoded words in Subject, From and Cc") {
    const std::string m = load("encoded_word_subject.eml");
    const MessageStructure s = parse_message(m);
    // Unfolded but not decoded: the envelope carries what the header says.
    CHECK(s.envelope.subject ==
          Opt("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?= "
              "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?="));
    // rfc2047.txt:512: white space between adjacent words is dropped on display.
    CHECK(decode_encoded_words(*s.envelope.subject) == "If you can read this you understand the example.");
    CHECK(display_name(s.envelope.from.at(0)) == "Keld J\xC3\xB8rn Simonsen");
    CHECK(s.envelope.from.at(0).mailbox == Opt("keld"));
    CHECK(display_name(s.envelope.to.at(0)) == "Keith Moore");
    CHECK(display_name(s.envelope.cc.at(0)) == "Andr\xC3\xA9 Pirard");
    CHECK(s.envelope.cc.at(0).host == Opt("vm1.ulg.ac.be"));
    // The quoted-printable body: "=E9" and a soft line break.
    CHECK(decode_transfer(parse_transfer_encoding(s.root.encoding), body_of(m, s.root)) ==
          "Caf\xE9 au lait\r\n");
}

TEST_CASE("groups in To and Cc become IMAP start/end markers") {
    const std::string m = load("group_to.eml");
    const Envelope e = parse_message(m).envelope;
    CHECK(e.to == std::vector<Address>{group_start("undisclosed-recipients"), group_end});
    CHECK(e.cc == std::vector<Address>{group_start("A Group"), mbox("Ed Jones", "c", "a.test"),
                                       mbox(std::nullopt, "joe", "where.test"),
                                       mbox("John", "jdoe", "one.test"), group_end,
                                       mbox("Mary Smith", "mary", "x.test")});
    CHECK(e.to[0].is_group_start());
    CHECK(e.to[1].is_group_end());
    CHECK(e.bcc.empty());  // only a comment: no address
    CHECK(e.reply_to == std::vector<Address>{mbox("Smith, Mary", "mary", "x.test")});
    CHECK(e.sender == e.from);
}

TEST_CASE("missing final boundary: the last part runs to the end of the message") {
    const std::string m = load("missing_final_boundary.eml");
    const Part& r = parse_message(m).root;
    REQUIRE(r.children.size() == 2);
    CHECK(body_of(m, r.children[0]) == "first");
    CHECK(r.children[1].end == m.size());
    CHECK(body_of(m, r.children[1]) == "second, and the message ends without a close delimiter\r\n");
    CHECK(r.children[1].body_lines == 1);
}

TEST_CASE("bare LF line ends: same tree, bare LFs counted for CRLF-normalised sizes") {
    const std::string m = load("bare_lf.eml");
    const Part& r = parse_message(m).root;
    CHECK(r.body_start == after(m, "\n\n"));
    CHECK(r.header_extra == 5);  // four fields + the empty line
    REQUIRE(r.children.size() == 2);
    const Part& text = r.children[0];
    CHECK(text.header_start == after(m, "--lf\n", 1));
    CHECK(text.header_extra == 2);
    CHECK(body_of(m, text) == "one\ntwo");  // the LF before "--lf" is the delimiter's
    CHECK(text.body_lines == 2);
    CHECK(text.body_extra == 1);
    CHECK(body_of(m, r.children[1]) == "<b>three</b>");
    CHECK(r.children[1].subtype == "html");
}

TEST_CASE("bare CR, \"\\r\\r\\n\", open last line: the octets the IMAP form adds are counted") {
    // Header: "S: a\rb\n" (bare CR, bare LF) and the blank line "\n": 3 added.
    // Body "x\r\r\ny\rz": bare CR after x and after y, last line open: 2 + 2 added;
    // lines x, "", y, z.
    const std::string m = "S: a\rb\n\nx\r\r\ny\rz";
    const MessageStructure s = parse_message(m);
    CHECK(s.root.body_start == 8);
    CHECK(s.root.header_extra == 3);
    CHECK(s.root.body_extra == 4);
    CHECK(s.root.body_lines == 4);
    CHECK(s.size + s.root.header_extra + s.root.body_extra == mr::text::rfc822_size(m));

    // A lone CR at the very end ends the last line: one added (CR -> CRLF), no line more.
    const MessageStructure cr = parse_message("S: a\r\n\r\nend\r");
    CHECK(cr.root.body_extra == 1);
    CHECK(cr.root.body_lines == 1);
    // A CR followed by its LF is no bare CR, even across the header/body boundary.
    const MessageStructure crlf = parse_message("S: a\r\n\r\nend\r\n");
    CHECK(crlf.root.header_extra == 0);
    CHECK(crlf.root.body_extra == 0);
    CHECK(crlf.root.body_lines == 1);

    // A header without body that ends open: the header range ends the message.
    const MessageStructure open = parse_message("S: a");
    CHECK(open.root.header_extra == 2);
    CHECK(open.root.body_extra == 0);

    // Parts: the one before a delimiter adds nothing for its (delimiter's) line end; the
    // last one of a multipart without close-delimiter is closed with the message.
    const std::string mp = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\rx\r\r\n--b\r\n\r\nlast";
    const MessageStructure p = parse_message(mp);
    REQUIRE(p.root.children.size() == 2);
    CHECK(p.root.children[0].body_extra == 2);  // "one\rx\r": two bare CRs
    CHECK(p.root.children[0].body_lines == 2);
    CHECK(p.root.children[1].body_extra == 2);  // "last", closed
    CHECK(p.root.body_extra == 4);
    CHECK(p.size + p.root.header_extra + p.root.body_extra == mr::text::rfc822_size(mp));
}

TEST_CASE("boundaries that are prefixes of each other, with transport padding") {
    const std::string m = load("prefix_boundaries.eml");
    const Part& r = parse_message(m).root;
    REQUIRE(r.children.size() == 2);
    const Part& alt = r.children[0];
    CHECK(alt.subtype == "alternative");
    CHECK(alt.end == at(m, "\r\n--=_abc\r\n", 2));
    REQUIRE(alt.children.size() == 2);
    CHECK(body_of(m, alt.children[0]) == "inner one");
    // "--=_abc_1  " ends with transport padding (rfc2046.txt:1239).
    CHECK(alt.children[1].header_start == after(m, "--=_abc_1  \r\n"));
    CHECK(body_of(m, alt.children[1]) == "inner two");
    CHECK(body_of(m, r.children[1]) == "outer two");
}

TEST_CASE("multipart/digest parts default to message/rfc822") {
    const std::string m = load("digest.eml");
    const Part& r = parse_message(m).root;
    REQUIRE(r.children.size() == 2);
    const Part& first = r.children[0];
    CHECK(first.type == "message");
    CHECK(first.subtype == "rfc822");
    CHECK(first.params.empty());
    CHECK(first.kind == PartKind::Message);
    CHECK(first.header_start == after(m, "--d\r\n", 1));
    CHECK(first.body_start == first.header_start + 2);  // empty header: just the blank line
    REQUIRE(first.envelope.has_value());
    CHECK(first.envelope->subject == Opt("first"));
    CHECK(body_of(m, first.children.at(0)) == "one");
    CHECK(r.children[1].type == "text");
    CHECK(r.children[1].kind == PartKind::Leaf);
}
