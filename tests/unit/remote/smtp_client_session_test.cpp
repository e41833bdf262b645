// The outbound SMTP state machine, fed server lines one at a time.
#include <doctest/doctest.h>

#include "common/text/sasl.hpp"
#include "deliverd/remote/smtp_client_session.hpp"

using namespace mr::deliverd;

namespace {

RemoteMessage message(std::vector<std::string> rcpts) {
    RemoteMessage m;
    m.queue_id = "Q1";
    m.sender = "alice@here.test";
    m.domain = "there.test";
    for (auto& r : rcpts) m.recipients.push_back({r, "", ""});
    m.size = 1000;
    return m;
}

// Drives a session and collects what it says.
struct Dialog {
    SmtpClientSession s;
    SessionOutput last;
    std::string sent;  // everything written so far

    explicit Dialog(SessionSettings settings = {"client.test", TlsMode::Off, "", ""}) : s(std::move(settings)) {}

    SessionOutput& take(SessionOutput out) {
        sent += out.send;
        last = std::move(out);
        return last;
    }
    SessionOutput& line(std::string_view l) { return take(s.on_line(l)); }
    SessionOutput& begin(const RemoteMessage& m) { return take(s.begin(m)); }
    // "what was written since the last call"
    std::string drain() {
        std::string out = std::move(sent);
        sent.clear();
        return out;
    }
    // Greeting and a plain EHLO with the given extension lines.
    void open(std::initializer_list<std::string_view> ext) {
        line("220 mx.there.test ESMTP");
        CHECK(drain() == "EHLO client.test\r\n");
        if (ext.size() == 0) {
            line("250 mx.there.test");
        } else {
            line("250-mx.there.test");
            std::size_t i = 0;
            for (auto e : ext) {
                std::string l = std::string(++i == ext.size() ? "250 " : "250-") + std::string(e);
                line(l);
            }
        }
        REQUIRE(last.ready);
        drain();
    }
    // A message to a@there.test taken to its end: MAIL and RCPT accepted, 354, the body sent.
    void send_to_end() {
        begin(message({"a@there.test"}));
        line("250 ok");
        line("250 ok");
        line("354 go");
        take(s.message_sent());
    }
};

}  // namespace

TEST_CASE("session: lock-step transaction with one recipient refused") {
    Dialog d;
    d.open({});
    d.begin(message({"bob@there.test", "nobody@there.test"}));
    CHECK(d.drain() == "MAIL FROM:<alice@here.test>\r\n");
    CHECK(d.s.timeout() == ReplyTimeout::Command);
    d.line("250 2.1.0 Ok");
    CHECK(d.drain() == "RCPT TO:<bob@there.test>\r\n");
    d.line("250 2.1.5 Ok");
    CHECK(d.drain() == "RCPT TO:<nobody@there.test>\r\n");
    d.line("550 5.1.1 <nobody@there.test>: no such user");
    CHECK(d.drain() == "DATA\r\n");
    CHECK(d.line("354 go ahead").send_message);
    CHECK(d.s.timeout() == ReplyTimeout::DataBlock);
    d.take(d.s.message_sent());
    CHECK(d.s.timeout() == ReplyTimeout::DataDone);
    auto& out = d.line("250 2.0.0 Ok: queued as X");
    REQUIRE(out.results);
    REQUIRE(out.results->size() == 2);
    CHECK((*out.results)[0].outcome == RemoteOutcome::Delivered);
    CHECK((*out.results)[0].reply == "250 2.0.0 Ok: queued as X");
    CHECK((*out.results)[1].outcome == RemoteOutcome::PermFail);
    CHECK((*out.results)[1].reply == "550 5.1.1 <nobody@there.test>: no such user");
    CHECK(out.ready);
    CHECK(d.s.is_ready());
}

TEST_CASE("session: pipelined group, mixed 250 / 4xx / 5xx recipients") {
    Dialog d;
    d.open({"PIPELINING", "SIZE 100000"});
    d.begin(message({"a@there.test", "b@there.test", "c@there.test"}));
    CHECK(d.drain() ==
          "MAIL FROM:<alice@here.test> SIZE=1000\r\nRCPT TO:<a@there.test>\r\n"
          "RCPT TO:<b@there.test>\r\nRCPT TO:<c@there.test>\r\nDATA\r\n");
    CHECK_FALSE(d.line("250 ok").send_message);
    d.line("250 ok");
    d.line("451 4.3.0 try later");
    d.line("550 5.1.1 unknown");
    CHECK(d.line("354 go").send_message);
    d.take(d.s.message_sent());
    auto& out = d.line("250 queued");
    REQUIRE(out.results);
    CHECK((*out.results)[0].outcome == RemoteOutcome::Delivered);
    CHECK((*out.results)[1].outcome == RemoteOutcome::TempFail);
    CHECK((*out.results)[1].reply == "451 4.3.0 try later");
    CHECK((*out.results)[2].outcome == RemoteOutcome::PermFail);

    // Reuse: the next transaction starts with RSET, in the same group.
    d.begin(message({"a@there.test"}));
    CHECK(d.drain() == "RSET\r\nMAIL FROM:<alice@here.test> SIZE=1000\r\nRCPT TO:<a@there.test>\r\nDATA\r\n");
}

