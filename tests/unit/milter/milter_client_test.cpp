// The blocking client against a scripted milter on loopback (a thread of the test).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include "common/milter/milter_client.hpp"

using namespace mr::milter;
using namespace std::chrono_literals;
using namespace std::string_literals;

namespace {

std::string u32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xff), static_cast<char>((v >> 8) & 0xff),
            static_cast<char>(v & 0xff)};
}

// Accepts one connection; `reply` gives the bytes to answer each packet with. Records the
// commands it saw, in order.
class FakeMilter {
public:
    using Script = std::function<std::string(const Packet&)>;
    explicit FakeMilter(Script reply) : reply_(std::move(reply)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
        ::listen(fd_, 1);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeMilter() {
        wait();
        ::close(fd_);
    }
    // Until the client has hung up.
    void wait() {
        if (thread_.joinable()) thread_.join();
    }
    std::uint16_t port = 0;
    std::string commands;
    std::vector<Packet> packets;

private:
    void serve() {
        const int c = ::accept(fd_, nullptr, nullptr);
        PacketReader reader;
        char buf[4096];
        for (;;) {
            const ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) break;
            reader.feed(std::string_view(buf, static_cast<std::size_t>(n)));
            while (auto p = reader.next()) {
                if (!*p) break;
                commands += (*p)->command;
                packets.push_back(**p);
                const std::string out = reply_(**p);
                if (!out.empty()) (void)::send(c, out.data(), out.size(), MSG_NOSIGNAL);
            }
        }
        ::close(c);
    }
    int fd_ = -1;
    Script reply_;
    std::thread thread_;
};

Transaction transaction() {
    Transaction t;
    t.queue_id = "Q123";
    t.our_hostname = "mx.example.org";
    t.client_ip = "192.0.2.1";
    t.client_port = 4242;
    t.helo = "client.example";
    t.sender = "a@example.com";
    t.recipients = {"b@example.org", "c@example.org"};
    return t;
}

const std::string kHeader = "Subject: hi\r\nFrom: a@example.com\r\n\r\n";
const std::string kBody = "body\r\n";

std::string optneg(std::uint32_t actions, std::uint32_t flags) {
    return packet('O', u32(6) + u32(actions) + u32(flags));
}

}  // namespace

TEST_CASE("every step in order, then the end-of-message changes") {
    FakeMilter m([](const Packet& p) -> std::string {
        switch (p.command) {
        case 'O': return optneg(action::kSupported, 0);
        case 'D': case 'Q': return {};
        case 'E':
            return packet('p', {}) + packet('h', "X-Spam\0Yes\0"s) + packet('m', u32(1) + "Subject\0[SPAM] hi\0"s) +
                   packet('q', "looks bad\0"s) + packet('c', {});
        default: return packet('c', {});
        }
    });
    auto o = run_conversation({"127.0.0.1", m.port}, 2000ms, transaction(), {kHeader, kBody, {}, 0});
    REQUIRE(o);
    CHECK(o->verdict == Outcome::Verdict::Accept);
    REQUIRE(o->edits.size() == 2);
    CHECK(o->edits[0].kind == HeaderEdit::Kind::Add);
    CHECK(o->edits[1].value == "[SPAM] hi");
    CHECK(o->quarantine == "looks bad");
    m.wait();
    CHECK(m.commands == "ODCHDMDRDRTLLNBDEQ");
    // Header values go without the space after the colon; the connect step names the client.
    CHECK(m.packets[11].data == "Subject\0hi\0"s);
    CHECK(m.packets[2].data == "[192.0.2.1]\0" "4\x10\x92" "192.0.2.1\0"s);
    CHECK(m.packets[14].data == kBody);
}

TEST_CASE("steps the milter declines are not sent, unanswered ones not waited for") {
    using namespace protocol;
    FakeMilter m([](const Packet& p) -> std::string {
        switch (p.command) {
        case 'O': return optneg(action::kSupported, kNoConnect | kNoHelo | kNrMail | kNrRcpt | kNoHeaders | kNoBody |
                                                        kNrData | kNrEoh);
        case 'E': return packet('a', {});
        default: return {};
        }
    });
    auto o = run_conversation({"127.0.0.1", m.port}, 2000ms, transaction(), {kHeader, kBody, {}, 0});
    REQUIRE(o);
    CHECK(o->verdict == Outcome::Verdict::Accept);
    m.wait();
    CHECK(m.commands == "ODDMDRDRTNDEQ");
}

TEST_CASE("a reply code at RCPT ends the replay") {
    FakeMilter m([](const Packet& p) -> std::string {
        switch (p.command) {
        case 'O': return optneg(action::kSupported, 0);
        case 'D': case 'Q': return {};
        case 'R': return packet('y', "550 5.7.1 No such luck\0"s);
        default: return packet('c', {});
        }
    });
    auto o = run_conversation({"127.0.0.1", m.port}, 2000ms, transaction(), {kHeader, kBody, {}, 0});
    REQUIRE(o);
    CHECK(o->verdict == Outcome::Verdict::Reject);
    REQUIRE(o->reply);
    CHECK(o->reply->text == "No such luck");
    CHECK(o->step == "rcpt");
    m.wait();
    CHECK(m.commands == "ODCHDMDRQ");
}

TEST_CASE("discard and tempfail at end of message") {
    for (char verdict : {'d', 't', 'r'}) {
        FakeMilter m([verdict](const Packet& p) -> std::string {
            if (p.command == 'O') return optneg(action::kSupported, 0);
            if (p.command == 'D' || p.command == 'Q') return {};
            return packet(p.command == 'E' ? verdict : 'c', {});
        });
        auto o = run_conversation({"127.0.0.1", m.port}, 2000ms, transaction(), {kHeader, kBody, {}, 0});
        REQUIRE(o);
        CHECK(o->verdict == (verdict == 'd'   ? Outcome::Verdict::Discard
                             : verdict == 't' ? Outcome::Verdict::TempFail
                                              : Outcome::Verdict::Reject));
    }
}

TEST_CASE("a silent milter times out; a wrong answer is an error") {
    {
        FakeMilter m([](const Packet&) { return std::string(); });
        const auto start = std::chrono::steady_clock::now();
        auto o = run_conversation({"127.0.0.1", m.port}, 200ms, transaction(), {kHeader, kBody, {}, 0});
        CHECK(!o);
        CHECK(std::chrono::steady_clock::now() - start < 2s);
    }
    {
        FakeMilter m([](const Packet& p) -> std::string {
            return p.command == 'O' ? optneg(action::kSupported, 0) : packet('h', "X\0y\0"s);
        });
        CHECK(!run_conversation({"127.0.0.1", m.port}, 2000ms, transaction(), {kHeader, kBody, {}, 0}));
    }
}

TEST_CASE("server addresses") {
    auto a = parse_server_address("inet:127.0.0.1:11332");
    REQUIRE(a);
    CHECK(a->host == "127.0.0.1");
    CHECK(a->port == 11332);
    CHECK(parse_server_address("inet:localhost:11332")->host == "localhost");
    CHECK(parse_server_address("inet6:[::1]:11332")->host == "::1");
    CHECK(!parse_server_address("unix:/run/milter.sock"));
    CHECK(!parse_server_address("inet:host"));
    CHECK(!parse_server_address("inet:host:0"));
    CHECK(!parse_server_address("inet:host:70000"));
    CHECK(!parse_server_address("inet::25"));
}
