// SEARCH matching on corpus messages: RFC 2047 words, base64 and quoted-printable
// bodies, ISO-8859-1 and UTF-8 charsets, case-insensitivity beyond ASCII.
#include <doctest/doctest.h>

#include "common/mime/message_parser.hpp"
#include "imapd/render/message_search.hpp"
#include "tests/unit/imapd_render/corpus.hpp"

using namespace mr::imapd;

namespace {
SearchString S(std::string_view s) { return SearchString(s); }
}  // namespace

TEST_CASE("FROM/TO/SUBJECT decode RFC 2047 words and fold case") {
    const auto m = test::load("encoded_words.eml");
    MessageMatcher q(m.bytes, m.structure);
    CHECK(q.from(S("j\xC3\xB6rg")));              // B-encoded UTF-8 "Jörg"
    CHECK(q.from(S("M\xC3\x9CLLER")));            // "MÜLLER" folds to "müller"
    CHECK(q.from(S("joerg@example.de")));         // the address itself
    CHECK_FALSE(q.from(S("zoe")));
    CHECK(q.to(S("Zo\xC3\xAB")));                 // Q-word inside a quoted string
    CHECK(q.subject(S("gr\xC3\xBC\xC3\x9F" "e aus")));  // "_" decodes to a space
    CHECK(q.subject(S("M\xC3\x9CNCHEN")));
    CHECK_FALSE(q.subject(S("=?UTF-8?Q?")));      // matches decoded text, not the encoding
    CHECK_FALSE(q.cc(S("")));                     // no Cc: header at all
    CHECK_FALSE(q.bcc(S("x")));
}

TEST_CASE("ISO-8859-1 encoded subject") {
    const auto m = test::load("rfc2231.eml");
    MessageMatcher q(m.bytes, m.structure);
    CHECK(q.subject(S("\xC3\xA9t\xC3\xA9")));     // "été"
    CHECK(q.subject(S("\xC3\x89T\xC3\x89")));     // "ÉTÉ"
    CHECK(q.subject(S("fichier JOINT")));
}

TEST_CASE("BODY decodes base64 UTF-8 and quoted-printable ISO-8859-1 text parts") {
    const auto m = test::load("encoded_words.eml");
    MessageMatcher q(m.bytes, m.structure);
    CHECK(q.body(S("sch\xC3\xB6ne gr\xC3\xBC\xC3\x9F" "e")));      // base64 part
    CHECK(q.body(S("OKTOBERFEST")));
    CHECK(q.body(S("tsch\xC3\xBCss und bis bald, andr\xC3\xA9")));  // QP soft break + Latin-1
    CHECK_FALSE(q.body(S("U2Now7Zu")));           // the base64 text itself is not content
    CHECK_FALSE(q.body(S("=FC")));
    CHECK_FALSE(q.body(S("M\xC3\xBCnchen")));     // only in the header
    CHECK(q.text(S("M\xC3\xBCnchen")));           // TEXT = header + body
    CHECK(q.text(S("andr\xC3\xA9")));
    CHECK(q.body(S("")));
}

TEST_CASE("BODY: quoted-printable Latin-1 inside nested multiparts; attachments are not text") {
    const auto m = test::load("nested_alternative.eml");
    MessageMatcher q(m.bytes, m.structure);
    CHECK(q.body(S("caf\xC3\xA9 au lait")));
    CHECK(q.body(S("&eacute;")));                 // HTML is searched as written
    CHECK_FALSE(q.body(S("iVBORw0KGgo")));        // image/png is not text
    const auto a = test::load("mixed_attachment.eml");
    MessageMatcher qa(a.bytes, a.structure);
    CHECK(qa.body(S("see ATTACHMENT")));
    CHECK_FALSE(qa.body(S("JVBERi0")));
    CHECK_FALSE(qa.body(S("This is a MIME message")));  // the preamble is no part
}

