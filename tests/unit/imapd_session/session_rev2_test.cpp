// ENABLE IMAP4rev2 and UTF8=ACCEPT (session_rev2.cpp, protocol_mode.hpp): what each
// changes in the responses, UTF-8 mailbox names and headers, and UNAUTHENTICATE.
#include <doctest/doctest.h>

#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

namespace {

// "Grüße" and a UTF-8 address: a header as SMTPUTF8 mail carries it (RFC 6532).
const std::string kUtf8Message =
    "From: J\xC3\xB6rg <j\xC3\xB6rg@example.test>\r\nSubject: Gr\xC3\xBC\xC3\x9F" "e\r\n\r\nbody\r\n";

std::string append_utf8(Harness& h, const std::string& tag, const std::string& box) {
    return h.feed(tag + " APPEND " + box + " UTF8 (~{" + std::to_string(kUtf8Message.size()) + "+}\r\n" +
                  kUtf8Message + ")\r\n");
}

}  // namespace

TEST_CASE("rev2: advertised beside IMAP4rev1; ENABLE lists each mode once") {
    Harness h;
    CHECK(contains(h.sent, "IMAP4rev1 IMAP4rev2 "));
    CHECK(contains(h.sent, " UTF8=ACCEPT"));
    CHECK(contains(h.sent, " UNAUTHENTICATE"));
    h.login();
    const std::string caps = h.feed("c CAPABILITY\r\n");
    CHECK(h.feed("e1 ENABLE IMAP4rev2 UTF8=ACCEPT X-UNKNOWN\r\n") ==
          "* ENABLED IMAP4rev2 UTF8=ACCEPT\r\ne1 OK ENABLE completed\r\n");
    CHECK(h.feed("e2 ENABLE imap4REV2 utf8=accept\r\n") == "* ENABLED\r\ne2 OK ENABLE completed\r\n");
    // ENABLE changes no capability (RFC 9051 §6.3.1).
    CHECK(h.feed("c CAPABILITY\r\n") == caps);
}

TEST_CASE("rev2: SELECT has LIST and neither RECENT nor UNSEEN; SEARCH answers ESEARCH") {
    Harness h;
    h.login();
    REQUIRE(contains(h.feed("a APPEND INBOX {9}\r\nSubject: \r\n"), "a OK"));
    REQUIRE(contains(h.feed("b APPEND INBOX (\\Seen) {9}\r\nSubject: \r\n"), "b OK"));
    REQUIRE(contains(h.feed("c APPEND INBOX {9}\r\nSubject: \r\n"), "c OK"));
    h.feed("e ENABLE IMAP4rev2\r\n");
    std::string r = h.feed("s SELECT INBOX\r\n");
    CHECK(contains(r, "* 3 EXISTS\r\n"));
    CHECK_FALSE(contains(r, "RECENT"));
    CHECK_FALSE(contains(r, "[UNSEEN"));
    // Its attributes as LIST gives them (INBOX is subscribed from the start).
    CHECK(contains(r, "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"INBOX\"\r\n"));
    CHECK(contains(r, "s OK [READ-WRITE]"));
    CHECK(h.feed("f FETCH 1 FLAGS\r\n") == "* 1 FETCH (FLAGS ())\r\nf OK FETCH completed\r\n");
    CHECK(h.feed("q SEARCH UNSEEN\r\n") == "* ESEARCH (TAG \"q\") ALL 1,3\r\nq OK SEARCH completed\r\n");
    CHECK(h.feed("u UID SEARCH SEEN\r\n") == "* ESEARCH (TAG \"u\") UID ALL 2\r\nu OK SEARCH completed\r\n");
    CHECK(h.feed("n SEARCH DELETED\r\n") == "* ESEARCH (TAG \"n\")\r\nn OK SEARCH completed\r\n");
    CHECK(h.feed("m SEARCH RETURN (COUNT) ALL\r\n") == "* ESEARCH (TAG \"m\") COUNT 3\r\nm OK SEARCH completed\r\n");
    // New mail: EXISTS without RECENT.
    REQUIRE(h.store->append("INBOX", "Subject: new\r\n\r\nx\r\n"));
    r = h.feed("p NOOP\r\n");
    CHECK(contains(r, "* 4 EXISTS\r\n"));
    CHECK_FALSE(contains(r, "RECENT"));
}

