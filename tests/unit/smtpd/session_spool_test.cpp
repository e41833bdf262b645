// Spooling past the threshold (SpoolAppend / SpoolDiscard), and the data deadline and
// minimum rate (421 4.4.2, nothing queued).
#include "common/text/sasl.hpp"
#include "session_driver.hpp"

using namespace mr::smtpd;
using namespace mr::smtpd::test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kThreshold = 4096;

SessionOptions small_spool(SessionOptions o = {}) {
    o.spool_threshold = kThreshold;
    return o;
}

// A message of about `size` octets: a header section, then 78-octet lines.
std::string message(std::size_t size, std::string head = "From: <sender@remote.example>\r\nSubject: big\r\n\r\n") {
    std::string m = std::move(head);
    for (int i = 0; m.size() < size; ++i) m += "line " + std::to_string(i) + " " + std::string(64, 'x') + "\r\n";
    return m;
}

std::string stuffed(const std::string& m) { return m + ".\r\n"; }

bool logged(const Driver& d, std::string_view event) {
    return std::any_of(d.events.begin(), d.events.end(), [&](const LogEvent& e) { return e.event == event; });
}

Driver logged_in(SessionOptions o) {
    o.role = Role::Submission;
    o.tls_active = true;
    o.check_header_from = true;
    Driver d(o);
    d.take();
    d.ehlo();
    const std::string plain = mr::text::base64_encode(std::string("\0alice@example.test\0secret", 26));
    REQUIRE(d.send("AUTH PLAIN " + plain + "\r\n") == "235 2.7.0 Authentication successful\r\n");
    REQUIRE(code(d.send("MAIL FROM:<alice@example.test>\r\n")) == 250);
    REQUIRE(code(d.send("RCPT TO:<friend@remote.example>\r\n")) == 250);
    return d;
}

}  // namespace

TEST_CASE("spool: up to the threshold a message stays in memory") {
    Driver d(small_spool());
    d.take();
    d.envelope();
    const std::string m = message(kThreshold - 100);
    REQUIRE(code(d.send("DATA\r\n")) == 354);
    CHECK(d.send(stuffed(m)) == "250 2.0.0 OK queued as qid1\r\n");
    REQUIRE(d.queued.size() == 1);
    CHECK_FALSE(d.queued[0].spooled);
    CHECK(d.queued[0].message == m);
    CHECK(d.spool_appends == 0);
}

TEST_CASE("spool: past the threshold the appends carry exactly the message, in order") {
    Driver d(small_spool());
    d.take();
    d.envelope();
    const std::string m = message(200 * 1024);
    REQUIRE(code(d.send("DATA\r\n")) == 354);
    SUBCASE("in one piece") {
        CHECK(d.send(stuffed(m)) == "250 2.0.0 OK queued as qid1\r\n");
        CHECK(d.spool_appends == 1);
    }
    SUBCASE("in 1000-octet reads") {
        const std::string all = stuffed(m);
        for (std::size_t i = 0; i < all.size(); i += 1000) d.run(d.session.on_bytes(std::string_view(all).substr(i, 1000)));
        CHECK(d.take() == "250 2.0.0 OK queued as qid1\r\n");
        CHECK(d.spool_appends > 1);
    }
    REQUIRE(d.queued.size() == 1);
    CHECK(d.queued[0].spooled);
    CHECK(d.queued[0].message.empty());
    CHECK(d.spool == m);
    REQUIRE(d.spool_starts.size() == 1);
    CHECK(d.spool_starts[0].trace.helo == "client.example");
    CHECK(d.spool_starts[0].trace.for_recipient == "alice@example.test");
    CHECK_FALSE(d.spool_starts[0].submission);
    CHECK(d.spool_discards == 0);
    // The next transaction starts afresh and small.
    d.envelope();
    REQUIRE(code(d.send("DATA\r\n")) == 354);
    CHECK(d.send("small\r\n.\r\n") == "250 2.0.0 OK queued as qid2\r\n");
    CHECK_FALSE(d.queued[1].spooled);
    CHECK(d.spool_starts.size() == 1);
}

