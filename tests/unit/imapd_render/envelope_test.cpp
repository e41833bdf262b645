// ENVELOPE of every corpus message. Expected strings are written by hand from the
// grammar (rfc3501.txt:4722 envelope, :4515 address) and the NIL rules of
// rfc3501.txt:4304-4340, reading the .eml files, never copied from the output.
#include <doctest/doctest.h>

#include "imapd/render/envelope.hpp"
#include "tests/unit/imapd_render/corpus.hpp"

using namespace mr::imapd;

namespace {

std::string envelope_of(const std::string& name) {
    const test::StoredMessage m = test::load(name);
    std::string out;
    append_envelope(out, m.structure.envelope);
    return out;
}

// The same address three times: From, and Sender and Reply-To defaulted to it.
std::string thrice(const std::string& list) { return list + " " + list + " " + list; }

}  // namespace

TEST_CASE("ENVELOPE: single part with quoted display name, comment name, In-Reply-To") {
    CHECK(envelope_of("single_part.eml") ==
          "(\"Mon, 23 Nov 2026 10:15:00 +0100\" \"Quarterly report\" " +
              thrice("((\"Doe, John\" NIL \"john.doe\" \"example.com\"))") +
              " ((NIL NIL \"alice\" \"example.org\"))"
              " ((\"Bob Smith\" NIL \"bob\" \"example.net\")(\"Carol C.\" NIL \"carol\" \"example.net\"))"
              " NIL \"<prev@example.com>\" \"<msg1@example.com>\")");
}

TEST_CASE("ENVELOPE: address without display name; absent Cc/Bcc/In-Reply-To are NIL") {
    CHECK(envelope_of("mixed_attachment.eml") ==
          "(\"Tue, 1 Dec 2026 08:00:00 -0500\" \"Invoice\" " +
              thrice("((NIL NIL \"sender\" \"example.com\"))") +
              " ((\"Alice A.\" NIL \"alice\" \"example.org\")) NIL NIL NIL \"<msg2@example.com>\")");
}

TEST_CASE("ENVELOPE: missing headers are NIL, present-but-empty Subject is \"\"") {
    // rfc3501.txt:4304: absent -> NIL, empty -> ""; an empty To: is NIL (rfc3501.txt:4332).
    CHECK(envelope_of("missing_headers.eml") == "(NIL \"\" NIL NIL NIL NIL NIL NIL NIL NIL)");
    CHECK(envelope_of("empty_body.eml") ==
          "(NIL \"Empty\" " + thrice("((NIL NIL \"empty\" \"example.com\"))") + " NIL NIL NIL NIL NIL)");
    CHECK(envelope_of("header_only.eml") ==
          "(NIL \"No body\" " + thrice("((NIL NIL \"x\" \"example.com\"))") + " NIL NIL NIL NIL NIL)");
}

TEST_CASE("ENVELOPE: malformed headers still give a well-formed envelope") {
    // Missing ">" after the address, null members in To, a line without colon
    // skipped, a folded Subject unfolded, a garbage Date passed through as text.
    CHECK(envelope_of("malformed.eml") ==
          "(\"not a date\" \"Malformed but folded\" " +
              thrice("((\"Broken Sender\" NIL \"broken\" \"example.com\"))") +
              " ((NIL NIL \"one\" \"example.com\")) NIL NIL NIL NIL)");
}

TEST_CASE("ENVELOPE: groups, empty Sender defaults to From, explicit Reply-To kept") {
    CHECK(envelope_of("groups.eml") ==
          "(\"Sun, 6 Dec 2026 08:00:00 +0000\" \"Groups\""
          " ((\"Team Lead\" NIL \"lead\" \"example.com\"))"
          " ((\"Team Lead\" NIL \"lead\" \"example.com\"))"
          " ((NIL NIL \"replies\" \"example.com\"))"
          " ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL))"
          " ((NIL NIL \"Friends\" NIL)(NIL NIL \"anna\" \"example.com\")"
          "(\"Ben B.\" NIL \"ben\" \"example.com\")(NIL NIL NIL NIL)(NIL NIL \"solo\" \"example.com\"))"
          " ((NIL NIL \"Empty Group\" NIL)(NIL NIL NIL NIL))"
          " NIL \"<groups@example.com>\")");
}

TEST_CASE("ENVELOPE: source route goes to addr-adl; obs-phrase with a dot") {
    CHECK(envelope_of("source_route.eml") ==
          "(\"7 Dec 26 09:00 EST\" \"Route\" " +
              thrice("((NIL \"@relay1.example,@relay2.example\" \"joe\" \"example.com\"))") +
              " ((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) NIL NIL NIL NIL)");
}

TEST_CASE("ENVELOPE: RFC 2047 words are sent undecoded, as Dovecot and UW-IMAP do") {
    CHECK(envelope_of("encoded_words.eml") ==
          "(\"Sat, 5 Dec 2026 23:30:00 -0800\" \"=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?=\" " +
              thrice("((\"=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?=\" NIL \"joerg\" \"example.de\"))") +
              " ((\"=?utf-8?q?Zo=C3=AB?=\" NIL \"zoe\" \"example.com\")) NIL NIL NIL NIL)");
}

TEST_CASE("ENVELOPE: raw 8-bit header text travels as literals") {
    const std::string lukasz = "(({7}\r\n\xC5\x81ukasz NIL \"lukasz\" \"example.pl\"))";
    CHECK(envelope_of("eight_bit.eml") ==
          "(\"6 Dec 2026 10:00:00 +0100\" {26}\r\nZa\xC5\xBC\xC3\xB3\xC5\x82\xC4\x87 "
          "g\xC4\x99\xC5\x9Bl\xC4\x85 ja\xC5\xBA\xC5\x84 " +
              thrice(lukasz) + " ((NIL NIL \"maria\" \"example.pl\")) NIL NIL NIL NIL)");
}

TEST_CASE("ENVELOPE: bare-LF message") {
    CHECK(envelope_of("bare_lf.eml") ==
          "(NIL \"Bare LF\" " + thrice("((NIL NIL \"lf\" \"example.com\"))") +
              " ((NIL NIL \"crlf\" \"example.com\")) NIL NIL NIL NIL)");
}

TEST_CASE("ENVELOPE: the RFC 3501 example shape (rfc3501.txt:4448)") {
    mr::mime::Envelope e;
    e.date = "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)";
    e.subject = "IMAP4rev1 WG mtg summary and minutes";
    e.from = {{"Terry Gray", std::nullopt, "gray", "cac.washington.edu"}};
    e.sender = e.from;
    e.reply_to = e.from;
    e.to = {{std::nullopt, std::nullopt, "imap", "cac.washington.edu"}};
    e.cc = {{std::nullopt, std::nullopt, "minutes", "CNRI.Reston.VA.US"},
            {"John Klensin", std::nullopt, "KLENSIN", "MIT.EDU"}};
    e.message_id = "<B27397-0100000@cac.washington.edu>";
    std::string out;
    append_envelope(out, e);
    CHECK(out ==
          "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" "
          "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
          "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
          "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
          "((NIL NIL \"imap\" \"cac.washington.edu\")) "
          "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
          "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
          "\"<B27397-0100000@cac.washington.edu>\")");
}
