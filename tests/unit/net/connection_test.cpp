// Connection framing, byte-count mode, timeouts, pausing and back-pressure, driven over real
// loopback sockets against the echo handler of test_support.
#include <doctest/doctest.h>

#include "common/net/connection.hpp"
#include "test_support.hpp"

using namespace mr::net;
using namespace mr::net::test;
namespace text = mr::text;

namespace {

// 64 octets with CRLF.
ListenerOptions small_lines(text::BareLf lf = text::BareLf::Tolerate, text::BareCr cr = text::BareCr::Tolerate) {
    ListenerOptions o;
    o.connection.framing = text::LinePolicy{62, lf, cr};
    return o;
}

// Records every chunk; answers "n=<bytes so far>" to each.
class StreamHandler final : public ConnectionHandler {
public:
    explicit StreamHandler(std::string& seen) : seen_(seen) {}
    void on_start(Connection& c) override { c.write("hello\r\n"); }
    void on_bytes(Connection& c, std::string_view chunk, std::size_t remaining) override {
        seen_ += chunk;
        c.write("n=" + std::to_string(seen_.size()) + " r=" + std::to_string(remaining) + "\r\n");
    }

private:
    std::string& seen_;
};

}  // namespace

TEST_CASE("connection: CRLF and bare-LF lines, split at every byte") {
    TestServer s;
    REQUIRE(s.start());
    auto c = Client::connect("127.0.0.1", s.port());
    REQUIRE(c);
    CHECK(c->read_line() == "hello");

    REQUIRE(c->send("one\r\ntwo\nthree\r\n"));
    CHECK(c->read_line() == "echo: one");
    CHECK(c->read_line() == "echo: two");
    CHECK(c->read_line() == "echo: three");
    CHECK(s.rec.contains("line:two [LF]"));  // the handler can tell a bare LF

    for (char ch : std::string("split slowly\r\n")) REQUIRE(c->send(std::string(1, ch)));
    CHECK(c->read_line() == "echo: split slowly");

    REQUIRE(c->send("QUIT\r\n"));
    CHECK(c->read_line() == "bye");
    CHECK(c->wait_eof());
    CHECK(s.rec.wait_for("closed"));
}

TEST_CASE("connection: an overlong line is reported once and framing resumes after it") {
    TestServer s(small_lines());
    REQUIRE(s.start());
    auto c = Client::connect("127.0.0.1", s.port());
    REQUIRE(c);
    CHECK(c->read_line() == "hello");

    SUBCASE("whole overlong line in one write") {
        REQUIRE(c->send(std::string(100, 'a') + "\r\nNEXT\r\n"));
        CHECK(c->read_line() == "toolong");
        CHECK(c->read_line() == "echo: NEXT");
    }
    SUBCASE("reported before its end arrives, tail dropped") {
        REQUIRE(c->send(std::string(70, 'a')));
        CHECK(c->read_line() == "toolong");  // no need to wait for the LF
        REQUIRE(c->send(std::string(5000, 'b')));
        REQUIRE(c->send("bbb\r\nNEXT2\r\n"));
        CHECK(c->read_line() == "echo: NEXT2");
    }
    SUBCASE("exactly max_line including CRLF is fine, one more byte is not") {
        REQUIRE(c->send(std::string(62, 'c') + "\r\n"));
        CHECK(c->read_line() == "echo: " + std::string(62, 'c'));
        REQUIRE(c->send(std::string(63, 'd') + "\r\nok\r\n"));
        CHECK(c->read_line() == "toolong");
        CHECK(c->read_line() == "echo: ok");
    }
    CHECK(s.rec.count("toolong") == 1);
}