TEST_CASE("rev1: RECENT, UNSEEN and SEARCH stay as they were") {
    Harness h;
    h.login();
    REQUIRE(contains(h.feed("a APPEND INBOX {9}\r\nSubject: \r\n"), "a OK"));
    std::string r = h.feed("s SELECT INBOX\r\n");
    CHECK(contains(r, "* 1 RECENT\r\n"));
    CHECK(contains(r, "[UNSEEN 1]"));
    CHECK_FALSE(contains(r, "* LIST"));
    CHECK(h.feed("q SEARCH ALL\r\n") == "* SEARCH 1\r\nq OK SEARCH completed\r\n");
    CHECK(contains(h.feed("f FETCH 1 FLAGS\r\n"), "\\Recent"));
}

TEST_CASE("UTF-8 mailbox names once enabled; modified UTF-7 before") {
    Harness h;
    h.login();
    // Before ENABLE: modified UTF-7 in and out; a UTF-8 quoted name is taken as UTF-8.
    CHECK(contains(h.feed("c1 CREATE Entw&APw-rfe\r\n"), "c1 OK"));
    CHECK(contains(h.feed("c2 CREATE \"Gr\xC3\xBC\xC3\x9F" "e\"\r\n"), "c2 OK"));
    std::string r = h.feed("l1 LIST \"\" *\r\n");
    CHECK(contains(r, "\"/\" \"Entw&APw-rfe\"\r\n"));
    CHECK(contains(r, "\"/\" \"Gr&APwA3w-e\"\r\n"));
    CHECK(contains(h.feed("t1 STATUS \"Gr\xC3\xBC\xC3\x9F" "e\" (MESSAGES)\r\n"), "* STATUS \"Gr&APwA3w-e\" (MESSAGES 0)"));
    h.feed("e ENABLE UTF8=ACCEPT\r\n");
    r = h.feed("l2 LIST \"\" *\r\n");
    CHECK(contains(r, "\"/\" \"Entw\xC3\xBCrfe\"\r\n"));
    CHECK(contains(r, "\"/\" \"Gr\xC3\xBC\xC3\x9F" "e\"\r\n"));
    CHECK(contains(h.feed("l3 LIST \"\" \"Entw\xC3\xBC*\"\r\n"), "\"Entw\xC3\xBCrfe\""));
    // "&" is itself now: a new name, not modified UTF-7.
    CHECK(contains(h.feed("c3 CREATE \"R&D\"\r\n"), "c3 OK"));
    CHECK(contains(h.feed("t2 STATUS \"R&D\" (MESSAGES)\r\n"), "* STATUS \"R&D\" (MESSAGES 0)"));
    CHECK(contains(h.feed("s SELECT \"Entw\xC3\xBCrfe\"\r\n"), "s OK"));
    // Net-Unicode: no line separator U+2028.
    CHECK(contains(h.feed("c4 CREATE \"a\xE2\x80\xA8" "b\"\r\n"), "c4 NO [CANNOT]"));
}