TEST_CASE("session: lock-step reuse waits for the RSET reply") {
    Dialog d;
    d.open({});
    d.send_to_end();
    REQUIRE(d.line("250 ok").results);
    d.drain();
    d.begin(message({"a@there.test"}));
    CHECK(d.drain() == "RSET\r\n");
    d.line("250 reset");
    CHECK(d.drain() == "MAIL FROM:<alice@here.test>\r\n");
}

TEST_CASE("session: 4xx / 5xx to MAIL or DATA applies to every open recipient") {
    SUBCASE("MAIL 451, lock-step") {
        Dialog d;
        d.open({});
        d.begin(message({"a@there.test", "b@there.test"}));
        auto& out = d.line("451 4.7.1 greylisted");
        REQUIRE(out.results);
        for (auto& r : *out.results) {
            CHECK(r.outcome == RemoteOutcome::TempFail);
            CHECK(r.reply == "451 4.7.1 greylisted");
        }
        CHECK(out.ready);
    }
    SUBCASE("MAIL 553, pipelined: RCPT and DATA replies are consumed") {
        Dialog d;
        d.open({"PIPELINING"});
        d.begin(message({"a@there.test", "b@there.test"}));
        CHECK_FALSE(d.line("553 5.7.1 sender refused").results);
        CHECK_FALSE(d.line("503 need MAIL").results);
        CHECK_FALSE(d.line("503 need MAIL").results);
        auto& out = d.line("503 need RCPT");
        REQUIRE(out.results);
        for (auto& r : *out.results) {
            CHECK(r.outcome == RemoteOutcome::PermFail);
            CHECK(r.reply == "553 5.7.1 sender refused");
        }
    }
    SUBCASE("DATA 554") {
        Dialog d;
        d.open({});
        d.begin(message({"a@there.test", "b@there.test"}));
        d.line("250 ok");
        d.line("250 ok");
        d.line("450 4.2.1 mailbox busy");
        auto& out = d.line("554 5.7.1 no thanks");
        REQUIRE(out.results);
        CHECK((*out.results)[0].outcome == RemoteOutcome::PermFail);
        CHECK((*out.results)[0].reply == "554 5.7.1 no thanks");
        CHECK((*out.results)[1].outcome == RemoteOutcome::TempFail);
    }
    SUBCASE("final dot 452") {
        Dialog d;
        d.open({});
        d.send_to_end();
        auto& out = d.line("452 4.3.1 out of space");
        REQUIRE(out.results);
        CHECK((*out.results)[0].outcome == RemoteOutcome::TempFail);
    }
}

TEST_CASE("session: no recipient accepted") {
    SUBCASE("lock-step: no DATA at all") {
        Dialog d;
        d.open({});
        d.begin(message({"a@there.test"}));
        d.line("250 ok");
        d.drain();
        auto& out = d.line("550 no");
        CHECK(d.drain().empty());
        REQUIRE(out.results);
        CHECK((*out.results)[0].outcome == RemoteOutcome::PermFail);
    }
    SUBCASE("pipelined, and the server still says 354: an empty message ends it") {
        Dialog d;
        d.open({"PIPELINING"});
        d.begin(message({"a@there.test"}));
        d.drain();
        d.line("250 ok");
        d.line("550 no");
        CHECK_FALSE(d.line("354 go").send_message);
        CHECK(d.drain() == ".\r\n");
        auto& out = d.line("554 no valid recipients");
        REQUIRE(out.results);
        CHECK((*out.results)[0].outcome == RemoteOutcome::PermFail);
        CHECK((*out.results)[0].reply == "550 no");
    }
}

