// The POP3 core in AUTHORIZATION: USER/PASS, AUTH PLAIN/LOGIN, STLS, failures and codes.
#include <doctest/doctest.h>

#include "common/text/sasl.hpp"
#include "tests/unit/pop3d/session_helpers.hpp"

using namespace pop3d_test;
using mr::text::base64_encode;
using namespace std::chrono_literals;

namespace {

SessionOptions tls_required() {
    SessionOptions o = loopback_options();
    o.insecure_auth_allowed = false;
    return o;
}

}  // namespace

TEST_CASE("auth: plaintext login is refused without TLS unless allowed") {
    Session s(tls_required());
    s.start();
    const std::string refused = "-ERR [AUTH] Plaintext authentication disallowed without TLS, use STLS\r\n";
    CHECK(sent(s.on_line("USER alice")) == refused);
    CHECK(sent(s.on_line("PASS x")) == refused);
    CHECK(sent(s.on_line("AUTH PLAIN AGFsaWNlAHg=")) == refused);
    CHECK(sent(s.on_line("AUTH")) == "+OK Supported mechanisms follow\r\nPLAIN\r\nLOGIN\r\n.\r\n");
}

TEST_CASE("auth: implicit TLS allows login") {
    SessionOptions o = tls_required();
    o.tls_active = true;
    o.tls_available = false;
    Session s(o);
    s.start();
    CHECK(sent(s.on_line("USER alice")) == "+OK Send PASS\r\n");
    CHECK(sent(s.on_line("STLS")) == "-ERR Already using TLS\r\n");
}

TEST_CASE("auth: STLS") {
    Session s(tls_required());
    s.start();
    CHECK(is_err(s.on_line("STLS now")));
    auto a = s.on_line("STLS");
    CHECK(sent(a) == "+OK Begin TLS negotiation\r\n");
    CHECK(has<StartTls>(a));
    CHECK(s.on_tls_ready().empty());  // RFC 2595: no new greeting
    CHECK(s.tls_active());
    CHECK(is_ok(s.on_line("USER alice")));
    CHECK(sent(s.on_line("STLS")) == "-ERR Already using TLS\r\n");

    SessionOptions o = tls_required();
    o.tls_available = false;
    Session plain(o);
    plain.start();
    CHECK(sent(plain.on_line("STLS")) == "-ERR STLS not available\r\n");
}

TEST_CASE("auth: STLS forgets USER given before it") {
    Session s(loopback_options());
    s.start();
    s.on_line("USER alice");
    s.on_line("STLS");
    s.on_tls_ready();
    CHECK(sent(s.on_line("PASS x")) == "-ERR Send USER first\r\n");
}

TEST_CASE("auth: PASS only right after USER") {
    Session s(loopback_options());
    s.start();
    CHECK(sent(s.on_line("PASS x")) == "-ERR Send USER first\r\n");
    CHECK(is_err(s.on_line("USER")));
    CHECK(is_err(s.on_line("USER a b")));
    s.on_line("USER alice");
    s.on_line("NOOP");
    CHECK(sent(s.on_line("PASS x")) == "-ERR Send USER first\r\n");
    s.on_line("USER alice");
    CHECK(is_err(s.on_line("PASS")));
    s.on_line("USER alice");
    s.on_line("USER bob");  // the last USER counts
    auto a = s.on_line("PASS x");
    REQUIRE(find<VerifyPassword>(a));
    CHECK(find<VerifyPassword>(a)->user == "bob");
}

TEST_CASE("auth: bad credentials get one reply, each counted, then a hang-up") {
    Session s(loopback_options());
    s.start();
    for (int i = 0; i < 3; ++i) {
        const std::string user = i % 2 ? "nobody@example.test" : "alice@example.test";
        s.on_line("USER " + user);
        s.on_line("PASS wrong");
        auto a = s.on_password_checked(false);
        REQUIRE(find<AuthFailed>(a));
        CHECK(find<AuthFailed>(a)->user == user);
        CHECK_FALSE(has<Delay>(a));  // the glue's delay follows the policy (login_policy.hpp)
        CHECK(sent(a) == "-ERR [AUTH] Invalid user name or password\r\n");
        CHECK(has<Close>(a) == (i == 2));
    }
    // AuthFailed comes before the reply, so the client waits for the glue's delay.
    Session t(loopback_options());
    t.start();
    t.on_line("USER a");
    t.on_line("PASS b");
    auto a = t.on_password_checked(false);
    REQUIRE(a.size() >= 2);
    CHECK(std::holds_alternative<AuthFailed>(a[0]));
    CHECK(std::holds_alternative<Send>(a[1]));
}

TEST_CASE("auth: store trouble is [SYS/TEMP], not a failed login") {
    Session s(loopback_options());
    s.start();
    s.on_line("USER a");
    s.on_line("PASS b");
    auto a = s.on_password_checked(mr::Error::internal("db locked"));
    CHECK(sent(a) == "-ERR [SYS/TEMP] Authentication temporarily unavailable\r\n");
    CHECK_FALSE(has<AuthFailed>(a));
    CHECK_FALSE(s.busy());

    s.on_line("USER a");
    s.on_line("PASS b");
    s.on_password_checked(true);
    a = s.on_maildrop(mr::Error::internal("index"));
    CHECK(sent(a) == "-ERR [SYS/TEMP] Cannot open the maildrop, try again later\r\n");
    CHECK(s.state_name() == "authorization");
}