TEST_CASE("spool: BDAT chunks past the threshold") {
    Driver d(small_spool());
    d.take();
    d.envelope();
    const std::string m = message(50 * 1024);
    const std::string a = m.substr(0, 30000), b = m.substr(30000);
    CHECK(d.send("BDAT " + std::to_string(a.size()) + "\r\n" + a) == "250 2.0.0 30000 octets received\r\n");
    CHECK(d.send("BDAT " + std::to_string(b.size()) + " LAST\r\n" + b) == "250 2.0.0 OK queued as qid1\r\n");
    REQUIRE(d.queued.size() == 1);
    CHECK(d.queued[0].spooled);
    CHECK(d.spool == m);
}

TEST_CASE("spool: the data checks still refuse past the threshold, and the spool is discarded") {
    std::string m = message(20 * 1024);
    std::string expect;
    SessionOptions o = small_spool();
    SUBCASE("bare LF") {
        m += "bare\nline\r\n";
        expect = "554 5.6.0";
    }
    SUBCASE("long line") {
        m += std::string(999, 'y') + "\r\n";
        expect = "554 5.6.0";
    }
    SUBCASE("size") {
        o.max_message_size = 10 * 1024;
        expect = "552 5.3.4";
    }
    Driver d(o);
    d.take();
    d.envelope();
    REQUIRE(code(d.send("DATA\r\n")) == 354);
    CHECK(d.send(stuffed(message(30 * 1024, m))).rfind(expect, 0) == 0);
    CHECK(d.queued.empty());
    CHECK(d.spool_starts.size() == 1);
    CHECK(d.spool_discards == 1);
    // The session goes on.
    CHECK(d.send("MAIL FROM:<>\r\n") == "250 2.1.0 Sender OK\r\n");
}

TEST_CASE("spool: the quota check at the end of data sees the whole size") {
    Driver d(small_spool());
    d.quota_room["alice@example.test"] = 10 * 1024;
    d.take();
    d.envelope();
    REQUIRE(code(d.send("DATA\r\n")) == 354);
    CHECK(d.send(stuffed(message(20 * 1024))).rfind("552 5.2.2", 0) == 0);
    CHECK(d.queued.empty());
    CHECK(d.spool_discards == 1);
}

TEST_CASE("spool: RSET after BDAT chunks, EHLO, and a failed append discard the spool") {
    Driver d(small_spool());
    d.take();
    d.envelope();
    const std::string a = message(10 * 1024);
    CHECK(code(d.send("BDAT " + std::to_string(a.size()) + "\r\n" + a)) == 250);
    CHECK(d.spool_starts.size() == 1);
    CHECK(d.send("RSET\r\n") == "250 2.0.0 OK\r\n");
    CHECK(d.spool_discards == 1);
    d.envelope();
    CHECK(code(d.send("BDAT " + std::to_string(a.size()) + "\r\n" + a)) == 250);
    CHECK(code(d.send("EHLO again.example\r\n")) == 250);
    CHECK(d.spool_discards == 2);

    d.fail_spool = true;
    d.envelope();
    REQUIRE(code(d.send("DATA\r\n")) == 354);
    CHECK(d.send(stuffed(message(20 * 1024))).rfind("451 4.3.0", 0) == 0);
    CHECK(d.queued.empty());
    CHECK(d.spool_discards == 3);
    CHECK(logged(d, "spool_failed"));
}

TEST_CASE("spool: submission From: check reads the header kept in memory") {
    Driver d = logged_in(small_spool());
    REQUIRE(code(d.send("DATA\r\n")) == 354);
    SUBCASE("a From: of the user is queued, with the fix-ups asked for") {
        CHECK(d.send(stuffed(message(20 * 1024, "From: <alice@example.test>\r\n\r\n"))) ==
              "250 2.0.0 OK queued as qid1\r\n");
        REQUIRE(d.from_checks.size() == 1);
        CHECK(d.from_checks[0] == std::vector<std::string>{"alice@example.test"});
        CHECK(d.queued.size() == 1);
        REQUIRE(d.spool_starts.size() == 1);
        CHECK(d.spool_starts[0].submission);
        CHECK(d.spool_starts[0].missing.date);
        CHECK(d.spool_starts[0].missing.message_id);
    }
    SUBCASE("a From: of someone else is refused") {
        CHECK(d.send(stuffed(message(20 * 1024, "From: <ceo@example.test>\r\n\r\n"))).rfind("553 5.7.1", 0) == 0);
        CHECK(d.queued.empty());
        CHECK(d.spool_discards == 1);
    }
    SUBCASE("a header section longer than the threshold is refused, nothing spooled") {
        std::string head = "From: <alice@example.test>\r\n";
        while (head.size() < kThreshold + 100) head += "X-Filler: " + std::string(60, 'f') + "\r\n";
        head += "From: <ceo@example.test>\r\n\r\n";
        CHECK(d.send(stuffed(message(20 * 1024, head))).rfind("553 5.7.1", 0) == 0);
        CHECK(d.queued.empty());
        CHECK(d.spool_starts.empty());
    }
}

