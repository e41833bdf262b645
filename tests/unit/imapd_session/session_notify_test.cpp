// CONTEXT=SEARCH/SORT updates (RFC 5267 §4.3) and NOTIFY (RFC 5465) against a real store:
// other writers are the store itself, the glue's wake-up is Session::on_wake().
#include <doctest/doctest.h>

#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

namespace {

void append(Harness& h, const char* box, const char* subject) {
    REQUIRE(h.store->append(box, std::string("Subject: ") + subject + "\r\nFrom: a@b.test\r\n\r\nbody\r\n"));
}

}  // namespace

TEST_CASE("SEARCH RETURN (UPDATE): ADDTO after EXISTS, REMOVEFROM before EXPUNGE, CANCELUPDATE") {
    Harness h;
    h.login();
    append(h, "INBOX", "one");
    append(h, "INBOX", "two");
    h.feed("a SELECT INBOX\r\n");
    CHECK(h.feed("b UID SEARCH RETURN (UPDATE) UNDELETED\r\n") ==
          "* ESEARCH (TAG \"b\") UID ALL 1:2\r\nb OK SEARCH completed\r\n");
    CHECK(h.feed("b SEARCH RETURN (UPDATE) ALL\r\n") == "b BAD Tag reuse\r\n");
    append(h, "INBOX", "three");
    // Between commands, without NOTIFY: the context's updates go out at once.
    CHECK(wake(h) == "* 3 EXISTS\r\n* 3 RECENT\r\n* ESEARCH (TAG \"b\") UID ADDTO (0 3)\r\n");
    // A flag change makes a message leave; the expunge itself waits for a command.
    const std::uint32_t two[] = {2};
    REQUIRE(h.store->set_flags("INBOX", two, mr::storage::FlagOp::Add, mr::storage::kDeleted));
    CHECK(wake(h) == "* 2 FETCH (FLAGS (\\Deleted \\Recent))\r\n* ESEARCH (TAG \"b\") UID REMOVEFROM (0 2)\r\n");
    CHECK(h.feed("c SEARCH RETURN (COUNT UPDATE) DELETED\r\n") ==
          "* ESEARCH (TAG \"c\") COUNT 1\r\nc OK SEARCH completed\r\n");
    REQUIRE(h.store->expunge("INBOX"));
    CHECK(wake(h).empty());  // an EXPUNGE may not go out between commands
    CHECK(h.feed("d NOOP\r\n") == "* ESEARCH (TAG \"c\") REMOVEFROM (0 2)\r\n* 2 EXPUNGE\r\nd OK NOOP completed\r\n");
    CHECK(h.feed("e CANCELUPDATE \"b\" \"c\"\r\n") == "e OK CANCELUPDATE completed\r\n");
    CHECK(h.feed("f CANCELUPDATE \"b\"\r\n") == "f NO No update context has that tag\r\n");
    append(h, "INBOX", "four");
    CHECK(wake(h).empty());  // no context, no NOTIFY: nothing between commands
    CHECK(h.feed("g NOOP\r\n") == "* 3 EXISTS\r\n* 3 RECENT\r\ng OK NOOP completed\r\n");
}

// Warm: the same view sorted the same way first, so the UPDATE context starts from the
// sort cache's last answer; the members must keep their keys either way.
TEST_CASE("SORT RETURN (UPDATE): positions in sort order, cold and from the sort cache") {
    for (bool warm : {false, true}) {
        CAPTURE(warm);
        Harness h;
        h.login();
        append(h, "INBOX", "b");
        append(h, "INBOX", "d");
        h.feed("a SELECT INBOX\r\n");
        if (warm) CHECK(h.feed("p UID SORT (SUBJECT) UTF-8 ALL\r\n") == "* SORT 1 2\r\np OK SORT completed\r\n");
        CHECK(h.feed("s UID SORT RETURN (UPDATE) (SUBJECT) UTF-8 ALL\r\n") ==
              "* ESEARCH (TAG \"s\") UID ALL 1:2\r\ns OK SORT completed\r\n");
        append(h, "INBOX", "c");
        append(h, "INBOX", "a");
        CHECK(h.feed("n NOOP\r\n") ==
              "* 4 EXISTS\r\n* 4 RECENT\r\n* ESEARCH (TAG \"s\") UID ADDTO (1 4 3 3)\r\nn OK NOOP completed\r\n");
    }
}

