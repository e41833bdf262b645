// A right AUTH over the per-(user, address) connection limit (the glue's ConnectionSlot
// refuses the login; common/net/connection_limits.hpp).
#include "common/text/sasl.hpp"
#include "session_driver.hpp"

using namespace mr::smtpd;
using namespace mr::smtpd::test;

TEST_CASE("an AUTH over the per-user-address limit is 454 4.7.0, not a failure") {
    SessionOptions o;
    o.role = Role::Submission;
    o.tls_available = true;
    o.tls_active = true;
    o.max_auth_failures = 2;
    Driver d(o);
    d.take();
    d.ehlo();
    d.login_limited = true;
    const std::string auth =
        "AUTH PLAIN " + mr::text::base64_encode(std::string("\0alice@example.test\0secret", 26)) + "\r\n";
    for (int i = 0; i < 4; ++i) {
        CHECK(d.send(auth) == "454 4.7.0 Too many connections for this user from this address\r\n");
    }
    CHECK_FALSE(d.closed);
    CHECK(d.delays.empty());
    CHECK(d.session.user().empty());
    CHECK(code(d.send("MAIL FROM:<alice@example.test>\r\n")) == 530);  // still not authenticated
    d.login_limited = false;
    CHECK(d.send(auth) == "235 2.7.0 Authentication successful\r\n");
}
