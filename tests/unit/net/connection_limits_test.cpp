// Connection-limit bookkeeping: sequences of accepts, refusals and closes, first on
// ConnectionLimits alone, then through a real Listener on loopback (the path smtpd, pop3d
// and imapd use). The invariant under test: a listener's per-IP count is exactly the number
// of accepted connections that are still open. A refused connection never takes or gives
// back a slot, whoever closes it and whenever.
//
// Background (issue 3): smtpd's integration test of max_connections_per_ip = 3 once saw a
// fourth connection greeted. The count was right: that test's instance had a 1 s command
// timeout, so on a loaded machine smtpd had already timed out one of the three idle
// sessions (and released its slot) when the fourth arrived. The last case below pins that
// down: a close by the server frees the slot, as it must. Writing these tests found one real
// hole: a connection reset while in the accept queue had no peer address, was counted as
// "unknown" and so got a handler past any per-IP limit; it is now closed at accept.
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "common/net/connection_limits.hpp"
#include "test_support.hpp"

using namespace mr::net;
using namespace mr::net::test;
using V = ConnectionLimits::Verdict;

TEST_CASE("limits: refusals take no slot and give none back") {
    ConnectionLimits lim(0, 3);
    for (int i = 0; i < 3; ++i) REQUIRE(lim.try_acquire("127.0.0.1") == V::Accepted);
    for (int i = 0; i < 10; ++i) CHECK(lim.try_acquire("127.0.0.1") == V::TooManyFromIp);
    CHECK(lim.from_ip("127.0.0.1") == 3);
    CHECK(lim.total() == 3);
    // A release for an address that holds nothing (a bug elsewhere) must not free anyone
    // else's slot, nor wrap the total.
    lim.release("127.0.0.9");
    CHECK(lim.total() == 3);
    CHECK(lim.try_acquire("127.0.0.1") == V::TooManyFromIp);
    lim.release("127.0.0.1");
    CHECK(lim.from_ip("127.0.0.1") == 2);
    CHECK(lim.try_acquire("127.0.0.1") == V::Accepted);
    CHECK(lim.try_acquire("127.0.0.1") == V::TooManyFromIp);
    for (int i = 0; i < 3; ++i) lim.release("127.0.0.1");
    CHECK(lim.total() == 0);
    CHECK(lim.from_ip("127.0.0.1") == 0);
}

TEST_CASE("limits: a refusal on the total leaves the per-IP count alone") {
    ConnectionLimits lim(2, 5);
    REQUIRE(lim.try_acquire("a") == V::Accepted);
    REQUIRE(lim.try_acquire("b") == V::Accepted);
    CHECK(lim.try_acquire("c") == V::TooManyTotal);
    CHECK(lim.from_ip("c") == 0);
    lim.release("a");
    CHECK(lim.try_acquire("c") == V::Accepted);
    CHECK(lim.from_ip("c") == 1);
    CHECK(lim.total() == 2);
}

TEST_CASE("limits: random accept/refuse/release sequences match a model") {
    std::srand(3);
    ConnectionLimits lim(7, 3);
    const char* ips[] = {"10.0.0.1", "10.0.0.2", "2001:db8::1", "2001:db8::2"};  // the v6 two share a /64
    std::vector<std::string> held;  // one entry per slot granted and not yet released
    for (int step = 0; step < 2000; ++step) {
        if (!held.empty() && std::rand() % 3 == 0) {
            std::size_t i = static_cast<std::size_t>(std::rand()) % held.size();
            lim.release(held[i]);
            held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
            std::string ip = ips[std::rand() % 4];
            std::size_t same = 0;
            for (const auto& h : held) same += ConnectionLimits::key_for(h) == ConnectionLimits::key_for(ip);
            V want = held.size() >= 7 ? V::TooManyTotal : same >= 3 ? V::TooManyFromIp : V::Accepted;
            REQUIRE(lim.try_acquire(ip) == want);
            if (want == V::Accepted) held.push_back(ip);
        }
        REQUIRE(lim.total() == held.size());
    }
}