TEST_CASE("data deadline: 421 4.4.2 and nothing queued") {
    SessionOptions o;
    o.data_deadline = 60s;
    o.data_min_rate = 0;
    Driver d(small_spool(o));
    d.take();
    d.envelope();
    const Clock::time_point t0{};
    REQUIRE(code(d.send_at("DATA\r\n", t0)) == 354);
    CHECK(d.session.next_data_check() == t0 + 60s);
    CHECK(d.send_at(message(10 * 1024), t0 + 30s).empty());
    SUBCASE("by a tick") {
        d.run(d.session.on_tick(t0 + 59s));
        CHECK(d.take().empty());
        d.run(d.session.on_tick(t0 + 60s));
    }
    SUBCASE("by bytes after the deadline, the final dot included") {
        d.run(d.session.on_bytes(".\r\n", t0 + 61s));
    }
    CHECK(d.take() == "421 4.4.2 mx.example.test Data timeout, closing connection\r\n");
    CHECK(d.closed);
    CHECK(d.queued.empty());
    CHECK(d.spool_discards == 1);
    CHECK(logged(d, "data_timeout"));
    CHECK_FALSE(d.session.next_data_check());
}

TEST_CASE("data deadline: BDAT counts from the first chunk to LAST, not beyond") {
    SessionOptions o;
    o.data_deadline = 60s;
    o.data_min_rate = 0;
    Driver d(o);
    d.take();
    d.envelope();
    const Clock::time_point t0{};
    CHECK(code(d.send_at("BDAT 5\r\nhello", t0)) == 250);
    SUBCASE("finished in time") {
        CHECK(code(d.send_at("BDAT 2 LAST\r\n\r\n", t0 + 59s)) == 250);
        CHECK(d.queued.size() == 1);
        CHECK_FALSE(d.session.next_data_check());
        d.run(d.session.on_tick(t0 + 600s));
        CHECK_FALSE(d.closed);
    }
    SUBCASE("too late") {
        CHECK(d.send_at("BDAT 2 LAST\r\n\r\n", t0 + 61s).rfind("421 4.4.2", 0) == 0);
        CHECK(d.queued.empty());
        CHECK(d.closed);
    }
}

TEST_CASE("data minimum rate: checked after the grace period") {
    SessionOptions o;
    o.data_deadline = 600s;
    o.data_min_rate = 100;
    o.data_rate_grace = 30s;
    Driver d(o);
    d.take();
    d.envelope();
    const Clock::time_point t0{};
    REQUIRE(code(d.send_at("DATA\r\n", t0)) == 354);
    // 1 octet a second: fine during the grace period.
    for (int s = 1; s < 30; ++s) CHECK(d.send_at("x", t0 + std::chrono::seconds(s)).empty());
    CHECK(d.session.next_data_check() == t0 + 30s);
    CHECK(d.send_at("x", t0 + 31s) == "421 4.4.2 mx.example.test Data timeout, closing connection\r\n");
    CHECK(d.queued.empty());
    REQUIRE(logged(d, "data_timeout"));
    for (const auto& e : d.events) {
        if (e.event == "data_timeout") CHECK(e.fields[0].second == "min_rate");
    }
}

TEST_CASE("data minimum rate: a fast client is never cut off") {
    SessionOptions o;
    o.data_min_rate = 100;
    o.data_rate_grace = 30s;
    Driver d(o);
    d.take();
    d.envelope();
    const Clock::time_point t0{};
    REQUIRE(code(d.send_at("DATA\r\n", t0)) == 354);
    const std::string line = std::string(200, 'a') + "\r\n";
    for (int s = 1; s < 100; ++s) CHECK(d.send_at(line, t0 + std::chrono::seconds(s)).empty());
    CHECK(d.send_at(".\r\n", t0 + 100s) == "250 2.0.0 OK queued as qid1\r\n");
}
