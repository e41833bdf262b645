// Listen-address parsing, inherited fds, IPv6, adoption and connection limits.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "common/net/address.hpp"
#include "common/net/connection_limits.hpp"
#include "test_support.hpp"

using namespace mr::net;
using namespace mr::net::test;

TEST_CASE("address: listen address forms") {
    struct Row {
        const char* in;
        bool ok;
        const char* formatted;
        const char* why;
    };
    const Row rows[] = {
        {"127.0.0.1:20025", true, "127.0.0.1:20025", "IPv4 loopback"},
        {"0.0.0.0:25", true, "0.0.0.0:25", "IPv4 any"},
        {"[::1]:20143", true, "[::1]:20143", "IPv6 needs brackets"},
        {"[::]:993", true, "[::]:993", "IPv6 any"},
        {"::1:143", false, "", "unbracketed IPv6 is ambiguous"},
        {"localhost:25", false, "", "no name resolution at start-up"},
        {"127.0.0.1", false, "", "port required"},
        {"127.0.0.1:65536", false, "", "port out of range"},
        {"127.0.0.1:-1", false, "", "negative port"},
        {"127.0.0.1:2x5", false, "", "junk in port"},
        {"[::1:25", false, "", "unbalanced bracket"},
    };
    for (const Row& r : rows) {
        auto a = parse_listen_address(r.in);
        CHECK_MESSAGE(a.ok() == r.ok, r.why);
        if (a.ok() && r.ok) CHECK_MESSAGE(format_address(a->get()) == r.formatted, r.why);
    }
}

TEST_CASE("address: IPv4-mapped IPv6 peers are shown as IPv4") {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(25);
    inet_pton(AF_INET6, "::ffff:192.0.2.7", &a.sin6_addr);
    CHECK(format_address(reinterpret_cast<sockaddr*>(&a)) == "192.0.2.7:25");
    CHECK(format_address(reinterpret_cast<sockaddr*>(&a), false) == "192.0.2.7");
}

TEST_CASE("address: MR_LISTEN_FDS parsing") {
    auto ok = parse_listen_fds("smtp=3, submission=4,imaps=5,");
    REQUIRE(ok);
    CHECK(*ok == std::vector<InheritedListener>{{"smtp", 3}, {"submission", 4}, {"imaps", 5}});
    // Two endpoints of one listener ([listen] imap = ["127.0.0.1:143", "[::1]:143"]).
    CHECK(*parse_listen_fds("imap=3,imap=4") == std::vector<InheritedListener>{{"imap", 3}, {"imap", 4}});
    CHECK(parse_listen_fds("")->empty());
    CHECK_FALSE(parse_listen_fds("smtp"));        // no fd
    CHECK_FALSE(parse_listen_fds("=3"));          // no name
    CHECK_FALSE(parse_listen_fds("smtp=x"));      // not a number
    CHECK_FALSE(parse_listen_fds("smtp=-1"));     // negative
    CHECK_FALSE(parse_listen_fds("a=3,b=3"));     // one fd twice

    setenv(kListenFdsEnv, "imap=7", 1);
    CHECK(inherited_listen_fds() == std::vector<InheritedListener>{{"imap", 7}});
    setenv(kListenFdsEnv, "garbage", 1);
    CHECK(inherited_listen_fds().empty());
    unsetenv(kListenFdsEnv);
    CHECK(inherited_listen_fds().empty());
}

TEST_CASE("listener: IPv6 loopback (skipped when the host has no IPv6)") {
    TestServer s;
    auto r = s.start("[::1]:0");
    if (!r) {
        MESSAGE("IPv6 not available, skipped: " << r.error().message);
        return;
    }
    auto c = Client::connect("::1", s.port());
    REQUIRE(c);
    CHECK(c->read_line() == "hello");
    REQUIRE(c->send("v6\r\n"));
    CHECK(c->read_line() == "echo: v6");
}