TEST_CASE("session: EHLO refused falls back to HELO; setup failures") {
    SUBCASE("HELO fallback") {
        Dialog d;
        d.line("220 old.server");
        d.drain();
        d.line("502 5.5.1 command not recognised");
        CHECK(d.drain() == "HELO client.test\r\n");
        CHECK(d.line("250 old.server").ready);
        CHECK_FALSE(d.s.capabilities().esmtp);
    }
    SUBCASE("greeting 554 is permanent, 421 is not") {
        Dialog d;
        auto& out = d.line("554 5.7.1 go away");
        REQUIRE(out.failure);
        CHECK(out.failure->permanent);
        CHECK(out.close);
        CHECK(d.drain() == "QUIT\r\n");
        Dialog d2;
        REQUIRE(d2.line("421 4.3.2 busy").failure);
        CHECK_FALSE(d2.last.failure->permanent);
    }
    SUBCASE("EHLO 421") {
        Dialog d;
        d.line("220 hi");
        auto& out = d.line("421 shutting down");
        REQUIRE(out.failure);
        CHECK_FALSE(out.failure->permanent);
    }
    SUBCASE("connection lost before the greeting is a failure, not results") {
        Dialog d;
        auto& out = d.take(d.s.connection_lost("connection reset"));
        REQUIRE(out.failure);
        CHECK_FALSE(out.results);
    }
}

TEST_CASE("session: STARTTLS") {
    SUBCASE("opportunistic, offered") {
        Dialog d({"client.test", TlsMode::Opportunistic, "", ""});
        d.line("220 hi");
        d.drain();
        d.line("250-mx");
        d.line("250 STARTTLS");
        CHECK(d.drain() == "STARTTLS\r\n");
        CHECK(d.line("220 ready").start_tls);
        d.take(d.s.on_tls_ready());
        CHECK(d.drain() == "EHLO client.test\r\n");
        CHECK(d.line("250-mx").send.empty());
        CHECK(d.line("250 PIPELINING").ready);  // no second STARTTLS
        CHECK(d.s.tls_active());
        CHECK(d.s.capabilities().pipelining);
    }
    SUBCASE("handshake broken: a failure marked as such, so the caller may retry in the clear") {
        Dialog d({"client.test", TlsMode::Opportunistic, "", ""});
        d.line("220 hi");
        d.line("250-mx");
        d.line("250 STARTTLS");
        REQUIRE(d.line("220 ready").start_tls);
        auto& out = d.take(d.s.connection_lost("connection closed"));
        REQUIRE(out.failure);
        CHECK(out.failure->during_tls);
        Dialog early({"client.test", TlsMode::Opportunistic, "", ""});
        early.line("220 hi");
        REQUIRE(early.take(early.s.connection_lost("reset")).failure);
        CHECK_FALSE(early.last.failure->during_tls);
    }
    SUBCASE("opportunistic, refused: carry on in the clear") {
        Dialog d({"client.test", TlsMode::Opportunistic, "", ""});
        d.line("220 hi");
        d.line("250-mx");
        d.line("250 STARTTLS");
        CHECK(d.line("454 TLS not available").ready);
        CHECK_FALSE(d.s.tls_active());
    }
    SUBCASE("required, not offered") {
        Dialog d({"client.test", TlsMode::Required, "", ""});
        d.line("220 hi");
        auto& out = d.line("250 mx");
        REQUIRE(out.failure);
        CHECK(out.failure->reason.find("STARTTLS") != std::string::npos);
    }
    SUBCASE("required, refused") {
        Dialog d({"client.test", TlsMode::Required, "", ""});
        d.line("220 hi");
        d.line("250-mx");
        d.line("250 STARTTLS");
        REQUIRE(d.line("454 no").failure);
    }
}

TEST_CASE("session: AUTH PLAIN and LOGIN") {
    SUBCASE("PLAIN with initial response") {
        Dialog d({"client.test", TlsMode::Off, "user", "secret"});
        d.line("220 hi");
        d.line("250-relay");
        d.drain();
        d.line("250 AUTH PLAIN LOGIN");
        std::string expected = "AUTH PLAIN " + mr::text::base64_encode(std::string("\0user\0secret", 12)) + "\r\n";
        CHECK(d.drain() == expected);
        CHECK(d.line("235 2.7.0 ok").ready);
    }
    SUBCASE("LOGIN") {
        Dialog d({"client.test", TlsMode::Off, "user", "secret"});
        d.line("220 hi");
        d.line("250-relay");
        d.drain();
        d.line("250 AUTH LOGIN");
        CHECK(d.drain() == "AUTH LOGIN\r\n");
        d.line("334 VXNlcm5hbWU6");
        CHECK(d.drain() == "dXNlcg==\r\n");
        d.line("334 UGFzc3dvcmQ6");
        CHECK(d.drain() == "c2VjcmV0\r\n");
        CHECK(d.line("235 ok").ready);
    }
    SUBCASE("refused credentials") {
        Dialog d({"client.test", TlsMode::Off, "user", "bad"});
        d.line("220 hi");
        d.line("250-relay");
        d.line("250 AUTH PLAIN");
        auto& out = d.line("535 5.7.8 authentication failed");
        REQUIRE(out.failure);
        CHECK_FALSE(out.failure->permanent);  // a config problem: retry, never bounce
    }
    SUBCASE("no usable mechanism") {
        Dialog d({"client.test", TlsMode::Off, "user", "pw"});
        d.line("220 hi");
        d.line("250-relay");
        REQUIRE(d.line("250 AUTH CRAM-MD5").failure);
    }
}