TEST_CASE("too many update contexts: NOUPDATE, the search still answered") {
    Harness h;
    h.login();
    h.feed("a SELECT INBOX\r\n");
    for (int i = 0; i < 8; ++i) h.feed("t" + std::to_string(i) + " SEARCH RETURN (UPDATE) ALL\r\n");
    CHECK(h.feed("x SEARCH RETURN (COUNT UPDATE) ALL\r\n") ==
          "* NO [NOUPDATE \"x\"] Too many update contexts; this one is not kept\r\n"
          "* ESEARCH (TAG \"x\") COUNT 0\r\nx OK SEARCH completed\r\n");
    // Closing the mailbox ends them all.
    h.feed("u UNSELECT\r\n");
    h.feed("a2 SELECT INBOX\r\n");
    CHECK(h.feed("y SEARCH RETURN (UPDATE) ALL\r\n") == "* ESEARCH (TAG \"y\")\r\ny OK SEARCH completed\r\n");
}

TEST_CASE("NOTIFY SET STATUS: STATUS now and when other mailboxes change; NONE stops it") {
    Harness h;
    h.login();
    h.feed("c CREATE Lists\r\n");
    append(h, "Lists", "x");
    h.feed("a SELECT INBOX\r\n");
    const std::string set =
        h.feed("n NOTIFY SET STATUS (selected (MessageNew (UID) MessageExpunge)) (personal (MessageNew MessageExpunge))\r\n");
    CHECK(contains(set, "* STATUS \"Lists\" (MESSAGES 1 UIDNEXT 2 UIDVALIDITY "));
    CHECK_FALSE(contains(set, "HIGHESTMODSEQ"));
    CHECK_FALSE(contains(set, "* STATUS INBOX"));  // the selected mailbox is SELECTED's
    CHECK(contains(set, "n OK NOTIFY completed\r\n"));
    append(h, "Lists", "y");
    CHECK(wake(h) == "* STATUS \"Lists\" (MESSAGES 2 UIDNEXT 3)\r\n");
    append(h, "INBOX", "new");
    CHECK(wake(h) == "* 1 EXISTS\r\n* 1 RECENT\r\n* 1 FETCH (UID 1)\r\n");
    // SELECTED (not DELAYED): an expunge goes out at once.
    const std::uint32_t one[] = {1};
    REQUIRE(h.store->set_flags("INBOX", one, mr::storage::FlagOp::Add, mr::storage::kDeleted));
    REQUIRE(h.store->expunge("INBOX"));
    CHECK(wake(h) == "* 1 EXPUNGE\r\n");
    CHECK(h.feed("z NOTIFY NONE\r\n") == "z OK NOTIFY completed\r\n");
    append(h, "Lists", "z");
    CHECK(wake(h).empty());
}

TEST_CASE("NOTIFY: MailboxName and SubscriptionChange, not for the session's own changes") {
    Harness h;
    h.login();
    h.feed("n NOTIFY SET (personal (MailboxName SubscriptionChange))\r\n");
    REQUIRE(h.store->create_mailbox("Other"));
    CHECK(wake(h) == "* LIST (\\HasNoChildren) \"/\" \"Other\"\r\n");
    REQUIRE(h.store->subscribe("Other", true));
    CHECK(wake(h) == "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Other\"\r\n");
    REQUIRE(h.store->rename_mailbox("Other", "Renamed"));
    CHECK(wake(h) == "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Renamed\" (\"OLDNAME\" (\"Other\"))\r\n");
    REQUIRE(h.store->delete_mailbox("Renamed"));
    CHECK(wake(h) == "* LIST (\\NonExistent) \"/\" \"Renamed\"\r\n");
    // Its own CREATE is not told back (RFC 5465 §5).
    const std::string created = h.feed("c CREATE Mine\r\n");  // with its MAILBOXID (RFC 8474)
    CHECK(created.starts_with("c OK [MAILBOXID ("));
    CHECK(created.ends_with(")] CREATE completed\r\n"));
    CHECK(wake(h).empty());
}

TEST_CASE("NOTIFY: BADEVENT for events not reported") {
    Harness h;
    h.login();
    CHECK(h.feed("n NOTIFY SET (personal (MessageNew MessageExpunge AnnotationChange))\r\n") ==
          "n NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)] Event not supported\r\n");
    CHECK(h.feed("m NOTIFY SET (selected (MailboxName))\r\n").starts_with("m BAD "));
}