TEST_CASE("auth: a busy password checker is [SYS/TEMP], not a failed login") {
    Session s(loopback_options());
    s.start();
    // More refusals than max_failures: none counts, none is delayed, none hangs up.
    for (int i = 0; i < 5; ++i) {
        s.on_line("USER alice@example.test");
        s.on_line("PASS secret");
        CHECK(s.busy());
        auto a = s.on_password_busy();
        CHECK(sent(a) == "-ERR [SYS/TEMP] Server busy, try again later\r\n");
        CHECK_FALSE(has<AuthFailed>(a));
        CHECK_FALSE(has<Delay>(a));
        CHECK_FALSE(has<Close>(a));
        CHECK_FALSE(s.busy());
        CHECK(s.state_name() == "authorization");
    }
    login(s);  // and once the checker has room, the same credentials work
}

TEST_CASE("auth: [IN-USE] leaves the session in AUTHORIZATION") {
    Session s(loopback_options());
    s.start();
    s.on_line("USER a");
    s.on_line("PASS b");
    s.on_password_checked(true);
    auto a = s.on_maildrop(mr::Error::refused("locked"));
    CHECK(sent(a) == "-ERR [IN-USE] Maildrop already locked by another POP3 session\r\n");
    CHECK(s.state_name() == "authorization");
    login(s);  // later it works
}

TEST_CASE("auth: APOP is not offered, QUIT in AUTHORIZATION") {
    Session s(loopback_options());
    s.start();
    CHECK(sent(s.on_line("APOP a 0123")) == "-ERR APOP not supported\r\n");
    auto a = s.on_line("QUIT");
    CHECK(sent(a) == "+OK mx.test POP3 server signing off\r\n");
    CHECK(has<Close>(a));
    CHECK_FALSE(has<Expunge>(a));
}

TEST_CASE("auth: AUTH PLAIN with an initial response (RFC 5034)") {
    Session s(loopback_options());
    s.start();
    auto a = s.on_line("AUTH PLAIN " + base64_encode(std::string("\0alice\0pw word", 14)));
    const auto* v = find<VerifyPassword>(a);
    REQUIRE(v);
    CHECK(v->user == "alice");
    CHECK(v->password == "pw word");
    CHECK(s.busy());
    s.on_password_checked(true);
    CHECK(is_ok(s.on_maildrop(three_messages())));
}

TEST_CASE("auth: AUTH PLAIN after an empty challenge") {
    Session s(loopback_options());
    s.start();
    CHECK(sent(s.on_line("AUTH plain")) == "+ \r\n");
    // Inside the exchange a line is a SASL response, even if it looks like a command.
    auto a = s.on_line(base64_encode(std::string("\0bob\0pw", 7)));
    REQUIRE(find<VerifyPassword>(a));
    CHECK(find<VerifyPassword>(a)->user == "bob");
}

TEST_CASE("auth: AUTH LOGIN") {
    Session s(loopback_options());
    s.start();
    auto a = s.on_line("AUTH LOGIN");
    CHECK(sent(a) == "+ " + base64_encode("Username:") + "\r\n");
    a = s.on_line(base64_encode("carol"));
    CHECK(sent(a) == "+ " + base64_encode("Password:") + "\r\n");
    a = s.on_line(base64_encode("secret"));
    REQUIRE(find<VerifyPassword>(a));
    CHECK(find<VerifyPassword>(a)->user == "carol");
    CHECK(find<VerifyPassword>(a)->password == "secret");
}

TEST_CASE("auth: AUTH errors") {
    Session s(loopback_options());
    s.start();
    CHECK(sent(s.on_line("AUTH CRAM-MD5")) == "-ERR Unsupported authentication mechanism\r\n");
    CHECK(is_err(s.on_line("AUTH PLAIN a b")));
    s.on_line("AUTH PLAIN");
    CHECK(sent(s.on_line("*")) == "-ERR Authentication aborted\r\n");
    s.on_line("AUTH PLAIN");
    CHECK(sent(s.on_line("not base64!")) == "-ERR Malformed authentication exchange\r\n");
    s.on_line("AUTH LOGIN");
    CHECK(sent(s.on_line_too_long()) == "-ERR Line too long, authentication aborted\r\n");
    CHECK(sent(s.on_line("NOOP")) == "-ERR Command not valid in AUTHORIZATION state\r\n");
    // Another authorization identity is a failed login.
    auto a = s.on_line("AUTH PLAIN " + base64_encode(std::string("admin\0alice\0pw", 14)));
    CHECK(has<AuthFailed>(a));
    CHECK(sent(a) == "-ERR [AUTH] Invalid user name or password\r\n");
    // A SASL response may be longer than a command line.
    s.on_line("AUTH PLAIN");
    a = s.on_line(base64_encode(std::string("\0alice\0", 7) + std::string(300, 'p')));
    CHECK(has<VerifyPassword>(a));
}
