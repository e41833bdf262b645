// The session before login and in any state: greeting, CAPABILITY, NOOP, LOGOUT,
// STARTTLS, LOGIN, AUTHENTICATE (PLAIN/LOGIN, SASL-IR), failures and bad input.
#include <doctest/doctest.h>

#include "common/text/sasl.hpp"
#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

TEST_CASE("greeting carries the capabilities; LOGINDISABLED without TLS unless allowed") {
    Harness plain;
    CHECK(plain.sent.rfind("* OK [CAPABILITY IMAP4rev1 ", 0) == 0);
    CHECK(contains(plain.sent, " STARTTLS"));
    CHECK(contains(plain.sent, "AUTH=PLAIN AUTH=LOGIN"));
    CHECK(contains(plain.sent, "IDLE") );
    CHECK(contains(plain.sent, "UIDPLUS"));

    SessionOptions strict = plaintext_options();
    strict.insecure_auth_allowed = false;
    Harness h(strict);
    CHECK(contains(h.sent, "LOGINDISABLED"));
    CHECK_FALSE(contains(h.sent, "AUTH=PLAIN"));
    CHECK(contains(h.feed("a LOGIN alice@example.test secret\r\n"), "a NO [PRIVACYREQUIRED]"));
    CHECK(contains(h.feed("b AUTHENTICATE PLAIN\r\n"), "b NO [PRIVACYREQUIRED]"));
    CHECK(h.password_checks == 0);

    SessionOptions tls = strict;
    tls.tls_active = true;
    Harness t(tls);
    CHECK_FALSE(contains(t.sent, "LOGINDISABLED"));
    CHECK_FALSE(contains(t.sent, "STARTTLS"));
    CHECK(contains(t.sent, "AUTH=PLAIN"));
}

TEST_CASE("CAPABILITY, NOOP, LOGOUT in any state") {
    Harness h;
    std::string r = h.feed("a1 CAPABILITY\r\n");
    CHECK(contains(r, "* CAPABILITY IMAP4rev1"));
    CHECK(contains(r, "a1 OK CAPABILITY completed\r\n"));
    CHECK(h.feed("a2 noop\r\n") == "a2 OK NOOP completed\r\n");
    h.login();
    CHECK(h.feed("a3 NOOP\r\n") == "a3 OK NOOP completed\r\n");
    // After login neither STARTTLS nor AUTH= are offered.
    r = h.feed("a4 CAPABILITY\r\n");
    CHECK_FALSE(contains(r, "STARTTLS"));
    CHECK_FALSE(contains(r, "AUTH="));
    r = h.feed("a5 LOGOUT\r\nafter NOOP\r\n");
    CHECK(r == "* BYE imap.test logging out\r\na5 OK LOGOUT completed\r\n");
    CHECK(h.closed);
}

TEST_CASE("STARTTLS: OK then the StartTls action; buffered input is dropped") {
    Harness h;
    std::string r = h.feed("s1 STARTTLS\r\ns2 LOGIN alice@example.test secret\r\n");
    CHECK(r == "s1 OK Begin TLS negotiation now\r\n");
    CHECK(h.starttls);
    CHECK(h.password_checks == 0);  // the pipelined LOGIN was not acted on
    h.process(h.session.on_tls_ready());
    CHECK(contains(h.feed("s3 STARTTLS\r\n"), "s3 BAD"));
    CHECK(contains(h.feed("s4 CAPABILITY\r\n"), "AUTH=PLAIN"));

    SessionOptions none = plaintext_options();
    none.tls_available = false;
    Harness n(none);
    CHECK(contains(n.feed("s1 STARTTLS\r\n"), "s1 NO"));
}