TEST_CASE("listener: adopts a listening socket inherited from the supervisor") {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 16) == 0);

    setenv(kListenFdsEnv, ("smtp=" + std::to_string(fd)).c_str(), 1);
    auto fds = inherited_listen_fds();
    unsetenv(kListenFdsEnv);
    REQUIRE(fds.size() == 1);
    CHECK(fds[0].name == "smtp");

    TestServer s;
    REQUIRE(s.start_adopted(fds[0].fd));  // the listener owns fd from here
    CHECK(s.port() > 0);
    auto c = Client::connect("127.0.0.1", s.port());
    REQUIRE(c);
    CHECK(c->read_line() == "hello");
}

TEST_CASE("listener: adopt refuses a socket that is not listening") {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    Loop loop;
    {
        Listener l(loop, {}, [](Connection&) { return std::unique_ptr<ConnectionHandler>(); });
        auto r = l.adopt(fd);
        CHECK_FALSE(r);
        if (!r) CHECK(r.error().message.find("not a listening socket") != std::string::npos);
    }
    ::close(fd);
}

TEST_CASE("limits: counting per IP and in total") {
    ConnectionLimits lim(3, 2);
    using V = ConnectionLimits::Verdict;
    CHECK(lim.try_acquire("a") == V::Accepted);
    CHECK(lim.try_acquire("a") == V::Accepted);
    CHECK(lim.try_acquire("a") == V::TooManyFromIp);
    CHECK(lim.try_acquire("b") == V::Accepted);
    CHECK(lim.try_acquire("c") == V::TooManyTotal);
    lim.release("a");
    CHECK(lim.from_ip("a") == 1);
    CHECK(lim.try_acquire("c") == V::Accepted);
    CHECK(lim.total() == 3);
    // IPv6 counts per /64: a host rotating through its own addresses is one client.
    ConnectionLimits v6(10, 1);
    CHECK(v6.try_acquire("2001:db8:1:2::1") == V::Accepted);
    CHECK(v6.try_acquire("2001:db8:1:2:ffff::9") == V::TooManyFromIp);
    CHECK(v6.try_acquire("2001:db8:1:3::1") == V::Accepted);
    v6.release("2001:db8:1:2::1");
    CHECK(v6.try_acquire("2001:db8:1:2:ffff::9") == V::Accepted);
    ConnectionLimits unlimited(0, 0);
    for (int i = 0; i < 100; ++i) CHECK(unlimited.try_acquire("x") == V::Accepted);
}

TEST_CASE("listener: over a limit the busy line is written and the connection closed") {
    ListenerOptions o;
    o.max_connections = 3;
    o.max_unauthenticated_per_ip = 2;
    o.busy_line = "busy\r\n";
    TestServer s(o);
    REQUIRE(s.start());

    auto c1 = Client::connect("127.0.0.1", s.port());
    auto c2 = Client::connect("127.0.0.1", s.port());
    REQUIRE(c1);
    REQUIRE(c2);
    CHECK(c1->read_line() == "hello");
    CHECK(c2->read_line() == "hello");

    auto c3 = Client::connect("127.0.0.1", s.port());  // third from the same IP
    REQUIRE(c3);
    CHECK(c3->read_line() == "busy");
    CHECK(c3->wait_eof());

    auto c4 = Client::connect("127.0.0.1", s.port(), "127.0.0.2");  // another IP still fits
    REQUIRE(c4);
    CHECK(c4->read_line() == "hello");

    auto c5 = Client::connect("127.0.0.1", s.port(), "127.0.0.3");  // but the total is full
    REQUIRE(c5);
    CHECK(c5->read_line() == "busy");
    CHECK(c5->wait_eof());
    CHECK(s.rec.count("start") == 3);  // refused connections never reached a handler

    REQUIRE(c1->send("QUIT\r\n"));
    CHECK(c1->read_line() == "bye");
    CHECK(s.rec.wait_for("closed"));  // the slot is released when the connection is gone
    auto c6 = Client::connect("127.0.0.1", s.port(), "127.0.0.3");
    REQUIRE(c6);
    CHECK(c6->read_line() == "hello");
}