TEST_CASE("BODY is text parts only; TEXT adds every header block (as Dovecot 2.3 answers)") {
    const auto m = test::load("rfc822_nested.eml");
    MessageMatcher q(m.bytes, m.structure);
    CHECK(q.body(S("noon?")));                    // a text part inside message/rfc822
    CHECK_FALSE(q.body(S("grace@example.net")));  // the encapsulated header is no body
    CHECK_FALSE(q.body(S("content-type")));       // nor are MIME part headers
    CHECK(q.text(S("grace@example.net")));        // TEXT: encapsulated header
    CHECK(q.text(S("charset=us-ascii")));         // TEXT: MIME part header
    CHECK(q.text(S("Content-Description: Lunch")));
    CHECK(q.text(S("fwd: lunch")));               // TEXT: top-level header
    CHECK_FALSE(q.from(S("grace")));              // FROM: only the top-level From
    CHECK(q.from(S("eve@")));
    const auto a = test::load("mixed_attachment.eml");
    MessageMatcher qa(a.bytes, a.structure);
    CHECK(qa.text(S("invoice.pdf")));             // attachment's MIME header
    CHECK_FALSE(qa.body(S("invoice.pdf")));
    CHECK_FALSE(qa.text(S("this is a mime message")));  // preamble: neither header nor part
    const auto s = test::load("single_part.eml");
    MessageMatcher qs(s.bytes, s.structure);
    CHECK(qs.text(S("in-reply-to")));             // field names are header text too
}

TEST_CASE("8-bit UTF-8 header and body; Polish letters fold") {
    const auto m = test::load("eight_bit.eml");
    MessageMatcher q(m.bytes, m.structure);
    CHECK(q.subject(S("ZA\xC5\xBB\xC3\x93\xC5\x81\xC4\x86")));  // "ZAŻÓŁĆ"
    CHECK(q.from(S("\xC5\x82ukasz")));                          // "łukasz"
    CHECK(q.body(S("g\xC4\x98\xC5\x9AL\xC4\x84")));             // "GĘŚLĄ" in mixed case
}

TEST_CASE("HEADER: any field; the empty string matches when the field exists") {
    const auto m = test::load("single_part.eml");
    MessageMatcher q(m.bytes, m.structure);
    CHECK(q.header("message-id", S("msg1@")));
    CHECK(q.header("Content-Transfer-Encoding", S("7BIT")));
    CHECK(q.header("In-Reply-To", S("")));
    CHECK_FALSE(q.header("X-Absent", S("")));     // rfc3501.txt:2840
    CHECK_FALSE(q.header("Subject", S("quarterly reports")));
    CHECK(q.cc(S("carol c.")));
    CHECK(q.cc(S("bob smith")));
    const auto mh = test::load("missing_headers.eml");
    MessageMatcher qm(mh.bytes, mh.structure);
    CHECK(qm.subject(S("")));                     // present though empty
    CHECK(qm.header("x-note", S("NOTHING ELSE")));
    CHECK_FALSE(qm.from(S("")));
}

TEST_CASE("SENTBEFORE / SENTON / SENTSINCE use the Date: header's own calendar day") {
    const auto m = test::load("encoded_words.eml");  // Sat, 5 Dec 2026 23:30:00 -0800
    const CivilDate dec5{2026, 12, 5}, dec6{2026, 12, 6}, dec4{2026, 12, 4};
    CHECK(sent_on(m.structure, dec5) == true);      // 07:30 UTC on the 6th, but sent on the 5th
    CHECK(sent_on(m.structure, dec6) == false);
    CHECK(sent_before(m.structure, dec6) == true);
    CHECK(sent_before(m.structure, dec5) == false);
    CHECK(sent_since(m.structure, dec5) == true);
    CHECK(sent_since(m.structure, dec4) == true);
    CHECK(sent_since(m.structure, dec6) == false);
    const auto bad = test::load("malformed.eml");    // "Date: not a date"
    CHECK_FALSE(sent_on(bad.structure, dec5).has_value());
    const auto none = test::load("missing_headers.eml");
    CHECK_FALSE(sent_before(none.structure, dec5).has_value());
    const auto route = test::load("source_route.eml");  // "7 Dec 26 09:00 EST"
    CHECK(sent_on(route.structure, CivilDate{2026, 12, 7}) == true);
}

TEST_CASE("LARGER / SMALLER compare RFC822.SIZE in wire form") {
    const auto m = test::load("single_part.eml");  // 400 octets, CRLF already
    CHECK(larger(m.structure, 399));
    CHECK_FALSE(larger(m.structure, 400));
    CHECK(smaller(m.structure, 401));
    CHECK_FALSE(smaller(m.structure, 400));
    const auto lf = test::load("bare_lf.eml");     // 161 stored, 172 sent
    CHECK(larger(lf.structure, 171));
    CHECK_FALSE(larger(lf.structure, 172));
}

