// Submission role: STARTTLS, AUTH PLAIN/LOGIN, sender ownership, relaying for users.
#include "common/text/sasl.hpp"
#include "session_driver.hpp"

using namespace mr::smtpd;
using namespace mr::smtpd::test;
using mr::text::base64_encode;

namespace {

SessionOptions submission(bool tls_active) {
    SessionOptions o;
    o.role = Role::Submission;
    o.tls_available = true;
    o.tls_active = tls_active;
    if (tls_active) {
        o.tls_version = "TLSv1.3";
        o.tls_cipher = "TLS_AES_128_GCM_SHA256";
    }
    return o;
}

std::string plain(std::string_view user, std::string_view password) {
    return base64_encode(std::string("\0", 1) + std::string(user) + std::string("\0", 1) + std::string(password));
}

Driver logged_in() {
    Driver d(submission(true));
    d.take();
    d.ehlo();
    REQUIRE(d.send("AUTH PLAIN " + plain("alice@example.test", "secret") + "\r\n") ==
            "235 2.7.0 Authentication successful\r\n");
    return d;
}

}  // namespace

TEST_CASE("submission before TLS: STARTTLS offered, AUTH and MAIL refused") {
    Driver d(submission(false));
    d.take();
    const std::string ehlo = d.send("EHLO c.example\r\n");
    CHECK(ehlo.find("250-STARTTLS") != std::string::npos);
    CHECK(ehlo.find("AUTH") == std::string::npos);
    CHECK(d.send("AUTH PLAIN " + plain("alice@example.test", "secret") + "\r\n") ==
          "530 5.7.0 Must issue a STARTTLS command first\r\n");
    CHECK(d.send("MAIL FROM:<alice@example.test>\r\n") == "530 5.7.0 Authentication required\r\n");
}

TEST_CASE("STARTTLS: pipelined plaintext is dropped and the session starts over") {
    Driver d(submission(false));
    d.take();
    d.ehlo();
    CHECK(d.send("STARTTLS\r\nMAIL FROM:<evil@x.example>\r\n") == "220 2.0.0 Ready to start TLS\r\n");
    CHECK(d.tls_started);
    CHECK(d.send("NOOP\r\n").empty());  // nothing until the handshake is done
    d.run(d.session.on_tls_ready("TLSv1.3", "TLS_AES_256_GCM_SHA384"));
    CHECK(d.take().empty());  // no new greeting (RFC 3207 §4.2)
    // EHLO was forgotten.
    CHECK(code(d.send("AUTH PLAIN " + plain("alice@example.test", "secret") + "\r\n")) == 503);
    const std::string ehlo = d.send("EHLO c.example\r\n");
    CHECK(ehlo.find("STARTTLS") == std::string::npos);
    CHECK(ehlo.find("250-AUTH PLAIN LOGIN") != std::string::npos);
    CHECK(d.send("STARTTLS\r\n") == "503 5.5.1 TLS already active\r\n");
    CHECK(d.send("AUTH PLAIN " + plain("alice@example.test", "secret") + "\r\n") ==
          "235 2.7.0 Authentication successful\r\n");
}

TEST_CASE("STARTTLS without a certificate or with an argument") {
    SessionOptions o;
    Driver d(o);
    d.take();
    d.ehlo();
    CHECK(d.send("STARTTLS\r\n") == "454 4.7.0 TLS not available\r\n");
    CHECK(code(d.send("STARTTLS now\r\n")) == 501);
}

TEST_CASE("plaintext AUTH on loopback when allowed") {
    SessionOptions o = submission(false);
    o.plaintext_auth_allowed = true;
    Driver d(o);
    d.take();
    CHECK(d.send("EHLO c.example\r\n").find("AUTH PLAIN LOGIN") != std::string::npos);
    CHECK(code(d.send("AUTH PLAIN " + plain("alice@example.test", "secret") + "\r\n")) == 235);
}

TEST_CASE("AUTH on the inbound port is not available") {
    Driver d;
    d.take();
    d.ehlo();
    CHECK(code(d.send("AUTH PLAIN " + plain("alice@example.test", "secret") + "\r\n")) == 502);
}

TEST_CASE("AUTH PLAIN with a challenge, and AUTH LOGIN") {
    Driver d(submission(true));
    d.take();
    d.ehlo();
    CHECK(d.send("AUTH PLAIN\r\n") == "334 \r\n");
    CHECK(d.send(plain("alice@example.test", "secret") + "\r\n") == "235 2.7.0 Authentication successful\r\n");
    CHECK(code(d.send("AUTH PLAIN\r\n")) == 503);  // once per session
    Driver e(submission(true));
    e.take();
    e.ehlo();
    CHECK(e.send("AUTH LOGIN\r\n") == "334 VXNlcm5hbWU6\r\n");
    CHECK(e.send(base64_encode("alice@example.test") + "\r\n") == "334 UGFzc3dvcmQ6\r\n");
    CHECK(e.send(base64_encode("secret") + "\r\n") == "235 2.7.0 Authentication successful\r\n");
    CHECK(e.session.user() == "alice@example.test");
}

