#include "common/log/log.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace mr::log;

namespace {
// Captures lines for the duration of one test and restores the previous sink and level.
struct Capture {
    std::vector<std::string> lines;
    Sink previous;
    Capture() {
        configure("testd", Level::Debug);
        previous = set_sink([this](std::string_view l) { lines.emplace_back(l); });
    }
    ~Capture() {
        set_sink(std::move(previous));
        set_level(Level::Info);
    }
};
}  // namespace

TEST_CASE("log: a line has ts, level, daemon, event, then fields in call order") {
    std::string line = format_line("2024-05-01T12:00:00.123Z", Level::Warn, "smtpd", "accept",
                                   {conn(42), qid("Q1"), Field("peer", "127.0.0.1:5")});
    CHECK(line ==
          "ts=2024-05-01T12:00:00.123Z level=warn daemon=smtpd event=accept conn=42 qid=Q1 "
          "peer=127.0.0.1:5\n");
}

TEST_CASE("log: values are quoted and escaped only when they need it") {
    struct Row {
        std::string_view in;
        std::string_view out;
        const char* why;
    };
    const Row rows[] = {
        {"plain", "plain", "bare token stays bare"},
        {"", "\"\"", "empty must stay visible as a value"},
        {"a b", "\"a b\"", "space would split the pair"},
        {"say \"hi\"", "\"say \\\"hi\\\"\"", "quotes are escaped"},
        {"k=v", "\"k=v\"", "'=' would look like a second key"},
        {"l1\r\nevent=forged", "\"l1\\r\\nevent=forged\"", "CRLF cannot start a forged line"},
        {std::string_view("\x01\x7f", 2), "\"\\x01\\x7f\"", "other controls are hex-escaped"},
        {"back\\slash x", "\"back\\\\slash x\"", "backslash escaped inside quotes"},
        {"caf\xc3\xa9", "caf\xc3\xa9", "UTF-8 passes through"},
    };
    for (const Row& r : rows) {
        std::string out;
        append_value(out, r.in);
        CHECK_MESSAGE(out == r.out, r.why);
    }
}

TEST_CASE("log: field conversions") {
    CHECK(Field("n", 7).value == "7");
    CHECK(Field("n", -3L).value == "-3");
    CHECK(Field("b", true).value == "true");
    CHECK(Field("s", std::string("x")).value == "x");
    CHECK(Field("p", static_cast<const char*>(nullptr)).value.empty());
}

TEST_CASE("log: timestamp is RFC 3339 UTC with milliseconds") {
    using namespace std::chrono;
    system_clock::time_point t{milliseconds(1714564800123)};
    CHECK(format_timestamp(t) == "2024-05-01T12:00:00.123Z");
    CHECK(format_timestamp(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("log: levels filter and emit goes to the sink as one line") {
    Capture cap;
    set_level(Level::Warn);
    info("dropped");
    warn("kept", {Field("why", "disk full")});
    error("also kept");
    REQUIRE(cap.lines.size() == 2);
    CHECK(cap.lines[0].find(" level=warn daemon=testd event=kept why=\"disk full\"\n") !=
          std::string::npos);
    CHECK(cap.lines[0].rfind("ts=", 0) == 0);
    CHECK(cap.lines[1].find("event=\"also kept\"") != std::string::npos);
    CHECK(enabled(Level::Error));
    CHECK_FALSE(enabled(Level::Debug));
}

TEST_CASE("log: level names round-trip") {
    for (Level l : {Level::Debug, Level::Info, Level::Warn, Level::Error}) {
        CHECK(parse_level(level_name(l)) == l);
    }
    CHECK_FALSE(parse_level("verbose").has_value());
}

TEST_CASE("log: the journal's form has the syslog priority and no timestamp") {
    CHECK(format_journal_line(Level::Warn, "smtpd", "reject", {qid("Q1")}) ==
          "<4>level=warn daemon=smtpd event=reject qid=Q1\n");
    CHECK(format_journal_line(Level::Error, "d", "e", {}).starts_with("<3>level=error "));
    CHECK(format_journal_line(Level::Info, "d", "e", {}).starts_with("<6>level=info "));
    CHECK(format_journal_line(Level::Debug, "d", "e", {}).starts_with("<7>level=debug "));
}

TEST_CASE("log: the journal is stderr only when JOURNAL_STREAM names stderr's device:inode") {
    CHECK(is_journal_stream("8:12345", "8:12345"));
    CHECK_FALSE(is_journal_stream("8:12345", "8:999"));  // stderr redirected (e.g. to a file)
    CHECK_FALSE(is_journal_stream(nullptr, "8:12345"));  // not under systemd
    CHECK_FALSE(is_journal_stream("", ":"));
}