TEST_CASE("UTF8=ACCEPT: UTF-8 headers via APPEND UTF8, stored and fetched unchanged") {
    Harness h;
    h.login();
    // Not enabled: 8-bit header fields are NO (RFC 6855 §4), UTF8 data extension or not;
    // an 8-bit body is not a header field.
    std::string r = append_utf8(h, "a1", "INBOX");
    CHECK(contains(r, "a1 NO 8-bit header fields need ENABLE UTF8=ACCEPT first\r\n"));
    r = h.feed("a0 APPEND INBOX {" + std::to_string(kUtf8Message.size()) + "+}\r\n" + kUtf8Message + "\r\n");
    CHECK(contains(r, "a0 NO 8-bit header fields"));
    const std::string body8 = "Subject: x\r\n\r\nGr\xC3\xBC\xC3\x9F" "e\r\n";
    r = h.feed("a2 APPEND INBOX {" + std::to_string(body8.size()) + "}\r\n" + body8 + "\r\n");
    CHECK(contains(r, "a2 OK"));
    h.feed("e ENABLE UTF8=ACCEPT\r\n");
    r = append_utf8(h, "a3", "INBOX");
    CHECK(contains(r, "a3 OK [APPENDUID "));
    h.feed("s SELECT INBOX\r\n");
    r = h.feed("f FETCH 2 (BODY.PEEK[] ENVELOPE)\r\n");
    CHECK(contains(r, "BODY[] {" + std::to_string(kUtf8Message.size()) + "}\r\n" + kUtf8Message));
    CHECK(contains(r, "\"Gr\xC3\xBC\xC3\x9F" "e\" ((\"J\xC3\xB6rg\" NIL \"j\xC3\xB6rg\" \"example.test\"))"));
    // SEARCH CHARSET conflicts with UTF8=ACCEPT (RFC 6855 §3).
    CHECK(contains(h.feed("q SEARCH CHARSET UTF-8 SUBJECT x\r\n"), "q BAD"));
    CHECK(contains(h.feed("q2 SEARCH SUBJECT \"Gr\xC3\xBC\"\r\n"), "* SEARCH 2\r\n"));
    // A new login on the connection starts without UTF-8: ENVELOPE strings go as literals.
    REQUIRE(contains(h.feed("u UNAUTHENTICATE\r\n"), "u OK"));
    h.login();
    h.feed("s2 SELECT INBOX\r\n");
    r = h.feed("f2 FETCH 2 ENVELOPE\r\n");
    CHECK(contains(r, "{7}\r\nGr\xC3\xBC\xC3\x9F" "e"));
    // ...and 8-bit header fields are NO again.
    CHECK(contains(append_utf8(h, "a4", "INBOX"), "a4 NO 8-bit header fields"));
}

TEST_CASE("IMAP4rev2 takes 8-bit header fields without UTF8=ACCEPT") {
    // RFC 9051 §6.3.12: APPEND data may be an [I18N-HDRS] message.
    Harness h;
    h.login();
    h.feed("e ENABLE IMAP4rev2\r\n");
    CHECK(contains(append_utf8(h, "a", "INBOX"), "a OK [APPENDUID "));
}

TEST_CASE("UNAUTHENTICATE: back to not authenticated, mailbox released, new login") {
    Harness h;
    h.login();
    h.feed("e ENABLE IMAP4rev2\r\n");
    REQUIRE(contains(h.feed("s SELECT INBOX\r\n"), "s OK"));
    std::string r = h.feed("u UNAUTHENTICATE\r\n");
    CHECK(r == "u OK UNAUTHENTICATE completed\r\n");
    CHECK(h.logged_out == 1);
    CHECK(h.session.state_name() == "not_authenticated");
    CHECK(h.session.selected_mailbox().empty());
    CHECK(h.session.user().empty());
    CHECK(h.feed("f FETCH 1 FLAGS\r\n") == "f BAD Log in first\r\n");
    CHECK(h.feed("u2 UNAUTHENTICATE\r\n") == "u2 BAD Log in first\r\n");
    // Before login no APPEND literal is buffered again.
    CHECK(contains(h.feed("a APPEND INBOX {5}\r\n"), "a NO"));
    CHECK(contains(h.login(), "l1 OK"));
    CHECK(h.logged_in == kUser);
    // The new login starts in IMAP4rev1.
    REQUIRE(contains(h.feed("p APPEND INBOX {9}\r\nSubject: \r\n"), "p OK"));
    CHECK(contains(h.feed("s SELECT INBOX\r\n"), " RECENT\r\n"));
}