namespace {

ListenerOptions three_per_ip() {
    ListenerOptions o;
    o.max_connections = 0;
    o.max_per_ip = 3;
    o.busy_line = "busy\r\n";
    return o;
}

// Connects and reads the first line: "hello" (accepted) or "busy" (refused).
std::unique_ptr<Client> open_one(int port, std::string* first) {
    auto c = Client::connect("127.0.0.1", port);
    REQUIRE(c);
    *first = c->read_line().value_or("(nothing)");
    return c;
}

}  // namespace

TEST_CASE("listener: closing refused connections never frees an accepted one's slot") {
    TestServer s(three_per_ip());
    REQUIRE(s.start());
    std::string line;
    std::vector<std::unique_ptr<Client>> accepted;
    for (int i = 0; i < 3; ++i) {
        accepted.push_back(open_one(s.port(), &line));
        REQUIRE(line == "hello");
    }
    // Refused connections closed every way: after the busy line, before reading it, and
    // with a reset; each time the next one must still be refused.
    for (int round = 0; round < 3; ++round) {
        auto refused = open_one(s.port(), &line);
        CHECK(line == "busy");
        CHECK(refused->wait_eof());
        refused.reset();
        auto early = Client::connect("127.0.0.1", s.port());
        REQUIRE(early);
        early.reset();  // closed before the server even accepted it, maybe
        auto reset = Client::connect("127.0.0.1", s.port());
        REQUIRE(reset);
        const linger hard{1, 0};
        setsockopt(reset->fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        reset.reset();  // RST
        auto probe = open_one(s.port(), &line);
        CHECK(line == "busy");
    }
    // Refused connections never reach a handler; nor does one reset before it was accepted.
    CHECK(s.rec.count("start") == 3);
    // All three accepted sessions are still served.
    for (auto& c : accepted) {
        REQUIRE(c->send("ping\r\n"));
        CHECK(c->read_line() == "echo: ping");
    }
    // Closing one accepted connection frees exactly one slot.
    REQUIRE(accepted[0]->send("QUIT\r\n"));
    CHECK(accepted[0]->read_line() == "bye");
    REQUIRE(s.rec.wait_for("closed"));
    accepted[0] = open_one(s.port(), &line);
    CHECK(line == "hello");
    auto fourth = open_one(s.port(), &line);
    CHECK(line == "busy");
}

TEST_CASE("listener: a probe that connects and hangs up holds a slot only until its close is seen") {
    TestServer s(three_per_ip());
    REQUIRE(s.start());
    // The readiness probe of the integration tests: connect, close at once.
    for (int i = 0; i < 3; ++i) {
        auto probe = Client::connect("127.0.0.1", s.port());
        REQUIRE(probe);
    }
    REQUIRE(s.rec.wait_for("closed", 5s, 3));
    std::string line;
    std::vector<std::unique_ptr<Client>> open;
    for (int i = 0; i < 3; ++i) {
        open.push_back(open_one(s.port(), &line));
        CHECK(line == "hello");
    }
    auto fourth = open_one(s.port(), &line);
    CHECK(line == "busy");
}

TEST_CASE("listener: a connection the server closes (idle timeout) frees its slot") {
    ListenerOptions o = three_per_ip();
    o.connection.idle_timeout = 300ms;
    TestServer s(o);
    REQUIRE(s.start());
    std::string line;
    std::vector<std::unique_ptr<Client>> open;
    for (int i = 0; i < 3; ++i) {
        open.push_back(open_one(s.port(), &line));
        REQUIRE(line == "hello");
    }
    auto refused = open_one(s.port(), &line);
    CHECK(line == "busy");
    // The three sit idle past the timeout: the server says goodbye and closes them, and
    // only then does a fourth fit. A client that waits longer than the command timeout
    // between its connections sees exactly this.
    CHECK(open[0]->read_line(3s) == "timeout");
    REQUIRE(s.rec.wait_for("closed", 5s, 3));
    auto later = open_one(s.port(), &line);
    CHECK(line == "hello");
}