TEST_CASE("a structure that does not fit the bytes never reads out of bounds") {
    auto m = test::load("mixed_attachment.eml");
    const std::string truncated = m.bytes.substr(0, 50);
    MessageMatcher q(truncated, m.structure);
    CHECK_FALSE(q.body(S("attachment")));
    (void)q.text(S("invoice"));
    (void)q.subject(S("invoice"));
}

TEST_CASE("BODY: raw 8-bit Latin-1 and Windows-1252 converted; unknown charsets matched raw") {
    auto matcher_for = [](const std::string& bytes, auto&& check) {
        const mr::mime::MessageStructure s = mr::mime::parse_message(bytes);
        MessageMatcher q(bytes, s);
        check(q);
    };
    matcher_for("Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                "Gr\xFC\xDF" "e\r\n",
                [](MessageMatcher& q) {
                    CHECK(q.body(S("GR\xC3\x9C\xC3\x9F" "E")));  // "GRÜßE"
                    CHECK_FALSE(q.body(S("gr\xFC")));            // not the raw Latin-1 bytes
                });
    matcher_for("Content-Type: text/plain; charset=windows-1252\r\n\r\n\x93quoted\x94 \x80 5\r\n",
                [](MessageMatcher& q) {
                    CHECK(q.body(S("\xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x82\xAC 5")));  // “quoted” € 5
                });
    matcher_for("Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nPlain Words\r\n",
                [](MessageMatcher& q) { CHECK(q.body(S("plain words"))); });
    matcher_for("Subject: =?x-no-such-charset?Q?kept?=\r\n\r\nx\r\n",
                [](MessageMatcher& q) { CHECK(q.subject(S("=?x-no-such-charset?q?kept?="))); });
}

TEST_CASE("FROM/TO/CC/BCC also match the parsed addresses: comments, groups, encoded names") {
    // imaptest's search-addresses cases: the address of a field written with comments
    // inside is found, group members are found under the group's name and their own.
    auto matcher_test = [](const std::string& header, auto&& check) {
        test::StoredMessage m;
        m.bytes = header + "\r\nbody\r\n";
        auto structure = mr::mime::deserialize(mr::mime::structure_blob(m.bytes));
        REQUIRE(structure.ok());
        m.structure = std::move(*structure);
        MessageMatcher q(m.bytes, m.structure);
        check(q);
    };
    matcher_test("From: <user-from (comment)@ (comment) domain.org>\r\n", [](MessageMatcher& q) {
        CHECK(q.from(S("user-from@domain.org")));
        CHECK(q.from(S("ser-fro")));
        CHECK(q.from(S("comment")));  // the field as written still counts
        CHECK_FALSE(q.from(S("user-from1@domain.org")));
    });
    matcher_test("From: user-from1@domain.org, USER-FROM2@Domain.org\r\n", [](MessageMatcher& q) {
        CHECK(q.from(S("user-from2@domain.org")));
        CHECK_FALSE(q.from(S("user-from@domain.org")));
    });
    matcher_test("From: user-from@domain.org (RealFrom)\r\n", [](MessageMatcher& q) {
        CHECK(q.from(S("realfrom")));
        CHECK(q.from(S("user-from@domain.org")));
    });
    matcher_test("To: groupname: groupuser1@domain.org, groupuser2@domain.org;,\r\n  groupname2: groupuser3@domain.org;\r\n",
                 [](MessageMatcher& q) {
                     CHECK(q.to(S("groupname2")));
                     CHECK(q.to(S("groupuser3@domain.org")));
                     CHECK_FALSE(q.to(S("groupuser4")));
                 });
    matcher_test("Cc: =?UTF-8?B?SsO2cmc=?= <j@example.de>\r\nBcc: x@example.org\r\n", [](MessageMatcher& q) {
        CHECK(q.cc(S("j\xC3\xB6rg <j@example.de>")));  // decoded name beside its address
        CHECK(q.bcc(S("X@EXAMPLE.ORG")));
        CHECK_FALSE(q.to(S("")));
    });
}