TEST_CASE("connection: the line policy decides on bare CR and bare LF") {
    SUBCASE("tolerated: handed to the handler, LineEnd tells a bare LF") {
        TestServer s(small_lines());
        REQUIRE(s.start());
        auto c = Client::connect("127.0.0.1", s.port());
        REQUIRE(c);
        CHECK(c->read_line() == "hello");
        REQUIRE(c->send("a\rb\r\nc\n"));
        CHECK(c->read_line() == "echo: a\rb");
        CHECK(c->read_line() == "echo: c");
        CHECK(s.rec.contains("line:c [LF]"));
        CHECK(s.rec.count("refused") == 0);
    }
    SUBCASE("refused: on_refused_line instead, framing goes on") {
        TestServer s(small_lines(text::BareLf::Refuse, text::BareCr::Refuse));
        REQUIRE(s.start());
        auto c = Client::connect("127.0.0.1", s.port());
        REQUIRE(c);
        CHECK(c->read_line() == "hello");
        REQUIRE(c->send("a\rb\r\nc\nd\re\nok\r\n"));
        CHECK(c->read_line() == "refused CR");
        CHECK(c->read_line() == "refused LF");
        CHECK(c->read_line() == "refused LF CR");
        CHECK(c->read_line() == "echo: ok");
    }
    SUBCASE("a bare-LF line over the limit is too long, not refused") {
        TestServer s(small_lines(text::BareLf::Refuse, text::BareCr::Tolerate));
        REQUIRE(s.start());
        auto c = Client::connect("127.0.0.1", s.port());
        REQUIRE(c);
        CHECK(c->read_line() == "hello");
        REQUIRE(c->send(std::string(63, 'x') + "\nok\r\n"));
        CHECK(c->read_line() == "toolong");
        CHECK(c->read_line() == "echo: ok");
    }
}

TEST_CASE("connection: the limit crossed across reads") {
    TestServer s(small_lines());
    REQUIRE(s.start());
    auto c = Client::connect("127.0.0.1", s.port());
    REQUIRE(c);
    CHECK(c->read_line() == "hello");
    // 62 octets in three writes, then the CRLF split: exactly at the limit.
    REQUIRE(c->send(std::string(30, 'a')));
    REQUIRE(c->send(std::string(30, 'a')));
    REQUIRE(c->send("aa\r"));
    REQUIRE(c->send("\n"));
    CHECK(c->read_line() == "echo: " + std::string(62, 'a'));
    // One more octet, the 63rd arriving alone: too long before its LF.
    REQUIRE(c->send(std::string(62, 'b')));
    REQUIRE(c->send("b"));
    CHECK(c->read_line() == "toolong");
    REQUIRE(c->send("\r\nok\r\n"));
    CHECK(c->read_line() == "echo: ok");
    CHECK(s.rec.count("toolong") == 1);
}

