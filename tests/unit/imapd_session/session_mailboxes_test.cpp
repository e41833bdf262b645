// Authenticated state against a real MailboxStore: LIST/LSUB, CREATE, DELETE, RENAME,
// SUBSCRIBE, STATUS, SELECT/EXAMINE, APPEND, CLOSE/UNSELECT, and mailbox-name refusals.
#include <doctest/doctest.h>

#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

TEST_CASE("LIST shows the default mailboxes with special-use and children attributes") {
    Harness h;
    h.login();
    std::string r = h.feed("a LIST \"\" *\r\n");
    CHECK(contains(r, "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"));
    CHECK(contains(r, "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"\r\n"));
    CHECK(contains(r, "a OK LIST completed"));
    CHECK(h.feed("b LIST \"\" \"\"\r\n") == "* LIST (\\Noselect) \"/\" \"\"\r\nb OK LIST completed\r\n");

    CHECK(contains(h.feed("c CREATE Work/Projects/\r\n"), "c OK"));
    r = h.feed("d LIST \"\" %\r\n");
    CHECK(contains(r, "* LIST (\\HasChildren) \"/\" \"Work\""));
    CHECK_FALSE(contains(r, "Work/Projects"));
    r = h.feed("e LIST Work *\r\n");
    CHECK(contains(r, "\"Work/Projects\""));
    CHECK_FALSE(contains(r, "\"INBOX\""));
}

TEST_CASE("CREATE with modified UTF-7 names and USE; duplicates and bad names refused") {
    Harness h;
    h.login();
    CHECK(contains(h.feed("a CREATE \"Entw&APw-rfe\"\r\n"), "a OK"));
    CHECK(contains(h.feed("b LIST \"\" Entw*\r\n"), "\"Entw&APw-rfe\""));
    CHECK(contains(h.feed("c CREATE \"Entw&APw-rfe\"\r\n"), "c NO [ALREADYEXISTS]"));
    CHECK(contains(h.feed("d CREATE inbox\r\n"), "d NO [ALREADYEXISTS]"));
    CHECK(contains(h.feed("e CREATE Stuff (USE (\\Flagged))\r\n"), "e OK"));
    CHECK(contains(h.feed("f LIST \"\" Stuff\r\n"), "\\Flagged"));
    CHECK(contains(h.feed("g CREATE X (USE (\\Bogus))\r\n"), "g NO [USEATTR]"));
    for (const char* bad : {"../etc", "a/../b", "/abs", "~user", "a//b", "x/./y"}) {
        CAPTURE(bad);
        CHECK(contains(h.feed(std::string("h CREATE \"") + bad + "\"\r\n"), "h NO"));
    }
    CHECK(contains(h.feed("i CREATE \"" + std::string(300, 'n') + "\"\r\n"), "i NO"));
    std::string deep;
    for (int i = 0; i < 20; ++i) deep += "d/";
    CHECK(contains(h.feed("j CREATE \"" + deep + "x\"\r\n"), "j NO"));
    CHECK(contains(h.feed("k CREATE \"bad&-name&Jjo\"\r\n"), "k NO"));  // broken mUTF-7
}

TEST_CASE("DELETE, RENAME, SUBSCRIBE, LSUB") {
    Harness h;
    h.login();
    h.feed("a CREATE Old\r\n");
    CHECK(contains(h.feed("b RENAME Old New\r\n"), "b OK"));
    std::string r = h.feed("c LIST \"\" *\r\n");
    CHECK(contains(r, "\"New\""));
    CHECK_FALSE(contains(r, "\"Old\""));
    CHECK(contains(h.feed("d RENAME Old Other\r\n"), "d NO [NONEXISTENT]"));
    CHECK(contains(h.feed("e RENAME New Sent\r\n"), "e NO"));
    CHECK(contains(h.feed("f SUBSCRIBE New\r\n"), "f OK"));
    r = h.feed("g LSUB \"\" *\r\n");
    CHECK(contains(r, "* LSUB (\\HasNoChildren) \"/\" \"New\""));
    CHECK(contains(h.feed("h UNSUBSCRIBE New\r\n"), "h OK"));
    CHECK_FALSE(contains(h.feed("i LSUB \"\" *\r\n"), "\"New\""));
    CHECK(contains(h.feed("j DELETE New\r\n"), "j OK"));
    CHECK(contains(h.feed("k DELETE New\r\n"), "k NO [NONEXISTENT]"));
    CHECK(contains(h.feed("l DELETE INBOX\r\n"), "l NO"));
    CHECK(contains(h.feed("m DELETE ../x\r\n"), "m NO"));
}

TEST_CASE("LSUB with %: an unsubscribed parent of a subscribed name is answered \\Noselect") {
    Harness h;
    h.login();
    h.feed("a CREATE t/sub/leaf\r\n");  // creates t and t/sub too
    h.feed("b CREATE t/plain\r\n");
    h.feed("c SUBSCRIBE t/sub/leaf\r\n");
    h.feed("d SUBSCRIBE t/plain\r\n");
    // rfc3501.txt:2394: t/sub, not t/sub/leaf, flagged \Noselect.
    CHECK(h.feed("e LSUB \"\" t/%\r\n") ==
          "* LSUB (\\HasNoChildren) \"/\" \"t/plain\"\r\n* LSUB (\\Noselect) \"/\" \"t/sub\"\r\ne OK LSUB completed\r\n");
    const std::string top = h.feed("f LSUB \"\" %\r\n");  // the default mailboxes are subscribed
    CHECK(contains(top, "* LSUB (\\Noselect) \"/\" \"t\"\r\n"));
    CHECK_FALSE(contains(top, "\"t/"));
    // "*" reaches the subscribed names themselves; LIST is not affected.
    CHECK(h.feed("g LSUB \"\" t*\r\n") ==
          "* LSUB (\\HasNoChildren) \"/\" \"t/plain\"\r\n* LSUB (\\HasNoChildren) \"/\" \"t/sub/leaf\"\r\n"
          "g OK LSUB completed\r\n");
    CHECK_FALSE(contains(h.feed("h LIST \"\" t/%\r\n"), "Noselect"));
    // A subscribed parent is answered as itself, once.
    h.feed("i SUBSCRIBE t/sub\r\n");
    CHECK(h.feed("j LSUB \"\" t/%\r\n") ==
          "* LSUB (\\HasNoChildren) \"/\" \"t/plain\"\r\n* LSUB (\\HasChildren) \"/\" \"t/sub\"\r\nj OK LSUB completed\r\n");
}

TEST_CASE("APPEND then STATUS and SELECT/EXAMINE report the message") {
    Harness h;
    h.login();
    std::string r = h.feed("a APPEND INBOX (\\Seen) {20}\r\n");
    CHECK(r == "+ Ready for literal data\r\n");
    r = h.feed("Subject: hi\r\n\r\nbody\r\n");
    CHECK(contains(r, "a OK [APPENDUID "));
    CHECK(contains(r, " 1] APPEND completed"));
    r = h.feed("b APPEND INBOX (\\Flagged $Work) \"05-Mar-2024 10:00:00 +0000\" {19+}\r\nSubject: 2\r\n\r\nbody\r\n");
    CHECK(contains(r, " 2] APPEND completed"));
    CHECK(contains(h.feed("c APPEND Nowhere {5+}\r\nhello\r\n"), "c NO [TRYCREATE]"));
    CHECK(contains(h.feed("d APPEND INBOX (\\Recent) {5+}\r\nhello\r\n"), "d BAD"));

    r = h.feed("e STATUS INBOX (MESSAGES UNSEEN UIDNEXT RECENT DELETED)\r\n");
    CHECK(contains(r, "* STATUS \"INBOX\" (MESSAGES 2 UNSEEN 1 UIDNEXT 3 RECENT 2 DELETED 0)\r\n"));
    CHECK(contains(h.feed("f STATUS Nowhere (MESSAGES)\r\n"), "f NO [NONEXISTENT]"));

    r = h.feed("g SELECT INBOX\r\n");
    CHECK(contains(r, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)\r\n"));
    CHECK(contains(r, "* 2 EXISTS\r\n"));
    CHECK(contains(r, "* 2 RECENT\r\n"));  // the first SELECT claims \Recent
    CHECK(contains(r, "* OK [UNSEEN 2]"));
    CHECK(contains(r, "* OK [UIDNEXT 3]"));
    CHECK(contains(r, "* OK [UIDVALIDITY "));
    CHECK(contains(r, "\\*)]"));
    CHECK(contains(r, "g OK [READ-WRITE] SELECT completed"));
    CHECK(h.session.state_name() == "selected");

    CHECK(contains(h.feed("g2 STATUS INBOX (RECENT)\r\n"), "(RECENT 0)"));
    r = h.feed("h EXAMINE INBOX\r\n");
    CHECK(contains(r, "* 0 RECENT\r\n"));
    CHECK(contains(r, "[PERMANENTFLAGS ()]"));
    CHECK(contains(r, "h OK [READ-ONLY]"));
    CHECK(contains(h.feed("i SELECT Nowhere\r\n"), "i NO [NONEXISTENT]"));
    CHECK(h.session.state_name() == "authenticated");  // a failed SELECT deselects
}

TEST_CASE("STATUS (SIZE) is the sum of the messages' RFC822.SIZE (RFC 8438)") {
    Harness h;
    h.login();
    CHECK(contains(h.feed("a STATUS INBOX (SIZE)\r\n"), "* STATUS \"INBOX\" (SIZE 0)\r\n"));
    h.feed("b APPEND INBOX {21+}\r\nSubject: hi\r\n\r\nbody\r\n\r\n");
    h.feed("c APPEND INBOX {15+}\r\nSubject: x\n\nb\r\n\r\n");  // bare LFs count as CRLF
    const std::string r = h.feed("d SELECT INBOX\r\ne FETCH 1:2 RFC822.SIZE\r\n");
    CHECK(contains(r, "* 1 FETCH (RFC822.SIZE 21)"));
    CHECK(contains(r, "* 2 FETCH (RFC822.SIZE 17)"));
    CHECK(contains(h.feed("f STATUS INBOX (SIZE)\r\n"), "(SIZE 38)"));
}

TEST_CASE("MULTIAPPEND stores every message or none (RFC 3502 §6.3.11)") {
    Harness h;
    h.login();
    std::string r = h.feed("a APPEND INBOX (\\Seen) {8+}\r\nS: 1\r\n\r\n {8+}\r\nS: 2\r\n\r\n {8+}\r\nS: 3\r\n\r\n\r\n");
    CHECK(contains(r, ":3] APPEND completed"));  // APPENDUID with the UID range 1:3
    CHECK(contains(h.feed("b STATUS INBOX (MESSAGES UNSEEN)\r\n"), "(MESSAGES 3 UNSEEN 2)"));
    // A bad flag or an empty message in any of them: none is stored.
    CHECK(contains(h.feed("c APPEND INBOX {8+}\r\nS: 4\r\n\r\n (\\Recent) {8+}\r\nS: 5\r\n\r\n\r\n"), "c BAD"));
    CHECK(contains(h.feed("d APPEND INBOX {8+}\r\nS: 4\r\n\r\n {0+}\r\n\r\n"), "d NO [CANNOT]"));
    CHECK(contains(h.feed("e APPEND Nowhere {8+}\r\nS: 4\r\n\r\n {8+}\r\nS: 5\r\n\r\n\r\n"), "e NO [TRYCREATE]"));
    CHECK(contains(h.feed("f STATUS INBOX (MESSAGES)\r\n"), "(MESSAGES 3)"));
}

TEST_CASE("APPENDLIMIT: CAPABILITY and STATUS tell the APPEND limit, which APPEND enforces (RFC 7889)") {
    SessionOptions o = plaintext_options();
    o.max_message_size = 4096;
    Harness h(o);
    CHECK(contains(h.feed("a CAPABILITY\r\n"), " APPENDLIMIT=4096 "));
    h.login();
    CHECK(contains(h.feed("b STATUS INBOX (APPENDLIMIT MESSAGES)\r\n"), "(APPENDLIMIT 4096 MESSAGES 0)"));
    CHECK(contains(h.feed("c LIST \"\" INBOX RETURN (STATUS (APPENDLIMIT))\r\n"), "* STATUS \"INBOX\" (APPENDLIMIT 4096)"));
    CHECK(contains(h.feed("d APPEND INBOX {4097}\r\n"), "d NO [TOOBIG]"));
    CHECK(contains(h.feed("e APPEND INBOX {4096}\r\n"), "+ "));
}

TEST_CASE("CLOSE expunges \\Deleted messages, UNSELECT does not") {
    Harness h;
    h.login();
    h.feed("a APPEND INBOX (\\Deleted) {5+}\r\nhello\r\n");
    h.feed("b SELECT INBOX\r\n");
    CHECK(h.feed("c UNSELECT\r\n") == "c OK UNSELECT completed\r\n");
    CHECK(contains(h.feed("d STATUS INBOX (MESSAGES)\r\n"), "MESSAGES 1"));
    h.feed("e EXAMINE INBOX\r\n");
    CHECK(h.feed("f CLOSE\r\n") == "f OK CLOSE completed\r\n");
    CHECK(contains(h.feed("g STATUS INBOX (MESSAGES)\r\n"), "MESSAGES 1"));  // read-only: kept
    h.feed("h SELECT INBOX\r\n");
    CHECK(h.feed("i CLOSE\r\n") == "i OK CLOSE completed\r\n");
    CHECK(contains(h.feed("j STATUS INBOX (MESSAGES)\r\n"), "MESSAGES 0"));
    CHECK(contains(h.feed("k CLOSE\r\n"), "k BAD"));  // nothing selected
}

TEST_CASE("SEARCH of an empty mailbox answers an empty SEARCH; CHECK is OK") {
    Harness h;
    h.login();
    h.feed("a SELECT INBOX\r\n");
    CHECK(h.feed("b SEARCH ALL\r\n") == "* SEARCH\r\nb OK SEARCH completed\r\n");
    CHECK(h.feed("c CHECK\r\n") == "c OK CHECK completed\r\n");
}
