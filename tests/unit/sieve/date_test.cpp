// RFC 5260 date, currentdate and index (common/sieve/date_parts, the interpreter's date
// tests): the RFC's own examples, every date-part, zones, and the compile-time checks.
#include <doctest/doctest.h>

#include <string>

#include "common/sieve/compiler.hpp"
#include "common/sieve/date_parts.hpp"
#include "common/sieve/interpreter.hpp"

using namespace mr::sieve;

namespace {

const std::string kMessage =
    "Received: from a.example by b.example; Tue, 1 Apr 1997 09:10:00 -0800\r\n"
    "Received: from c.example by a.example; Tue, 1 Apr 1997 09:07:00 -0800\r\n"
    "Date: Tue, 1 Apr 1997 09:06:31 -0800 (PST)\r\n"
    "From: coyote@desert.example.org\r\n"
    "To: roadrunner@acme.example.com\r\n"
    "X-Note: first\r\n"
    "X-Note: second\r\n"
    "X-Note: third\r\n"
    "Subject: present\r\n"
    "\r\n"
    "hi\r\n";

// 2026-12-07 13:20:05 UTC, a Monday.
constexpr std::int64_t kNow = 1796649605;

// true when the script files the message into "yes".
bool yes(const std::string& tests, int local_zone = 0) {
    const std::string script = "require [\"date\", \"index\", \"fileinto\", \"relational\", \"variables\"];\n"
                               "if " + tests + " { fileinto \"yes\"; }\n";
    auto program = compile_script(script);
    if (!program) FAIL(program.error().message);
    MessageView view(kMessage);
    view.now = kNow;
    view.local_zone_minutes = local_zone;
    const auto out = run(*program, view);
    REQUIRE(out.ok);
    return out.actions.front().kind == Action::Kind::FileInto;
}

std::string refused(const std::string& script) {
    auto program = compile_script(script);
    REQUIRE_FALSE(program);
    return program.error().message;
}

}  // namespace

TEST_CASE("date parts of one instant, in a zone") {
    CHECK(date_part("year", kNow, 0) == "2026");
    CHECK(date_part("month", kNow, 0) == "12");
    CHECK(date_part("day", kNow, 0) == "07");
    CHECK(date_part("date", kNow, 0) == "2026-12-07");
    CHECK(date_part("julian", kNow, 0) == "61381");  // MJD of 2026-12-07
    CHECK(date_part("julian", 0, 0) == "40587");
    CHECK(date_part("hour", kNow, 0) == "13");
    CHECK(date_part("minute", kNow, 0) == "20");
    CHECK(date_part("second", kNow, 0) == "05");
    CHECK(date_part("time", kNow, 0) == "13:20:05");
    CHECK(date_part("weekday", kNow, 0) == "1");
    CHECK(date_part("zone", kNow, 0) == "+0000");
    CHECK(date_part("iso8601", kNow, 0) == "2026-12-07T13:20:05+00:00");
    CHECK(date_part("std11", kNow, 0) == "Mon, 7 Dec 2026 13:20:05 +0000");
    // Eleven hours east: the day after, a Tuesday; eleven west: the same day.
    CHECK(date_part("date", kNow, 660) == "2026-12-08");
    CHECK(date_part("weekday", kNow, 660) == "2");
    CHECK(date_part("iso8601", kNow, 660) == "2026-12-08T00:20:05+11:00");
    CHECK(date_part("iso8601", kNow, -660) == "2026-12-07T02:20:05-11:00");
    CHECK(date_part("weekday", kNow - 86400, 0) == "0");
    CHECK(date_part("std11", kNow, 330) == "Mon, 7 Dec 2026 18:50:05 +0530");
    CHECK(date_part("zone", kNow, 0, false) == "-0000");
    CHECK(parse_zone("+0130") == 90);
    CHECK(parse_zone("-0800") == -480);
    CHECK_FALSE(parse_zone("+0160"));
    CHECK_FALSE(parse_zone("0100"));
    CHECK_FALSE(parse_zone("+01:00"));
}