TEST_CASE("LOGIN: success, failure with the same answer, counted, and hang-up") {
    Harness h;
    std::string r = h.feed("a LOGIN nobody@example.test secret\r\n");
    CHECK(r == "a NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
    r = h.feed("b LOGIN alice@example.test wrong\r\n");
    CHECK(r == "b NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
    CHECK(h.auth_failures == 2);
    // The glue counts each one and computes the delay (common/text/login_policy.hpp).
    CHECK(h.failed_users == std::vector<std::string>{"nobody@example.test", "alice@example.test"});
    CHECK(h.last_delay == std::chrono::milliseconds(0));
    r = h.feed("c LOGIN alice@example.test wrong\r\n");
    CHECK(contains(r, "c NO [AUTHENTICATIONFAILED]"));
    CHECK(contains(r, "* BYE"));
    CHECK(h.closed);

    Harness ok;
    r = ok.feed("d LOGIN \"alice@example.test\" {6+}\r\nsecret\r\n");
    CHECK(contains(r, "d OK [CAPABILITY IMAP4rev1"));
    CHECK(ok.logged_in == "alice@example.test");
    CHECK(ok.session.state_name() == "authenticated");
    CHECK(contains(ok.feed("e LOGIN alice@example.test secret\r\n"), "e BAD"));
}

TEST_CASE("a directory failure is not an authentication failure") {
    Harness h;
    h.directory_down = true;
    CHECK(contains(h.login(), "l1 NO [UNAVAILABLE]"));
    CHECK(h.auth_failures == 0);
}

TEST_CASE("a busy password checker is a temporary failure, not an authentication failure") {
    Harness h;
    h.checker_busy = true;
    // More refusals than max_failures: none counts, none is delayed, the connection stays.
    for (int i = 0; i < 5; ++i) {
        CHECK(h.login() == "l1 NO [UNAVAILABLE] Server busy, try again later\r\n");
    }
    CHECK(h.auth_failures == 0);
    CHECK(h.last_delay == std::chrono::milliseconds(0));
    CHECK_FALSE(h.closed);
    CHECK(contains(h.feed("n NOOP\r\n"), "n OK"));  // still not authenticated, still usable
    CHECK(contains(h.feed("s SELECT INBOX\r\n"), "s BAD"));
    h.checker_busy = false;
    CHECK(contains(h.login(), "l1 OK"));
    CHECK(h.logged_in == "alice@example.test");
}

TEST_CASE("AUTHENTICATE PLAIN with SASL-IR and with a challenge; LOGIN; cancel") {
    const std::string plain = mr::text::base64_encode(std::string("\0alice@example.test\0secret", 26));
    Harness ir;
    CHECK(contains(ir.feed("a AUTHENTICATE PLAIN " + plain + "\r\n"), "a OK"));
    CHECK(ir.logged_in == "alice@example.test");

    Harness ch;
    CHECK(ch.feed("b AUTHENTICATE PLAIN\r\n") == "+ \r\n");
    CHECK(contains(ch.feed(plain + "\r\n"), "b OK"));

    Harness login;
    CHECK(login.feed("c AUTHENTICATE LOGIN\r\n").rfind("+ ", 0) == 0);
    CHECK(login.feed(mr::text::base64_encode("alice@example.test") + "\r\n").rfind("+ ", 0) == 0);
    CHECK(contains(login.feed(mr::text::base64_encode("secret") + "\r\n"), "c OK"));

    Harness cancel;
    cancel.feed("d AUTHENTICATE PLAIN\r\n");
    CHECK(cancel.feed("*\r\n") == "d BAD AUTHENTICATE cancelled\r\n");
    CHECK(contains(cancel.feed("e NOOP\r\n"), "e OK"));

    Harness garbage;
    garbage.feed("f AUTHENTICATE PLAIN\r\n");
    CHECK(contains(garbage.feed("!!!notbase64\r\n"), "f BAD"));

    Harness unknown;
    CHECK(contains(unknown.feed("g AUTHENTICATE CRAM-MD5\r\n"), "g NO"));

    Harness wrong;
    const std::string bad = mr::text::base64_encode(std::string("\0alice@example.test\0nope", 24));
    CHECK(contains(wrong.feed("h AUTHENTICATE PLAIN " + bad + "\r\n"), "h NO [AUTHENTICATIONFAILED]"));
}

TEST_CASE("commands outside their state, unknown commands and garbage get BAD and the session goes on") {
    Harness h;
    CHECK(contains(h.feed("a SELECT INBOX\r\n"), "a BAD"));
    CHECK(contains(h.feed("b FROBNICATE\r\n"), "b BAD"));
    CHECK(contains(h.feed("\x01\x02garbage\r\n"), "BAD"));
    CHECK(contains(h.feed("c APPEND INBOX {10}\r\n"), "c NO"));  // no literal before login
    CHECK(contains(h.feed("d NOOP\r\n"), "d OK"));
    h.login();
    CHECK(contains(h.feed("e FETCH 1 FLAGS\r\n"), "e BAD"));  // no mailbox selected
    CHECK(contains(h.feed("f LOGIN a b\r\n"), "f BAD"));
    CHECK_FALSE(h.closed);
}

TEST_CASE("an overlong line and an oversized literal are refused; the session goes on") {
    Harness h;
    h.login();
    std::string r = h.feed("x1 NOOP " + std::string(70'000, 'a') + "\r\n");
    CHECK(contains(r, "BAD"));
    CHECK(contains(h.feed("x2 NOOP\r\n"), "x2 OK"));
    // Synchronising: refused before the bytes are sent (max_message_size is 4096 here).
    r = h.feed("x3 APPEND INBOX {100000}\r\n");
    CHECK(contains(r, "x3 NO"));
    CHECK_FALSE(contains(r, "+ "));
    // Non-synchronising: drained, then refused.
    r = h.feed("x4 APPEND INBOX {5000+}\r\n" + std::string(5000, 'z') + "\r\n");
    CHECK(contains(r, "x4 BAD [TOOBIG]"));
    CHECK(contains(h.feed("x5 NOOP\r\n"), "x5 OK"));
}

TEST_CASE("too many bad commands in a row end the session") {
    Harness h;
    std::string r;
    for (int i = 0; i < 60 && !h.closed; ++i) r += h.feed("z" + std::to_string(i) + " BOGUS\r\n");
    CHECK(h.closed);
    CHECK(contains(r, "* BYE Too many errors"));
}

TEST_CASE("timeout says BYE and closes") {
    Harness h;
    h.process(h.session.on_timeout());
    CHECK(contains(h.sent, "* BYE Autologout"));
    CHECK(h.closed);
}

TEST_CASE("ID, ENABLE, NAMESPACE, IDLE") {
    Harness h;
    CHECK(contains(h.feed("a ID (\"name\" \"test\")\r\n"), "* ID (\"name\" \"mailroom\""));
    h.login();
    CHECK(h.feed("b ENABLE FOO\r\n") == "* ENABLED\r\nb OK ENABLE completed\r\n");
    CHECK(h.feed("c NAMESPACE\r\n") == "* NAMESPACE ((\"\" \"/\")) NIL ((\"Shared/\" \"/\"))\r\nc OK NAMESPACE completed\r\n");
    CHECK(h.feed("d IDLE\r\n") == "+ idling\r\n");
    CHECK(h.feed("done\r\n") == "d OK IDLE terminated\r\n");
    h.feed("e IDLE\r\n");
    CHECK(contains(h.feed("nope\r\n"), "e BAD"));
}
