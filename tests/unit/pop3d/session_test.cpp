// The POP3 core in TRANSACTION and UPDATE states, and what every state shares.
#include <doctest/doctest.h>

#include "tests/unit/pop3d/session_helpers.hpp"

using namespace pop3d_test;

TEST_CASE("session: greeting") {
    Session s(loopback_options());
    CHECK(sent(s.start()) == "+OK mx.test POP3 server ready\r\n");
    CHECK(s.state_name() == "authorization");
}

TEST_CASE("session: login reports the maildrop") {
    Session s(loopback_options());
    s.start();
    CHECK(sent(s.on_line("USER alice@example.test")) == "+OK Send PASS\r\n");
    auto a = s.on_line("PASS secret word");
    const auto* v = find<VerifyPassword>(a);
    REQUIRE(v);
    CHECK(v->user == "alice@example.test");
    CHECK(v->password == "secret word");
    CHECK(sent(a).empty());
    CHECK(s.busy());
    a = s.on_password_checked(true);
    REQUIRE(find<OpenMaildrop>(a));
    CHECK(find<OpenMaildrop>(a)->user == "alice@example.test");
    a = s.on_maildrop(three_messages());
    CHECK(sent(a) == "+OK Maildrop has 3 messages (600 octets)\r\n");
    REQUIRE(find<LoggedIn>(a));
    CHECK(find<LoggedIn>(a)->user == "alice@example.test");
    CHECK_FALSE(s.busy());
}

TEST_CASE("session: STAT, LIST, UIDL") {
    Session s(loopback_options());
    login(s);
    CHECK(sent(s.on_line("STAT")) == "+OK 3 600\r\n");
    CHECK(sent(s.on_line("LIST")) == "+OK\r\n1 100\r\n2 200\r\n3 300\r\n.\r\n");
    CHECK(sent(s.on_line("LIST 2")) == "+OK 2 200\r\n");
    CHECK(sent(s.on_line("UIDL")) ==
          "+OK\r\n1 000012340000000a\r\n2 000012340000000b\r\n3 000012340000000c\r\n.\r\n");
    CHECK(sent(s.on_line("uidl 3")) == "+OK 3 000012340000000c\r\n");
    for (const char* bad : {"STAT 1", "LIST 4", "LIST 0", "LIST x", "LIST 1 2", "UIDL 9", "UIDL -1"}) {
        CAPTURE(bad);
        CHECK(is_err(s.on_line(bad)));
    }
    CHECK(sent(s.on_line("LIST 4")) == "-ERR No such message\r\n");
}

TEST_CASE("session: empty maildrop") {
    Session s(loopback_options());
    login(s, Maildrop{7, {}});
    CHECK(sent(s.on_line("STAT")) == "+OK 0 0\r\n");
    CHECK(sent(s.on_line("LIST")) == "+OK\r\n.\r\n");
    CHECK(is_err(s.on_line("RETR 1")));
    auto a = s.on_line("QUIT");
    REQUIRE(find<Expunge>(a));
    CHECK(find<Expunge>(a)->uids.empty());
    CHECK(has<Close>(s.on_expunged({})));
}

TEST_CASE("session: RETR asks for the message and waits") {
    Session s(loopback_options());
    login(s);
    auto a = s.on_line("RETR 2");
    const auto* m = find<SendMessage>(a);
    REQUIRE(m);
    CHECK(m->number == 2);
    CHECK(m->uid == 11);
    CHECK(m->size == 200);
    CHECK(m->mark_seen);
    CHECK_FALSE(m->body_lines);
    CHECK(m->ok_line == "+OK 200 octets\r\n");
    CHECK(sent(a).empty());  // the glue sends ok_line once the file is open
    CHECK(s.busy());
    CHECK(is_err(s.on_line("NOOP")));  // nothing is processed while busy
    CHECK(s.on_message_sent().empty());
    CHECK_FALSE(s.busy());
    CHECK(sent(s.on_line("NOOP")) == "+OK\r\n");
}

TEST_CASE("session: a message gone from the store") {
    Session s(loopback_options());
    login(s);
    s.on_line("RETR 1");
    auto a = s.on_message_unavailable();
    CHECK(sent(a) == "-ERR [SYS/TEMP] Message is no longer available\r\n");
    CHECK_FALSE(s.busy());
}

