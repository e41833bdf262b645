// Outbound connections (connector.cpp): connect, refused, timeout, cancel, client STARTTLS
// with certificate verification, against the echo server of test_support.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

#include "common/net/connection.hpp"
#include "common/net/self_signed.hpp"
#include "common/net/tls_context.hpp"
#include "test_support.hpp"

using namespace mr::net;
using namespace mr::net::test;

namespace {

struct Events {
    std::vector<std::string> list;
    bool has(const std::string& e) const { return std::find(list.begin(), list.end(), e) != list.end(); }
    bool has_prefix(const std::string& p) const {
        for (const auto& e : list) {
            if (e.rfind(p, 0) == 0) return true;
        }
        return false;
    }
};

// Client side of the echo protocol: sends `script` lines one per reply after the greeting.
class ClientHandler final : public ConnectionHandler {
public:
    ClientHandler(Events& ev, std::vector<std::string> script) : ev_(ev), script_(std::move(script)) {}
    void on_start(Connection&) override { ev_.list.push_back("start"); }
    void on_line(Connection& c, std::string_view line, LineEnd) override {
        ev_.list.push_back("line:" + std::string(line));
        if (line == "ready") {
            if (!c.start_tls()) ev_.list.push_back("start_tls refused");
            return;
        }
        next(c);
    }
    void on_tls_ready(Connection& c) override {
        ev_.list.push_back("tls:" + c.tls_version());
        next(c);
    }
    void on_line_too_long(Connection&) override {}
    void on_connect_failed(Connection&, std::string_view reason) override {
        ev_.list.push_back("failed:" + std::string(reason));
    }
    void on_closed(Connection&) override { ev_.list.push_back("closed"); }

private:
    void next(Connection& c) {
        if (i_ < script_.size()) c.write(script_[i_++] + "\r\n");
    }
    Events& ev_;
    std::vector<std::string> script_;
    std::size_t i_ = 0;
};

sockaddr_storage address(const char* ip, int port) {
    sockaddr_storage ss{};
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, ip, &in->sin_addr);
    return ss;
}

int closed_port() {
    TestServer s;
    REQUIRE(s.start());
    return s.port();  // the server stops when s goes out of scope
}

ConnectionOptions lines() {
    ConnectionOptions o;
    o.framing = kTestLines;
    return o;
}

}  // namespace

TEST_CASE("connector: connects, talks, closes") {
    TestServer s;
    REQUIRE(s.start());
    Loop loop;
    Events ev;
    auto addr = address("127.0.0.1", s.port());
    Connection* c = Connection::connect(loop, reinterpret_cast<sockaddr*>(&addr), 2000ms, lines(),
                                        std::make_unique<ClientHandler>(ev, std::vector<std::string>{"hi", "QUIT"}));
    REQUIRE(c != nullptr);
    CHECK(c->connecting());
    CHECK(c->peer() == "127.0.0.1:" + std::to_string(s.port()));
    CHECK(run_until(loop, [&] { return ev.has("closed"); }));
    CHECK(ev.list.front() == "start");
    CHECK(ev.has("line:hello"));
    CHECK(ev.has("line:echo: hi"));
    CHECK(ev.has("line:bye"));
    CHECK_FALSE(ev.has_prefix("failed:"));
}

TEST_CASE("connector: refused, reported once, then closed") {
    int port = closed_port();
    Loop loop;
    Events ev;
    auto addr = address("127.0.0.1", port);
    Connection::connect(loop, reinterpret_cast<sockaddr*>(&addr), 2000ms, lines(),
                        std::make_unique<ClientHandler>(ev, std::vector<std::string>{}));
    CHECK(ev.list.empty());  // nothing is reported from inside connect()
    CHECK(run_until(loop, [&] { return ev.has("closed"); }));
    REQUIRE(ev.list.size() == 2);
    CHECK(ev.list[0].rfind("failed:", 0) == 0);
    CHECK(ev.list[0].find("refused") != std::string::npos);
    CHECK(ev.list[1] == "closed");
}

TEST_CASE("connector: timeout, and close() while connecting") {
    // TEST-NET-1 (RFC 5737) drops packets, so the connect timer fires; where the network
    // answers "unreachable" at once instead, that must be reported the same way.
    Loop loop;
    Events ev;
    auto addr = address("192.0.2.1", 25);
    Connection::connect(loop, reinterpret_cast<sockaddr*>(&addr), 200ms, lines(),
                        std::make_unique<ClientHandler>(ev, std::vector<std::string>{}));
    CHECK(run_until(loop, [&] { return ev.has("closed"); }, 3s));
    CHECK(ev.has_prefix("failed:"));
    CHECK_FALSE(ev.has("start"));

    Events ev2;
    Connection* c = Connection::connect(loop, reinterpret_cast<sockaddr*>(&addr), 5000ms, lines(),
                                        std::make_unique<ClientHandler>(ev2, std::vector<std::string>{}));
    c->close();
    CHECK(run_until(loop, [&] { return ev2.has("closed"); }));
    CHECK(ev2.list == std::vector<std::string>{"closed"});
}

TEST_CASE("connector: client STARTTLS with a verified certificate, and a wrong name refused") {
    TempDir dir;
    auto cert = dir.path() / "cert.pem";
    auto key = dir.path() / "key.pem";
    REQUIRE(generate_self_signed("localhost", cert, key));
    auto server_ctx = TlsContext::server(cert, key);
    REQUIRE(server_ctx);
    auto client_ctx = TlsContext::client({true, cert});
    REQUIRE(client_ctx);
    ListenerOptions o;
    o.connection.tls = *server_ctx;
    TestServer s(o);
    REQUIRE(s.start());
    auto addr = address("127.0.0.1", s.port());

    Loop loop;
    Events ev;
    ConnectionOptions co;
    co.framing = kTestLines;
    co.tls = *client_ctx;
    co.tls_server_name = "localhost";
    Connection::connect(loop, reinterpret_cast<sockaddr*>(&addr), 2000ms, co,
                        std::make_unique<ClientHandler>(ev, std::vector<std::string>{"STARTTLS", "TLS?", "QUIT"}));
    CHECK(run_until(loop, [&] { return ev.has("closed"); }));
    CHECK(ev.has("line:ready"));
    CHECK(ev.has_prefix("tls:TLSv1."));
    CHECK(ev.has_prefix("line:tls TLSv1."));
    CHECK(ev.has("line:bye"));

    Events bad;
    co.tls_server_name = "mx.example.org";  // the certificate is for localhost
    Connection::connect(loop, reinterpret_cast<sockaddr*>(&addr), 2000ms, co,
                        std::make_unique<ClientHandler>(bad, std::vector<std::string>{"STARTTLS", "TLS?"}));
    CHECK(run_until(loop, [&] { return bad.has("closed"); }));
    CHECK(bad.has("line:ready"));
    CHECK_FALSE(bad.has_prefix("tls:"));
}