TEST_CASE("AUTH errors: mechanism, abort, bad base64, overlong line, inside a transaction") {
    Driver d(submission(true));
    d.take();
    d.ehlo();
    CHECK(d.send("AUTH CRAM-MD5\r\n") == "504 5.5.4 Unrecognized authentication type\r\n");
    CHECK(code(d.send("AUTH\r\n")) == 501);
    d.send("AUTH LOGIN\r\n");
    CHECK(d.send("*\r\n") == "501 5.7.0 Authentication aborted\r\n");
    d.send("AUTH PLAIN\r\n");
    CHECK(d.send("not base64!\r\n") == "501 5.5.2 Cannot decode the authentication response\r\n");
    d.send("AUTH PLAIN\r\n");
    CHECK(d.send(std::string(13000, 'A') + "\r\n") == "500 5.5.6 Authentication exchange line is too long\r\n");
    // Back in command mode.
    CHECK(d.send("NOOP\r\n") == "250 2.0.0 OK\r\n");
    Driver e = logged_in();
    CHECK(code(e.send("MAIL FROM:<alice@example.test>\r\n")) == 250);
}

TEST_CASE("bad credentials: 535 5.7.8 after a counted failure, hang-up after the limit") {
    SessionOptions o = submission(true);
    o.max_auth_failures = 3;
    Driver d(o);
    d.take();
    d.ehlo();
    CHECK(d.send("AUTH PLAIN " + plain("alice@example.test", "wrong") + "\r\n") ==
          "535 5.7.8 Authentication credentials invalid\r\n");
    CHECK(d.send("AUTH PLAIN " + plain("nobody@example.test", "secret") + "\r\n") ==
          "535 5.7.8 Authentication credentials invalid\r\n");
    CHECK(d.send("AUTH PLAIN " + plain("alice@example.test", "wrong") + "\r\n") ==
          "535 5.7.8 Authentication credentials invalid\r\n421 4.7.0 mx.example.test Too many authentication failures\r\n");
    CHECK(d.closed);
    // The glue counts each one and computes the delay (common/text/login_policy.hpp).
    CHECK(d.failed_logins ==
          std::vector<std::string>{"alice@example.test", "nobody@example.test", "alice@example.test"});
    CHECK(d.delays.empty());
    // Another identity than the login is refused.
    Driver e(submission(true));
    e.take();
    e.ehlo();
    CHECK(code(e.send("AUTH PLAIN " + base64_encode(std::string("bob@example.test\0alice@example.test\0secret", 42)) +
                      "\r\n")) == 535);
    CHECK(e.failed_logins == std::vector<std::string>{"alice@example.test"});
}

TEST_CASE("a busy password checker: 454 4.7.0, no failure counted, no delay, no hang-up") {
    SessionOptions o = submission(true);
    o.max_auth_failures = 2;
    Driver d(o);
    d.take();
    d.ehlo();
    d.checker_busy = true;
    for (int i = 0; i < 4; ++i) {
        CHECK(d.send("AUTH PLAIN " + plain("alice@example.test", "secret") + "\r\n") ==
              "454 4.7.0 Temporary authentication failure\r\n");
    }
    CHECK_FALSE(d.closed);
    CHECK(d.failed_logins.empty());
    CHECK(d.session.user().empty());
    CHECK(code(d.send("MAIL FROM:<alice@example.test>\r\n")) == 530);  // still not authenticated
    d.checker_busy = false;
    CHECK(d.send("AUTH PLAIN " + plain("alice@example.test", "secret") + "\r\n") ==
          "235 2.7.0 Authentication successful\r\n");
}

TEST_CASE("senders: own address and aliases only") {
    Driver d = logged_in();
    CHECK(d.send("MAIL FROM:<bob@example.test>\r\n") ==
          "553 5.7.1 Sender address <bob@example.test> not owned by user alice@example.test\r\n");
    CHECK(code(d.send("MAIL FROM:<>\r\n")) == 553);
    CHECK(code(d.send("MAIL FROM:<sales@example.test>\r\n")) == 250);
    CHECK(code(d.send("RSET\r\n")) == 250);
    CHECK(code(d.send("MAIL FROM:<alice@example.test>\r\n")) == 250);
}

TEST_CASE("an authenticated user may send anywhere; the trace says who") {
    Driver d = logged_in();
    d.send("MAIL FROM:<alice@example.test>\r\n");
    CHECK(d.send("RCPT TO:<friend@remote.example>\r\n") == "250 2.1.5 Recipient OK\r\n");
    CHECK(code(d.send("RCPT TO:<nobody@example.test>\r\n")) == 550);
    CHECK(code(d.send("DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n")) == 354);
    REQUIRE(d.queued.size() == 1);
    const Enqueue& q = d.queued[0];
    CHECK(q.submission);
    CHECK(q.trace.user == "alice@example.test");
    CHECK(q.trace.tls_version == "TLSv1.3");
    CHECK(q.envelope.recipients.size() == 1);
    CHECK(q.envelope.recipients[0].address == "friend@remote.example");
}
