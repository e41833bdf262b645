// The command layer of the SMTP session: greeting, EHLO, small commands, sequencing,
// limits, pipelining.
#include "session_driver.hpp"

using namespace mr::smtpd;
using namespace mr::smtpd::test;

TEST_CASE("greeting and EHLO capabilities") {
    SessionOptions o;
    o.tls_available = true;
    o.max_message_size = 12345;
    Driver d(o);
    CHECK(d.take() == "220 mx.example.test ESMTP mailroom\r\n");
    const std::string ehlo = d.send("EHLO client.example\r\n");
    CHECK(ehlo ==
          "250-mx.example.test Hello client.example [127.0.0.1]\r\n"
          "250-PIPELINING\r\n250-SIZE 12345\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
          "250-SMTPUTF8\r\n250-CHUNKING\r\n250-DSN\r\n250-STARTTLS\r\n250 HELP\r\n");
    CHECK(ehlo.find("AUTH") == std::string::npos);  // inbound role: never AUTH
}

TEST_CASE("HELO, NOOP, RSET, VRFY, EXPN, HELP, QUIT") {
    Driver d;
    d.take();
    CHECK(d.send("HELO client.example\r\n") == "250 mx.example.test\r\n");
    CHECK(d.send("NOOP whatever\r\n") == "250 2.0.0 OK\r\n");
    CHECK(d.send("RSET\r\n") == "250 2.0.0 OK\r\n");
    CHECK(code(d.send("RSET now\r\n")) == 501);
    CHECK(d.send("VRFY alice\r\n").substr(0, 10) == "252 2.5.0 ");
    CHECK(code(d.send("VRFY\r\n")) == 501);
    CHECK(code(d.send("EXPN list\r\n")) == 502);
    CHECK(code(d.send("HELP\r\n")) == 214);
    CHECK(d.send("QUIT\r\n") == "221 2.0.0 mx.example.test Bye\r\n");
    CHECK(d.closed);
    CHECK(d.send("NOOP\r\n").empty());  // nothing after QUIT
}

TEST_CASE("EHLO argument is required and checked") {
    Driver d;
    d.take();
    CHECK(d.send("EHLO\r\n") == "501 5.5.4 Syntax: EHLO hostname\r\n");
    CHECK(d.send("EHLO bad name\r\n") == "501 5.5.4 Invalid domain name\r\n");
    CHECK(d.send("EHLO (x)\r\n") == "501 5.5.4 Invalid domain name\r\n");
    CHECK(code(d.send("EHLO [192.0.2.1]\r\n")) == 250);
}

TEST_CASE("bad sequence is 503, unknown is 500, overlong is 500") {
    Driver d;
    d.take();
    CHECK(d.send("MAIL FROM:<a@b.example>\r\n") == "503 5.5.1 Send EHLO or HELO first\r\n");
    d.ehlo();
    CHECK(d.send("RCPT TO:<alice@example.test>\r\n") == "503 5.5.1 Need MAIL command\r\n");
    CHECK(d.send("DATA\r\n") == "503 5.5.1 Need MAIL command\r\n");
    CHECK(d.send("MAIL FROM:<a@b.example>\r\n") == "250 2.1.0 Sender OK\r\n");
    CHECK(d.send("MAIL FROM:<a@b.example>\r\n") == "503 5.5.1 Nested MAIL command\r\n");
    CHECK(d.send("DATA\r\n") == "554 5.5.1 No valid recipients\r\n");
    CHECK(d.send("FOO\r\n") == "500 5.5.1 Command unrecognized\r\n");
    CHECK(d.send("\r\n") == "500 5.5.2 Empty command\r\n");
    CHECK(d.send("NOOP " + std::string(3000, 'x') + "\r\n") == "500 5.5.2 Line too long\r\n");
    CHECK(d.send("NOOP " + std::string(20000, 'x') + "\r\n") == "500 5.5.2 Line too long\r\n");
    CHECK(d.send("NOOP a\rb\r\n") == "500 5.5.2 Bare CR in command line\r\n");
    // The session is still usable and the transaction survived the errors.
    CHECK(d.send("RCPT TO:<alice@example.test>\r\n") == "250 2.1.5 Recipient OK\r\n");
    // Errors are logged, one event each.
    CHECK(d.events.size() >= 8);
    CHECK(d.events.front().event == "smtp_error");
}

