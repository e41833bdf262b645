// Changes made by someone else (another session, POP3, a delivery: here the store
// directly) reach the session at the completion of every command and during IDLE;
// EXPUNGE never during FETCH, STORE or SEARCH (RFC 3501 §7.4.1).
#include <doctest/doctest.h>

#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

TEST_CASE("NOOP reports EXISTS, FETCH FLAGS and EXPUNGE made by others") {
    Harness h;
    h.login();
    REQUIRE(h.store->append("INBOX", "Subject: 1\r\n\r\nx\r\n"));
    REQUIRE(h.store->append("INBOX", "Subject: 2\r\n\r\nx\r\n"));
    h.feed("a SELECT INBOX\r\n");
    CHECK(h.feed("b NOOP\r\n") == "b OK NOOP completed\r\n");
    REQUIRE(h.store->append("INBOX", "Subject: 3\r\n\r\nx\r\n"));
    CHECK(h.feed("c NOOP\r\n") == "* 3 EXISTS\r\n* 3 RECENT\r\nc OK NOOP completed\r\n");
    const std::uint32_t one[] = {1};
    REQUIRE(h.store->set_flags("INBOX", one, mr::storage::FlagOp::Add, mr::storage::kDeleted));
    CHECK(h.feed("d CHECK\r\n") == "* 1 FETCH (FLAGS (\\Deleted \\Recent))\r\nd OK CHECK completed\r\n");
    REQUIRE(h.store->expunge("INBOX"));
    CHECK(h.feed("e NOOP\r\n") == "* 1 EXPUNGE\r\ne OK NOOP completed\r\n");
    CHECK(contains(h.feed("f FETCH 2 UID\r\n"), "* 2 FETCH (UID 3)"));
}

TEST_CASE("IDLE reports new mail on a tick; nothing outside IDLE or without changes") {
    Harness h;
    h.login();
    h.feed("a SELECT INBOX\r\n");
    CHECK(h.session.on_idle_tick().empty());  // not idling
    CHECK(h.feed("b IDLE\r\n") == "+ idling\r\n");
    h.out.clear();
    h.process(h.session.on_idle_tick());
    CHECK(h.out.empty());
    REQUIRE(h.store->append("INBOX", "Subject: new\r\n\r\nx\r\n"));
    h.process(h.session.on_idle_tick());
    CHECK(h.out == "* 1 EXISTS\r\n* 1 RECENT\r\n");
    CHECK(h.feed("DONE\r\n") == "b OK IDLE terminated\r\n");
}

TEST_CASE("IDLE keepalive: \"* OK Still here\" only while idling") {
    Harness h;
    h.login();
    h.feed("a SELECT INBOX\r\n");
    CHECK(h.session.on_idle_keepalive().empty());  // not idling
    CHECK(h.feed("b IDLE\r\n") == "+ idling\r\n");
    h.out.clear();
    h.process(h.session.on_idle_keepalive());
    CHECK(h.out == "* OK Still here\r\n");
    CHECK(h.feed("DONE\r\n") == "b OK IDLE terminated\r\n");
    CHECK(h.session.on_idle_keepalive().empty());
}

namespace {

void select3(Harness& h) {
    h.login();
    for (int i = 1; i <= 3; ++i)
        REQUIRE(h.store->append("INBOX", "Subject: " + std::to_string(i) + "\r\n\r\nx\r\n"));
    h.feed("a SELECT INBOX\r\n");
}

void expunge_uid2(Harness& h) {
    const std::uint32_t two[] = {2};
    REQUIRE(h.store->set_flags("INBOX", two, mr::storage::FlagOp::Add, mr::storage::kDeleted));
    REQUIRE(h.store->expunge("INBOX"));
}

}  // namespace