TEST_CASE("date: the header's date in our zone, :zone or :originalzone (RFC 5260 §4.1)") {
    // Date: 09:06:31 -0800 is 17:06:31 UTC.
    CHECK(yes(R"(date "date" "hour" "17")"));
    CHECK(yes(R"(date :originalzone "date" "hour" "09")"));
    CHECK(yes(R"(date :originalzone "date" "zone" "-0800")"));
    CHECK(yes(R"(date :zone "+0100" "date" "time" "18:06:31")"));
    CHECK(yes(R"(date "date" "hour" "18")", 60));  // our zone +0100
    CHECK(yes(R"(date "date" "date" "1997-04-01")"));
    CHECK(yes(R"(date :value "ge" "date" "date" "1997-01-01")"));
    CHECK(yes(R"(date :zone "-0800" "date" "weekday" "2")"));  // a Tuesday
    // RFC 5260 §7 example: the Received field's date follows its last ";".
    CHECK(yes(R"(date :originalzone "received" "time" "09:10:00")"));
    CHECK_FALSE(yes(R"(date "x-missing" "year" "1997")"));
    CHECK_FALSE(yes(R"(date "subject" "year" "1997")"));  // not a date: false
    // A zone a variable makes invalid: false, not an error.
    CHECK_FALSE(yes(R"(allof(string "x" "x", date :zone "${bad}" "date" "year" "1997"))"));
}

TEST_CASE("currentdate: the clock (RFC 5260 §5), the vacation --until form") {
    CHECK(yes(R"(currentdate "date" "2026-12-07")"));
    CHECK(yes(R"(currentdate :zone "+1100" "date" "2026-12-08")"));
    CHECK(yes(R"(currentdate :value "le" "date" "2026-12-31")"));
    CHECK_FALSE(yes(R"(currentdate :value "le" "date" "2026-12-06")"));
    CHECK(yes(R"(currentdate :value "ge" "hour" "13")"));
    CHECK(yes(R"(currentdate "weekday" "1")"));
}

TEST_CASE(":index and :last pick one occurrence (RFC 5260 §6)") {
    CHECK(yes(R"(header :index 2 "x-note" "second")"));
    CHECK_FALSE(yes(R"(header :index 2 "x-note" "first")"));
    CHECK(yes(R"(header :index 1 :last "x-note" "third")"));
    CHECK(yes(R"(header :last :index 3 "x-note" "first")"));
    CHECK_FALSE(yes(R"(header :index 4 "x-note" ["first", "second", "third"])"));
    CHECK(yes(R"(address :index 1 :domain "to" "acme.example.com")"));
    // The second Received field from the top is the older hop.
    CHECK(yes(R"(date :index 2 :originalzone "received" "time" "09:07:00")"));
    CHECK(yes(R"(date :index 1 :last :originalzone "received" "time" "09:07:00")"));
}

TEST_CASE("date, currentdate and index are checked at upload") {
    CHECK(refused("if date \"date\" \"year\" \"1997\" { stop; }").find("needs require \"date\"") != std::string::npos);
    CHECK(refused("require \"date\"; if header :index 1 \"x\" \"y\" { stop; }").find("needs require \"index\"") !=
          std::string::npos);
    CHECK(refused("require [\"date\", \"index\"]; if header :last \"x\" \"y\" { stop; }").find("needs ':index'") !=
          std::string::npos);
    CHECK(refused("require [\"date\", \"index\"]; if header :index 0 \"x\" \"y\" { stop; }").find("counts from 1") !=
          std::string::npos);
    CHECK(refused("require \"date\"; if date \"date\" \"century\" \"20\" { stop; }").find("unknown date part") !=
          std::string::npos);
    CHECK(refused("require \"date\"; if date :zone \"CET\" \"date\" \"year\" \"1\" { stop; }").find("time zone") !=
          std::string::npos);
    CHECK(refused("require \"date\"; if currentdate :originalzone \"year\" \"1\" { stop; }").find("unknown tag") !=
          std::string::npos);
    CHECK(refused("require \"date\"; if date :zone \"+0100\" :originalzone \"date\" \"year\" \"1\" { stop; }")
              .find("more than one zone") != std::string::npos);
    CHECK(compile_script("require [\"date\", \"index\"]; if date :index 2 :last \"received\" \"year\" \"1997\" { stop; }"));
}