TEST_CASE("commands may end with a bare LF") {
    Driver d;
    d.take();
    CHECK(d.send("EHLO x.example\nNOOP\n").find("250 2.0.0 OK\r\n") != std::string::npos);
}

TEST_CASE("too many errors: 421 and hang up") {
    SessionOptions o;
    o.max_errors = 3;
    Driver d(o);
    d.take();
    d.send("X1\r\n");
    d.send("X2\r\n");
    const std::string last = d.send("X3\r\nNOOP\r\n");
    CHECK(last == "500 5.5.1 Command unrecognized\r\n421 4.7.0 mx.example.test Too many errors, closing connection\r\n");
    CHECK(d.closed);
}

TEST_CASE("too many commands without a transaction: 421") {
    SessionOptions o;
    o.max_commands_without_transaction = 3;
    Driver d(o);
    d.take();
    d.send("NOOP\r\nNOOP\r\nNOOP\r\n");
    CHECK(d.send("NOOP\r\n") == "421 4.7.0 mx.example.test Too many commands without a transaction\r\n");
    CHECK(d.closed);
}

TEST_CASE("a transaction resets the junk counter") {
    SessionOptions o;
    o.max_commands_without_transaction = 3;
    Driver d(o);
    d.take();
    d.send("EHLO a.example\r\nNOOP\r\n");
    CHECK(d.send("MAIL FROM:<a@b.example>\r\n") == "250 2.1.0 Sender OK\r\n");
    CHECK(d.send("NOOP\r\nNOOP\r\nNOOP\r\n") == "250 2.0.0 OK\r\n250 2.0.0 OK\r\n250 2.0.0 OK\r\n");
    CHECK_FALSE(d.closed);
}