TEST_CASE("connection: HandlerFrames hands over every byte, CR and LF untouched") {
    Loop loop;
    std::string seen;
    ListenerOptions o;
    o.connection.framing = HandlerFrames{};
    Listener listener(loop, o, [&seen](Connection&) { return std::make_unique<StreamHandler>(seen); });
    REQUIRE(listener.listen("127.0.0.1:0"));
    std::thread t([&] { loop.run(); });
    auto c = Client::connect("127.0.0.1", listener.port());
    REQUIRE(c);
    CHECK(c->read_line() == "hello");
    const std::string big(100'000, 'z');
    REQUIRE(c->send("a\rb\nc\r\n" + big));
    const std::string done = "n=" + std::to_string(7 + big.size()) + " r=0";
    std::string last;
    while (last != done) {
        auto line = c->read_line();
        if (!line) break;
        last = *line;
    }
    CHECK(last == done);
    c.reset();
    loop.stop();
    t.join();
    CHECK(seen == "a\rb\nc\r\n" + big);
}

TEST_CASE("connection: byte-count mode then back to lines") {
    TestServer s(small_lines());
    REQUIRE(s.start());
    auto c = Client::connect("127.0.0.1", s.port());
    REQUIRE(c);
    CHECK(c->read_line() == "hello");

    SUBCASE("bytes pipelined with the command and the next line") {
        REQUIRE(c->send("BYTES 10\r\n0123456789AFTER\r\n"));
        CHECK(c->read_line() == "go");
        CHECK(c->read_line() == "got 0123456789");
        CHECK(c->read_line() == "echo: AFTER");
    }
    SUBCASE("bytes in pieces, CRLF inside is data, size beyond max_line") {
        REQUIRE(c->send("BYTES 200\r\n"));
        CHECK(c->read_line() == "go");
        std::string payload = "a\r\nb" + std::string(196, 'z');
        REQUIRE(c->send(payload.substr(0, 3)));
        REQUIRE(c->send(payload.substr(3, 100)));
        REQUIRE(c->send(payload.substr(103) + "NEXT\r\n"));
        CHECK(c->read_line() == "got a");  // the echoed payload contains CRLF itself
        CHECK(c->read_line() == "b" + std::string(196, 'z'));
        CHECK(c->read_line() == "echo: NEXT");
        CHECK(s.rec.contains("bytes:" + payload));
    }
}

TEST_CASE("connection: idle timeout fires, and can be changed per connection") {
    ListenerOptions o;
    o.connection.idle_timeout = std::chrono::milliseconds(200);
    TestServer s(o);
    REQUIRE(s.start());

    auto c = Client::connect("127.0.0.1", s.port());
    REQUIRE(c);
    CHECK(c->read_line() == "hello");
    auto t0 = std::chrono::steady_clock::now();
    CHECK(c->read_line(3s) == "timeout");
    auto waited = std::chrono::steady_clock::now() - t0;
    CHECK(waited >= 150ms);
    CHECK(waited < 2s);
    CHECK(c->wait_eof());

    auto d = Client::connect("127.0.0.1", s.port());
    REQUIRE(d);
    CHECK(d->read_line() == "hello");
    REQUIRE(d->send("TIMEOUT 1000\r\n"));
    CHECK(d->read_line() == "ok");
    CHECK_FALSE(d->read_line(400ms).has_value());  // the old 200 ms no longer applies
    CHECK(d->read_line(3s) == "timeout");
}

TEST_CASE("connection: pause_reading holds pipelined lines until resume") {
    TestServer s;
    REQUIRE(s.start());
    auto c = Client::connect("127.0.0.1", s.port());
    REQUIRE(c);
    CHECK(c->read_line() == "hello");
    REQUIRE(c->send("PAUSE 300\r\nAFTER\r\n"));
    CHECK_FALSE(c->read_line(150ms).has_value());
    CHECK_FALSE(s.rec.contains("line:AFTER"));
    CHECK(c->read_line() == "resumed");
    CHECK(c->read_line() == "echo: AFTER");
}

TEST_CASE("connection: a client that never reads cannot make the server buffer without bound") {
    ListenerOptions o;
    o.connection.high_water = 256 * 1024;
    o.connection.low_water = 64 * 1024;
    TestServer s(o);
    REQUIRE(s.start());
    // A small receive window so the kernel cannot soak up the whole response.
    auto c = Client::connect("127.0.0.1", s.port(), "", 16 * 1024);
    REQUIRE(c);
    CHECK(c->read_line() == "hello");

    SUBCASE("a producer that respects writable()/on_drain") {
        constexpr std::size_t kLines = 1024;  // 16 MiB
        REQUIRE(c->send("FLOOD " + std::to_string(kLines) + "\r\nPING\r\n"));
        std::this_thread::sleep_for(300ms);
        CHECK_FALSE(s.rec.contains("line:PING"));  // input is not taken while output is stuck
        CHECK(s.rec.max_buffered.load() >= o.connection.high_water);
        CHECK(s.rec.max_buffered.load() <= o.connection.high_water + 16 * 1024);
        std::size_t got = 0;
        std::optional<std::string> line;
        while ((line = c->read_line()) && *line != "flood done") {
            REQUIRE(line->size() == 16 * 1024 - 2);
            ++got;
        }
        CHECK(got == kLines);
        CHECK(c->read_line() == "echo: PING");
        CHECK(s.rec.max_buffered.load() <= o.connection.high_water + 16 * 1024);
    }
    SUBCASE("a producer that ignores writable(): reading still stops") {
        REQUIRE(c->send("BIG 8192\r\nPING\r\n"));  // 8 MiB in one go
        CHECK(s.rec.wait_for("big not writable"));
        std::this_thread::sleep_for(200ms);
        CHECK_FALSE(s.rec.contains("line:PING"));
        for (int i = 0; i < 8192; ++i) REQUIRE(c->read_line() == std::string(1022, 'y'));
        CHECK(c->read_line() == "echo: PING");
    }
}

TEST_CASE("connection: thread-pool result comes back, or is dropped if the client left") {
    TestServer s;
    REQUIRE(s.start());
    auto c = Client::connect("127.0.0.1", s.port());
    REQUIRE(c);
    CHECK(c->read_line() == "hello");
    REQUIRE(c->send("WORK\r\n"));
    CHECK(c->read_line() == "work 42");

    auto d = Client::connect("127.0.0.1", s.port());
    REQUIRE(d);
    CHECK(d->read_line() == "hello");
    REQUIRE(d->send("WORK\r\n"));
    CHECK(s.rec.wait_for("line:WORK", 5s, 2));
    d->close();  // hang up while the job runs
    CHECK(s.rec.wait_for("closed"));
    CHECK(s.rec.wait_for("work ran", 5s, 2));
    std::this_thread::sleep_for(50ms);
    CHECK(s.rec.count("work done") == 1);  // only the first connection's result was delivered
}

TEST_CASE("connection: per-connection object stays small") {
    // Everything else an idle plaintext connection holds is libuv's and its partial line.
    CHECK(sizeof(Connection) < 2048);
}