TEST_CASE("session: TOP") {
    Session s(loopback_options());
    login(s);
    auto a = s.on_line("TOP 3 0");
    const auto* m = find<SendMessage>(a);
    REQUIRE(m);
    CHECK(m->uid == 12);
    CHECK(m->body_lines == std::optional<std::uint64_t>(0));
    CHECK_FALSE(m->mark_seen);  // TOP does not count as retrieving
    CHECK(m->ok_line == "+OK Top of message follows\r\n");
    s.on_message_sent();
    for (const char* bad : {"TOP 1", "TOP", "TOP 1 x", "TOP 1 -1", "TOP 4 1", "TOP 1 1 1"}) {
        CAPTURE(bad);
        CHECK(is_err(s.on_line(bad)));
        CHECK_FALSE(s.busy());
    }
}

TEST_CASE("session: DELE marks, keeps numbers, RSET unmarks") {
    Session s(loopback_options());
    login(s);
    CHECK(sent(s.on_line("DELE 2")) == "+OK Message 2 deleted\r\n");
    CHECK(sent(s.on_line("DELE 2")) == "-ERR Message 2 already deleted\r\n");
    CHECK(sent(s.on_line("RETR 2")) == "-ERR Message 2 already deleted\r\n");
    CHECK(sent(s.on_line("TOP 2 1")) == "-ERR Message 2 already deleted\r\n");
    CHECK(sent(s.on_line("LIST 2")) == "-ERR Message 2 already deleted\r\n");
    CHECK(sent(s.on_line("UIDL 2")) == "-ERR Message 2 already deleted\r\n");
    CHECK(sent(s.on_line("STAT")) == "+OK 2 400\r\n");
    CHECK(sent(s.on_line("LIST")) == "+OK\r\n1 100\r\n3 300\r\n.\r\n");
    CHECK(sent(s.on_line("UIDL")) == "+OK\r\n1 000012340000000a\r\n3 000012340000000c\r\n.\r\n");
    CHECK(sent(s.on_line("LIST 3")) == "+OK 3 300\r\n");
    CHECK(is_err(s.on_line("DELE")));
    CHECK(is_err(s.on_line("DELE 1 2")));
    CHECK(is_err(s.on_line("DELE 0")));
    CHECK(sent(s.on_line("RSET")) == "+OK Maildrop has 3 messages (600 octets)\r\n");
    CHECK(sent(s.on_line("STAT")) == "+OK 3 600\r\n");
    CHECK(is_err(s.on_line("RSET 1")));
}

TEST_CASE("session: QUIT in TRANSACTION expunges exactly the marked messages") {
    Session s(loopback_options());
    login(s);
    s.on_line("DELE 1");
    s.on_line("DELE 3");
    auto a = s.on_line("QUIT");
    const auto* e = find<Expunge>(a);
    REQUIRE(e);
    CHECK(e->uids == std::vector<std::uint32_t>{10, 12});
    CHECK(sent(a).empty());
    CHECK(s.state_name() == "update");
    a = s.on_expunged({});
    CHECK(sent(a) == "+OK mx.test POP3 server signing off\r\n");
    CHECK(has<Close>(a));
    CHECK(s.on_line("NOOP").empty());  // nothing after UPDATE
}

TEST_CASE("session: QUIT with nothing marked, and a failed expunge") {
    {
        Session s(loopback_options());
        login(s);
        auto a = s.on_line("QUIT");
        REQUIRE(find<Expunge>(a));  // the glue also stores \Seen flags in this step
        CHECK(find<Expunge>(a)->uids.empty());
        CHECK(sent(a).empty());
        a = s.on_expunged({});
        CHECK(sent(a) == "+OK mx.test POP3 server signing off\r\n");
        CHECK(has<Close>(a));
    }
    {
        Session s(loopback_options());
        login(s);
        s.on_line("DELE 1");
        s.on_line("QUIT");
        auto a = s.on_expunged(mr::Error::internal("disk"));
        CHECK(sent(a) == "-ERR [SYS/TEMP] Some deleted messages were not removed\r\n");
        CHECK(has<Close>(a));
    }
    {
        Session s(loopback_options());
        login(s);
        CHECK(is_err(s.on_line("QUIT now")));
        CHECK(s.state_name() == "transaction");
    }
}

