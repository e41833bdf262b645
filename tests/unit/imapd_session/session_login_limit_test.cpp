// A right password over the per-(user, address) connection limit (the glue's
// ConnectionSlot refuses the login; common/net/connection_limits.hpp).
#include <doctest/doctest.h>

#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

TEST_CASE("a login over the per-user-address limit is NO [LIMIT], not a failure") {
    Harness h;
    h.login_limited = true;
    for (int i = 0; i < 5; ++i) {  // more than max_failures: none counts
        CHECK(h.login() == "l1 NO [LIMIT] Too many connections for this user from this address\r\n");
    }
    CHECK(h.auth_failures == 0);
    CHECK(h.last_delay == std::chrono::milliseconds(0));
    CHECK_FALSE(h.closed);
    CHECK(h.logged_in.empty());
    CHECK(contains(h.feed("s SELECT INBOX\r\n"), "s BAD"));  // still not authenticated
    // A wrong password is still an authentication failure.
    CHECK(contains(h.feed("l2 LOGIN alice@example.test wrong\r\n"), "l2 NO [AUTHENTICATIONFAILED]"));
    h.login_limited = false;  // one of the user's other connections has ended
    CHECK(contains(h.login(), "l1 OK"));
    CHECK(h.logged_in == "alice@example.test");
}