TEST_CASE("UNAUTHENTICATE under COMPRESS ends compression after the OK") {
    // RFC 8437 §3: never NO; §4.1: both compression layers end at the command.
    Harness h;
    h.login();
    REQUIRE(contains(h.feed("z COMPRESS DEFLATE\r\n"), "z OK"));
    // Past this point the glue would inflate; the session reads plain text in the harness.
    h.pending.clear();
    const std::string r = h.feed("u UNAUTHENTICATE\r\nc CAPABILITY\r\n");
    CHECK(r.starts_with("u OK UNAUTHENTICATE completed\r\n* CAPABILITY "));
    CHECK(contains(r, " AUTH=PLAIN"));  // the not-authenticated state's list
    CHECK(r.ends_with("\r\nc OK CAPABILITY completed\r\n"));
    CHECK(h.logged_out == 1);
    CHECK(h.compression_ends == 1);
    // The session stops at the end: what follows is the glue's to give back uncompressed
    // (and the harness feeds it again).
    CHECK(h.plain_input == "c CAPABILITY\r\n");
    CHECK(h.session.state_name() == "not_authenticated");
    // A later login may compress again.
    h.pending.clear();
    h.login();
    CHECK(contains(h.feed("z2 COMPRESS DEFLATE\r\n"), "z2 OK DEFLATE active"));
}

TEST_CASE("UNAUTHENTICATE ends NOTIFY") {
    // RFC 8437 §4.1: back to the base specification's notifications.
    Harness h;
    h.login();
    REQUIRE(contains(h.feed("n NOTIFY SET (personal (MailboxName))\r\n"), "n OK"));
    REQUIRE(h.store->create_mailbox("One"));
    CHECK(contains(wake(h), "* LIST (\\HasNoChildren) \"/\" \"One\"\r\n"));
    REQUIRE(contains(h.feed("u UNAUTHENTICATE\r\n"), "u OK"));
    h.login();
    REQUIRE(h.store->create_mailbox("Two"));
    CHECK(wake(h).empty());
}

TEST_CASE("NOTIFY: names in the session's form both ways") {
    const std::string utf8 = "Entw\xC3\xBC" "rfe";
    Harness h;
    h.login();
    // IMAP4rev1: modified UTF-7 in the watch and in the events.
    h.feed("c CREATE Entw&APw-rfe\r\n");
    REQUIRE(contains(h.feed("n NOTIFY SET (mailboxes Entw&APw-rfe (MessageNew))\r\n"), "n OK"));
    REQUIRE(h.store->append(utf8, "Subject: a\r\n\r\nx\r\n"));
    CHECK(wake(h) == "* STATUS \"Entw&APw-rfe\" (MESSAGES 1 UIDNEXT 2)\r\n");
    REQUIRE(contains(h.feed("u UNAUTHENTICATE\r\n"), "u OK"));
    // UTF8=ACCEPT: UTF-8, quoted.
    h.login();
    h.feed("e ENABLE UTF8=ACCEPT\r\n");
    REQUIRE(contains(h.feed("n2 NOTIFY SET (mailboxes \"" + utf8 + "\" (MessageNew)) (personal (MailboxName))\r\n"),
                     "n2 OK"));
    REQUIRE(h.store->append(utf8, "Subject: b\r\n\r\nx\r\n"));
    CHECK(wake(h) == "* STATUS \"" + utf8 + "\" (MESSAGES 2 UIDNEXT 3)\r\n");
    REQUIRE(h.store->create_mailbox(utf8 + "/Gr\xC3\xBC\xC3\x9F" "e"));
    CHECK(contains(wake(h), "* LIST (\\HasNoChildren) \"/\" \"" + utf8 + "/Gr\xC3\xBC\xC3\x9F" "e\"\r\n"));
}