TEST_CASE("HTTP request: refused and closed") {
    Driver d;
    d.take();
    CHECK(d.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n") == "500 5.5.1 This is an SMTP server\r\n");
    CHECK(d.closed);
}

TEST_CASE("timeout and shutdown answer 421") {
    Driver d;
    d.take();
    d.run(d.session.on_timeout());
    CHECK(d.take() == "421 4.4.2 mx.example.test Timeout exceeded, closing connection\r\n");
    CHECK(d.closed);
    Driver e;
    e.take();
    e.run(e.session.on_shutdown());
    CHECK(code(e.take()) == 421);
}

TEST_CASE("pipelining: one write, replies in order, same result byte by byte") {
    const std::string batch =
        "EHLO c.example\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.test>\r\n"
        "RCPT TO:<nobody@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
        "Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n";
    Driver a;
    a.take();
    const std::string whole = a.send(batch);
    Driver b;
    b.take();
    const std::string trickled = b.trickle(batch);
    CHECK(whole == trickled);
    CHECK(whole.find("250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n550 5.1.1 <nobody@example.test>: no such "
                     "user here\r\n250 2.1.5 Recipient OK\r\n354 ") != std::string::npos);
    CHECK(whole.find("250 2.0.0 OK queued as qid1\r\n221 2.0.0") != std::string::npos);
    REQUIRE(a.queued.size() == 1);
    CHECK(a.queued[0].envelope.recipients.size() == 2);
    CHECK(a.queued[0].message == "Subject: hi\r\n\r\nbody\r\n");
}

TEST_CASE("input waits while a lookup is outstanding") {
    Driver d;
    d.take();
    d.hold_enqueue = true;
    d.send("EHLO c.example\r\nMAIL FROM:<>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nx\r\n.\r\nNOOP\r\n");
    CHECK(d.session.busy());
    CHECK(d.session.buffered_input() == 6);  // "NOOP\r\n" kept until the queue answers
    const std::string before = d.take();
    CHECK(before.find("250 2.0.0 OK queued") == std::string::npos);
    d.run(d.session.on_enqueued(std::string("q9")));
    CHECK(d.take() == "250 2.0.0 OK queued as q9\r\n250 2.0.0 OK\r\n");
}

TEST_CASE("any chunking of a long conversation gives the same replies and messages") {
    const std::string script =
        "EHLO c.example\r\nNOOP\r\nMAIL FROM:<s@remote.example> SIZE=40\r\nRCPT TO:<alice@example.test>\r\n"
        "RCPT TO:<x@remote.example>\r\nDATA\r\nSubject: 1\r\n\r\n..dot\r\n.\r\n"
        "MAIL FROM:<>\r\nRCPT TO:<bob@example.test>\r\nBDAT 5\r\n12\r\n3BDAT 4 LAST\r\n\r\n\r\n"
        "BDAT 3\r\nabcFOO\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.test>\r\n"
        "DATA\r\nbare\nlf\r\n.\r\nRSET\r\nVRFY x\r\nQUIT\r\n";
    Driver reference;
    const std::string expected = reference.take() + reference.send(script);
    REQUIRE(reference.queued.size() == 2);
    CHECK(expected.find("554 5.6.0") != std::string::npos);
    CHECK(expected.find("503 5.5.1 Need MAIL command") != std::string::npos);
    unsigned seed = 12345;
    for (int round = 0; round < 200; ++round) {
        Driver d;
        std::string got = d.take();
        std::size_t pos = 0;
        while (pos < script.size()) {
            seed = seed * 1103515245u + 12345u;
            const std::size_t n = 1 + (seed >> 16) % 23;
            got += d.send(std::string_view(script).substr(pos, n));
            pos += n;
        }
        CAPTURE(round);
        REQUIRE(got == expected);
        REQUIRE(d.queued.size() == 2);
        CHECK(d.queued[0].message == reference.queued[0].message);
        CHECK(d.queued[1].message == reference.queued[1].message);
    }
}

TEST_CASE("random protocol debris never breaks the session (both roles)") {
    const std::vector<std::string> tokens = {
        "MAIL FROM:<", "RCPT TO:<", "alice@example.test", "x@remote.example", ">", " SIZE=", " BODY=8BITMIME",
        " NOTIFY=NEVER", " ORCPT=rfc822;a", "BDAT ", " LAST", "DATA", "\r\n", "\r\n.\r\n", ".", "\n", "\r", "0",
        "7", "99999", "AUTH PLAIN ", "AUTH LOGIN", "AGFsaWNlQGV4YW1wbGUudGVzdABzZWNyZXQ=", "*", "EHLO a.example",
        "HELO", "RSET", "NOOP", "VRFY", "STARTTLS", "QUIT", " ", "\xff", "\xc3\xa9", "\"", "@", ":", "%", "!", "=",
        std::string(1, '\0'), std::string(600, 'x')};
    unsigned seed = 777;
    auto next = [&] {
        seed = seed * 1103515245u + 12345u;
        return seed >> 16;
    };
    for (int round = 0; round < 300; ++round) {
        SessionOptions o;
        o.role = round % 2 ? Role::Submission : Role::Inbound;
        o.tls_available = true;
        o.tls_active = round % 3 == 0;
        o.plaintext_auth_allowed = round % 5 == 0;
        o.max_message_size = 2000;
        o.max_errors = 1000;
        o.max_commands_without_transaction = 1000;
        Driver d(o);
        std::string replies = d.take();
        for (int i = 0; i < 200 && !d.closed; ++i) {
            replies += d.send(tokens[next() % tokens.size()]);
            if (d.tls_started) {
                d.tls_started = false;
                d.run(d.session.on_tls_ready("TLSv1.3", "X"));
            }
        }
        // Whatever happened, every reply line is well-formed and nothing hangs.
        CHECK_FALSE(d.session.busy());
        for (const auto& q : d.queued) CHECK_FALSE(q.envelope.recipients.empty());
        std::size_t pos = 0;
        while (pos < replies.size()) {
            const auto eol = replies.find("\r\n", pos);
            REQUIRE(eol != std::string::npos);
            const std::string line = replies.substr(pos, eol - pos);
            CAPTURE(line);
            REQUIRE(line.size() >= 4);
            CHECK((line[0] >= '2' && line[0] <= '5'));
            CHECK((line[3] == ' ' || line[3] == '-'));
            CHECK(line.find('\n') == std::string::npos);
            CHECK(line.find('\r') == std::string::npos);
            pos = eol + 2;
        }
    }
}

TEST_CASE("session: a client refused before the greeting gets 554, then 503 until QUIT") {
    Driver d;
    d.take();
    d.run(d.session.start_refused("192.0.2.99 is listed in bl.example"));
    CHECK(d.take() == "554 5.7.1 192.0.2.99 is listed in bl.example\r\n");
    CHECK(d.send("EHLO client.example\r\n").starts_with("503 5.5.1 Bad sequence of commands"));
    CHECK(d.send("MAIL FROM:<a@example.org>\r\n").starts_with("503 5.5.1"));
    CHECK(d.send("QUIT\r\n").starts_with("221 2.0.0"));
    CHECK(d.closed);
}