TEST_CASE("EXPUNGE is withheld during FETCH, STORE and SEARCH, sent at the next other command") {
    Harness h;
    select3(h);
    expunge_uid2(h);
    std::string r = h.feed("f FETCH 1:* UID\r\n");
    CHECK(r == "* 1 FETCH (UID 1)\r\n* 3 FETCH (UID 3)\r\nf OK FETCH completed\r\n");
    r = h.feed("u UID FETCH 1:* UID\r\n");
    CHECK_FALSE(contains(r, "EXPUNGE"));
    r = h.feed("s SEARCH ALL\r\n");
    CHECK(r == "* SEARCH 1 3\r\ns OK SEARCH completed\r\n");
    r = h.feed("t STORE 3 +FLAGS (\\Seen)\r\n");
    CHECK(r == "* 3 FETCH (FLAGS (\\Seen \\Recent))\r\nt OK STORE completed\r\n");
    // New mail meanwhile: EXISTS counts the withheld message too (numbers stay valid).
    REQUIRE(h.store->append("INBOX", "Subject: 4\r\n\r\nx\r\n"));
    r = h.feed("v UID SEARCH ALL\r\n");
    CHECK(r == "* SEARCH 1 3\r\n* 4 EXISTS\r\n* 4 RECENT\r\nv OK SEARCH completed\r\n");
    CHECK(h.feed("n NOOP\r\n") == "* 2 EXPUNGE\r\nn OK NOOP completed\r\n");
    CHECK(h.feed("g FETCH 2:3 UID\r\n") == "* 2 FETCH (UID 3)\r\n* 3 FETCH (UID 4)\r\ng OK FETCH completed\r\n");
}

TEST_CASE("Any command in the selected state reports updates before its tagged reply") {
    Harness h;
    select3(h);
    expunge_uid2(h);
    const std::uint32_t one[] = {1};
    REQUIRE(h.store->set_flags("INBOX", one, mr::storage::FlagOp::Add, mr::storage::kFlagged));
    std::string r = h.feed("c CAPABILITY\r\n");
    CHECK(contains(r, "* CAPABILITY "));
    CHECK(contains(r, "* 2 EXPUNGE\r\n* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\nc OK CAPABILITY completed\r\n"));
    REQUIRE(h.store->append("INBOX", "Subject: 4\r\n\r\nx\r\n"));
    r = h.feed("l LIST \"\" INBOX\r\n");
    CHECK(contains(r, "* 3 EXISTS\r\n* 3 RECENT\r\nl OK LIST completed\r\n"));
    // Our own APPEND to the selected mailbox shows up as EXISTS at its completion.
    r = h.feed("p APPEND INBOX {5+}\r\nhello\r\n");
    CHECK(contains(r, "* 4 EXISTS\r\n* 4 RECENT\r\np OK [APPENDUID "));
}

TEST_CASE("A session's own STORE is not reported back; writes end with Changed") {
    Harness h;
    select3(h);
    CHECK(h.changed == 0);
    CHECK(h.feed("a STORE 1 +FLAGS (\\Flagged)\r\n") == "* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\na OK STORE completed\r\n");
    CHECK(h.changed == 1);
    CHECK(h.feed("b STORE 2 +FLAGS.SILENT (\\Seen)\r\n") == "b OK STORE completed\r\n");
    CHECK(h.feed("c NOOP\r\n") == "c OK NOOP completed\r\n");
    CHECK(h.changed == 2);
    h.feed("d FETCH 1 (FLAGS BODY.PEEK[])\r\n");
    h.feed("e SEARCH ALL\r\n");
    CHECK(h.changed == 2);
    // Sets \Seen and says so in its own response, once: the change is this session's, so
    // the poll at completion does not repeat it as an unsolicited FETCH.
    const std::string f = h.feed("f FETCH 3 BODY[]\r\n");
    CAPTURE(f);
    CHECK(f.find("FLAGS (\\Seen \\Recent)") != std::string::npos);
    CHECK(f.find("FLAGS (") == f.rfind("FLAGS ("));
    CHECK(h.changed == 3);
    // Someone else's change to a message we also changed is reported.
    const std::uint32_t one[] = {1};
    REQUIRE(h.store->set_flags("INBOX", one, mr::storage::FlagOp::Add, mr::storage::kAnswered));
    CHECK(h.feed("g NOOP\r\n") == "* 1 FETCH (FLAGS (\\Answered \\Flagged \\Recent))\r\ng OK NOOP completed\r\n");
}