TEST_CASE("session: extensions shape MAIL and RCPT; local refusals") {
    SUBCASE("SIZE exceeded: PermFail without sending anything") {
        Dialog d;
        d.open({"SIZE 500"});
        auto& out = d.begin(message({"a@there.test"}));
        REQUIRE(out.results);
        CHECK((*out.results)[0].outcome == RemoteOutcome::PermFail);
        CHECK((*out.results)[0].reply.find("SIZE") != std::string::npos);
        CHECK(out.ready);
        CHECK(d.drain().empty());
    }
    SUBCASE("SMTPUTF8 needed, not offered") {
        Dialog d;
        d.open({"8BITMIME"});
        auto m = message({"a@there.test"});
        m.needs_smtputf8 = true;
        auto& out = d.begin(m);
        REQUIRE(out.results);
        CHECK((*out.results)[0].outcome == RemoteOutcome::PermFail);
        CHECK((*out.results)[0].reply.find("SMTPUTF8") != std::string::npos);
        CHECK(d.drain().empty());
    }
    SUBCASE("8BITMIME, SMTPUTF8, DSN offered") {
        Dialog d;
        d.open({"8BITMIME", "SMTPUTF8", "DSN"});
        auto m = message({"a@there.test"});
        m.has_8bit = true;
        m.needs_smtputf8 = true;
        m.dsn_ret = "HDRS";
        m.dsn_envid = "QQ123";
        m.recipients[0].dsn_notify = "SUCCESS,FAILURE";
        m.recipients[0].orcpt = "rfc822;a@there.test";
        d.begin(m);
        CHECK(d.drain() == "MAIL FROM:<alice@here.test> BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ123\r\n");
        d.line("250 ok");
        CHECK(d.drain() == "RCPT TO:<a@there.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@there.test\r\n");
    }
    SUBCASE("DSN parameters dropped when not offered; null sender") {
        Dialog d;
        d.open({"8BITMIME"});
        auto m = message({"a@there.test"});
        m.sender = "";
        m.dsn_ret = "FULL";
        m.recipients[0].dsn_notify = "NEVER";
        d.begin(m);
        CHECK(d.drain() == "MAIL FROM:<>\r\n");
        d.line("250 ok");
        CHECK(d.drain() == "RCPT TO:<a@there.test>\r\n");
    }
    SUBCASE("a line break in the envelope is refused") {
        Dialog d;
        d.open({});
        auto out = d.begin(message({"a@there.test>\r\nRCPT TO:<evil@x"}));
        REQUIRE(out.results);
        CHECK((*out.results)[0].outcome == RemoteOutcome::PermFail);
        CHECK(d.drain().empty());
    }
}

TEST_CASE("session: lost connection, timeouts, malformed replies") {
    SUBCASE("lost after the dot: TempFail, never Delivered") {
        Dialog d;
        d.open({});
        d.begin(message({"a@there.test", "b@there.test"}));
        d.line("250 ok");
        d.line("250 ok");
        d.line("550 no");
        d.line("354 go");
        d.take(d.s.message_sent());
        auto& out = d.take(d.s.connection_lost("connection lost after the final dot"));
        REQUIRE(out.results);
        CHECK((*out.results)[0].outcome == RemoteOutcome::TempFail);
        CHECK((*out.results)[0].reply == "connection lost after the final dot");
        CHECK((*out.results)[1].outcome == RemoteOutcome::PermFail);  // the 550 stays final
        CHECK(out.close);
    }
    SUBCASE("malformed reply in a transaction") {
        Dialog d;
        d.open({});
        d.begin(message({"a@there.test"}));
        auto& out = d.line("hello there");
        REQUIRE(out.results);
        CHECK((*out.results)[0].outcome == RemoteOutcome::TempFail);
        CHECK((*out.results)[0].reply.find("protocol error") != std::string::npos);
        CHECK(out.close);
    }
    SUBCASE("a reply nobody asked for") {
        Dialog d;
        d.open({});
        CHECK(d.line("250 surprise").close);
    }
    SUBCASE("QUIT") {
        Dialog d;
        d.open({});
        d.take(d.s.quit());
        CHECK(d.drain() == "QUIT\r\n");
        CHECK(d.line("221 bye").close);
    }
}
