// Changes made by someone else (another session, POP3, a delivery: here the store
// directly) reach the session at NOOP/CHECK and during IDLE.
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
    CHECK(h.feed("c NOOP\r\n") == "* 3 EXISTS\r\nc OK NOOP completed\r\n");
    const std::uint32_t one[] = {1};
    REQUIRE(h.store->set_flags("INBOX", one, mr::storage::FlagOp::Add, mr::storage::kDeleted));
    CHECK(h.feed("d CHECK\r\n") == "* 1 FETCH (FLAGS (\\Deleted))\r\nd OK CHECK completed\r\n");
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
    CHECK(h.out == "* 1 EXISTS\r\n");
    CHECK(h.feed("DONE\r\n") == "b OK IDLE terminated\r\n");
}