TEST_CASE("Keywords another session sets are announced in FLAGS before the FETCH showing them") {
    Harness h;
    select3(h);
    const std::uint32_t one[] = {1};
    const std::vector<std::string> kw{"$Label1", "NIL"};
    REQUIRE(h.store->set_flags("INBOX", one, mr::storage::FlagOp::Add, 0, kw));
    CHECK(h.feed("a NOOP\r\n") ==
          "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 NIL)\r\n"
          "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 NIL \\*)] Limited\r\n"
          "* 1 FETCH (FLAGS (\\Recent $Label1 NIL))\r\na OK NOOP completed\r\n");
    const std::uint32_t two[] = {2};
    REQUIRE(h.store->set_flags("INBOX", two, mr::storage::FlagOp::Add, 0, kw));
    CHECK(h.feed("b NOOP\r\n") == "* 2 FETCH (FLAGS (\\Recent $Label1 NIL))\r\nb OK NOOP completed\r\n");
    // A message appended elsewhere with a new keyword: announced with its EXISTS, so the
    // FETCH that follows shows only known keywords.
    const std::vector<std::string> kw2{"$New"};
    REQUIRE(h.store->append("INBOX", "Subject: 4\r\n\r\nx\r\n", 0, kw2));
    CHECK(contains(h.feed("c NOOP\r\n"), "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 $New NIL)\r\n"));
    CHECK(h.feed("d FETCH 4 FLAGS\r\n") == "* 4 FETCH (FLAGS (\\Recent $New))\r\nd OK FETCH completed\r\n");
}

TEST_CASE("FETCH announces a keyword the session was not told about; EXAMINE shows \\Recent unclaimed") {
    Harness h;
    h.login();
    REQUIRE(h.store->append("INBOX", "Subject: 1\r\n\r\nx\r\n"));
    h.feed("a EXAMINE INBOX\r\n");
    const std::uint32_t one[] = {1};
    const std::vector<std::string> kw{"$Hello"};
    // Set and poll-free: the session learns of it only through its FETCH.
    REQUIRE(h.store->set_flags("INBOX", one, mr::storage::FlagOp::Add, 0, kw));
    const std::string r = h.feed("b FETCH 1 (UID FLAGS)\r\n");
    CHECK(r.rfind("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Hello)\r\n"
                  "* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n"
                  "* 1 FETCH (UID 1 FLAGS (\\Recent $Hello))\r\n", 0) == 0);
    CHECK_FALSE(contains(h.feed("c FETCH 1 FLAGS\r\n"), "* FLAGS"));
    // EXAMINE claimed nothing: the next SELECT still gets the message as \Recent.
    CHECK(contains(h.feed("d SELECT INBOX\r\n"), "* 1 RECENT\r\n"));
}

TEST_CASE("a FETCH or STORE reports others' flag changes and new mail from its own store job") {
    Harness h;
    h.login();
    for (int i = 1; i <= 2; ++i) REQUIRE(h.store->append("INBOX", "Subject: s\r\n\r\nx\r\n"));
    h.feed("a SELECT INBOX\r\n");
    const std::uint32_t two[] = {2};
    REQUIRE(h.store->set_flags("INBOX", two, mr::storage::FlagOp::Add, mr::storage::kFlagged));
    int before = h.store_jobs;
    CHECK(h.feed("b FETCH 1 UID\r\n") == "* 1 FETCH (UID 1)\r\n* 2 FETCH (FLAGS (\\Flagged \\Recent))\r\nb OK FETCH completed\r\n");
    CHECK(h.store_jobs - before == 1);
    // The session's own change is not reported back, another one's is, still in one job.
    REQUIRE(h.store->set_flags("INBOX", two, mr::storage::FlagOp::Remove, mr::storage::kFlagged));
    before = h.store_jobs;
    CHECK(h.feed("c STORE 1 +FLAGS (\\Seen)\r\n") ==
          "* 1 FETCH (FLAGS (\\Seen \\Recent))\r\n* 2 FETCH (FLAGS (\\Recent))\r\nc OK STORE completed\r\n");
    CHECK(h.store_jobs - before == 1);
    // New mail is claimed as \Recent in that same job.
    REQUIRE(h.store->append("INBOX", "Subject: new\r\n\r\nx\r\n"));
    before = h.store_jobs;
    CHECK(h.feed("d FETCH 1 UID\r\n") == "* 1 FETCH (UID 1)\r\n* 3 EXISTS\r\n* 3 RECENT\r\nd OK FETCH completed\r\n");
    CHECK(h.store_jobs - before == 1);
    // The next one too, and the claim shows in its FLAGS.
    REQUIRE(h.store->append("INBOX", "Subject: newer\r\n\r\nx\r\n"));
    CHECK(h.feed("e FETCH 1 UID\r\n") == "* 1 FETCH (UID 1)\r\n* 4 EXISTS\r\n* 4 RECENT\r\ne OK FETCH completed\r\n");
    CHECK(contains(h.feed("f FETCH 4 FLAGS\r\n"), "* 4 FETCH (FLAGS (\\Recent))"));
}