TEST_CASE("session: timeout and hang-up remove nothing") {
    Session s(loopback_options());
    login(s);
    s.on_line("DELE 1");
    auto a = s.on_timeout();
    CHECK(sent(a) == "-ERR Idle timeout, closing connection\r\n");
    CHECK(has<Close>(a));
    CHECK_FALSE(has<Expunge>(a));
}

TEST_CASE("session: commands of the wrong state") {
    Session s(loopback_options());
    s.start();
    for (const char* cmd : {"STAT", "LIST", "RETR 1", "DELE 1", "NOOP", "RSET", "TOP 1 1", "UIDL"}) {
        CAPTURE(cmd);
        CHECK(sent(s.on_line(cmd)) == "-ERR Command not valid in AUTHORIZATION state\r\n");
    }
    login(s);
    for (const char* cmd : {"USER bob", "PASS x", "AUTH PLAIN", "STLS"}) {
        CAPTURE(cmd);
        CHECK(sent(s.on_line(cmd)) == "-ERR Command not valid in TRANSACTION state\r\n");
    }
    CHECK(sent(s.on_line("APOP a b")) == "-ERR Command not valid in TRANSACTION state\r\n");
    CHECK(sent(s.on_line("XYZZY")) == "-ERR Unknown command\r\n");
    CHECK(sent(s.on_line("")) == "-ERR Empty command\r\n");
    CHECK(sent(s.on_line("STAT")) == "+OK 3 600\r\n");  // the session goes on
}

TEST_CASE("session: 255-octet command lines (RFC 2449 §4)") {
    Session s(loopback_options());
    login(s);
    const std::string ok_line = "NOOP" + std::string(kMaxCommandLine - 4, ' ');  // 253 + CRLF = 255
    CHECK(sent(s.on_line(ok_line)) == "+OK\r\n");
    CHECK(sent(s.on_line(ok_line + " ")) == "-ERR Line too long (255 octets at most)\r\n");
    CHECK(sent(s.on_line_too_long()) == "-ERR Line too long (255 octets at most)\r\n");
    CHECK(sent(s.on_line("STAT")) == "+OK 3 600\r\n");
}

TEST_CASE("session: CAPA") {
    const std::string common = "+OK Capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n";
    {
        Session s(loopback_options());
        s.start();
        CHECK(sent(s.on_line("CAPA")) ==
              common + "USER\r\nSASL PLAIN LOGIN\r\nSTLS\r\nIMPLEMENTATION mailroom\r\n.\r\n");
        CHECK(is_err(s.on_line("CAPA x")));
        login(s);
        CHECK(sent(s.on_line("capa")) == common + "IMPLEMENTATION mailroom\r\n.\r\n");
    }
    {
        SessionOptions o = loopback_options();
        o.insecure_auth_allowed = false;
        Session s(o);
        s.start();
        CHECK(sent(s.on_line("CAPA")) == common + "STLS\r\nIMPLEMENTATION mailroom\r\n.\r\n");
        s.on_line("STLS");
        s.on_tls_ready();
        CHECK(sent(s.on_line("CAPA")) == common + "USER\r\nSASL PLAIN LOGIN\r\nIMPLEMENTATION mailroom\r\n.\r\n");
    }
}

TEST_CASE("session: HTTP verbs hang up, too many errors hang up") {
    {
        Session s(loopback_options());
        s.start();
        auto a = s.on_line("GET / HTTP/1.1");
        CHECK(is_err(a));
        CHECK(has<Close>(a));
    }
    {
        SessionOptions o = loopback_options();
        o.max_errors = 3;
        Session s(o);
        s.start();
        CHECK_FALSE(has<Close>(s.on_line("X")));
        CHECK_FALSE(has<Close>(s.on_line("X")));
        CHECK(sent(s.on_line("NOOP")).rfind("-ERR", 0) == 0);
    }
    {
        SessionOptions o = loopback_options();
        o.max_errors = 2;
        Session s(o);
        s.start();
        CHECK_FALSE(has<Close>(s.on_line("X")));
        CHECK(has<Close>(s.on_line("X")));
    }
    {
        SessionOptions o = loopback_options();
        o.max_errors = 2;
        Session s(o);
        s.start();
        s.on_line("X");
        s.on_line("CAPA");  // a good command resets the count
        CHECK_FALSE(has<Close>(s.on_line("X")));
    }
}
