// Listener + ProxyGate over real sockets: who may send a PROXY header, whose address the
// connection then has and is counted under, and what happens to the bytes after it.
#include <doctest/doctest.h>

#include <string>

#include "common/net/proxy_gate.hpp"
#include "tests/unit/net/test_support.hpp"

using namespace mr::net;
using namespace mr::net::test;

namespace {

// Greets with the peer address it was given, then echoes every byte.
class PeerHandler final : public ConnectionHandler {
public:
    explicit PeerHandler(Recorder& rec) : rec_(rec) {}
    void on_start(Connection& c) override {
        rec_.add("start " + c.peer_ip());
        c.write("hello " + c.peer_ip() + "\r\n");
    }
    void on_bytes(Connection& c, std::string_view chunk, std::size_t) override { c.write(chunk); }
    void on_closed(Connection&) override { rec_.add("closed"); }

private:
    Recorder& rec_;
};

ListenerOptions proxy_options(const std::string& trusted, std::size_t per_ip = 10) {
    ListenerOptions o;
    o.name = "test_proxy";
    o.max_unauthenticated_per_ip = per_ip;
    o.busy_line = "busy\r\n";
    o.connection.framing = HandlerFrames{};
    ProxyProtocolOptions p;
    p.trusted.push_back(*mr::text::parse_ip_network(trusted));
    p.header_timeout = std::chrono::milliseconds(300);
    o.proxy = p;
    return o;
}

TestServer proxy_server(const std::string& trusted, std::size_t per_ip = 10) {
    return TestServer(proxy_options(trusted, per_ip),
                      [](Connection&, Recorder& rec) { return std::make_unique<PeerHandler>(rec); });
}

std::string v1(const std::string& src) { return "PROXY TCP4 " + src + " 127.0.0.1 4000 25\r\n"; }

}  // namespace

TEST_CASE("proxy: the header's client becomes the peer; bytes behind the header follow the greeting") {
    TestServer s = proxy_server("127.0.0.0/8");
    REQUIRE(s.start());
    auto c = Client::connect("127.0.0.1", s.port());
    REQUIRE(c);
    REQUIRE(c->send(v1("203.0.113.9") + "ping\r\n"));
    CHECK(c->read_line() == "hello 203.0.113.9");
    CHECK(c->read_line() == "ping");

    auto split = Client::connect("127.0.0.1", s.port());
    REQUIRE(split);
    REQUIRE(split->send("PROXY TCP4 198.51"));
    std::this_thread::sleep_for(50ms);
    REQUIRE(split->send(".100.2 127.0.0.1 1 25\r"));
    std::this_thread::sleep_for(50ms);
    REQUIRE(split->send("\npong\r\n"));
    CHECK(split->read_line() == "hello 198.51.100.2");
    CHECK(split->read_line() == "pong");
}

TEST_CASE("proxy: v2 LOCAL keeps the balancer's address") {
    TestServer s = proxy_server("127.0.0.1");
    REQUIRE(s.start());
    auto c = Client::connect("127.0.0.1", s.port());
    REQUIRE(c);
    REQUIRE(c->send(std::string("\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00", 16)));
    CHECK(c->read_line() == "hello 127.0.0.1");
}

TEST_CASE("proxy: untrusted peers, garbage and silence are closed before any handler") {
    TestServer s = proxy_server("127.0.0.2/32");
    REQUIRE(s.start());
    auto untrusted = Client::connect("127.0.0.1", s.port());
    REQUIRE(untrusted);
    REQUIRE(untrusted->send(v1("203.0.113.9")));
    CHECK_FALSE(untrusted->read_line(2s).has_value());
    CHECK(untrusted->wait_eof());

    auto garbage = Client::connect("127.0.0.1", s.port(), "127.0.0.2");
    REQUIRE(garbage);
    REQUIRE(garbage->send("HELO x\r\n"));
    CHECK_FALSE(garbage->read_line(2s).has_value());
    CHECK(garbage->wait_eof());

    auto silent = Client::connect("127.0.0.1", s.port(), "127.0.0.2");
    REQUIRE(silent);
    REQUIRE(silent->send("PROXY "));
    CHECK(silent->wait_eof(3s));  // header_timeout is 300 ms

    CHECK(s.rec.events().empty());  // no handler ever started
}

TEST_CASE("proxy: per-address limits count the header's client, and release it") {
    TestServer s = proxy_server("127.0.0.0/8", 1);
    REQUIRE(s.start());
    auto first = Client::connect("127.0.0.1", s.port());
    REQUIRE(first);
    REQUIRE(first->send(v1("192.0.2.1")));
    CHECK(first->read_line() == "hello 192.0.2.1");

    auto same = Client::connect("127.0.0.1", s.port());
    REQUIRE(same);
    REQUIRE(same->send(v1("192.0.2.1")));
    CHECK(same->read_line() == "busy");
    CHECK(same->wait_eof());

    auto other = Client::connect("127.0.0.1", s.port());  // same balancer, another client
    REQUIRE(other);
    REQUIRE(other->send(v1("192.0.2.2")));
    CHECK(other->read_line() == "hello 192.0.2.2");

    first->close();
    CHECK(s.rec.wait_for("closed"));
    auto again = Client::connect("127.0.0.1", s.port());
    REQUIRE(again);
    REQUIRE(again->send(v1("192.0.2.1")));
    CHECK(again->read_line() == "hello 192.0.2.1");
}
