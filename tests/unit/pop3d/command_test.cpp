#include "pop3d/proto/command.hpp"

#include <doctest/doctest.h>

using namespace mr::pop3d;

TEST_CASE("command: keywords are case-insensitive, arguments split on spaces") {
    auto c = parse_command("list 3");
    CHECK(c.verb == Verb::List);
    CHECK(c.keyword == "list");
    REQUIRE(c.args.size() == 1);
    CHECK(c.args[0] == "3");

    c = parse_command("ToP 1  10");
    CHECK(c.verb == Verb::Top);
    REQUIRE(c.args.size() == 2);
    CHECK(c.args[1] == "10");

    c = parse_command("STAT");
    CHECK(c.verb == Verb::Stat);
    CHECK(c.args.empty());
    CHECK(c.rest.empty());
}

TEST_CASE("command: every verb is known") {
    const std::pair<const char*, Verb> rows[] = {
        {"USER", Verb::User}, {"PASS", Verb::Pass}, {"APOP", Verb::Apop}, {"AUTH", Verb::Auth},
        {"STLS", Verb::Stls}, {"CAPA", Verb::Capa}, {"QUIT", Verb::Quit}, {"STAT", Verb::Stat},
        {"LIST", Verb::List}, {"RETR", Verb::Retr}, {"DELE", Verb::Dele}, {"NOOP", Verb::Noop},
        {"RSET", Verb::Rset}, {"TOP", Verb::Top},   {"UIDL", Verb::Uidl}, {"XTND", Verb::Unknown},
        {"STATX", Verb::Unknown}, {"", Verb::Unknown},
    };
    for (const auto& [text, verb] : rows) {
        CAPTURE(text);
        CHECK(parse_command(text).verb == verb);
    }
}

TEST_CASE("command: PASS keeps spaces in the password (RFC 1939 §7)") {
    auto c = parse_command("PASS  two words ");
    CHECK(c.verb == Verb::Pass);
    CHECK(c.rest == " two words ");
}

TEST_CASE("command: parse_number") {
    struct Row {
        const char* text;
        std::optional<std::uint32_t> expected;
        const char* why;
    };
    const Row rows[] = {
        {"1", 1u, "plain"},
        {"0", 0u, "zero parses; the session rejects it as no such message"},
        {"007", 7u, "leading zeros are digits"},
        {"4294967295", 4294967295u, "largest 32-bit value"},
        {"4294967296", std::nullopt, "overflows 32 bits"},
        {"99999999999", std::nullopt, "too many digits"},
        {"", std::nullopt, "empty"},
        {"-1", std::nullopt, "sign"},
        {"+1", std::nullopt, "sign"},
        {"1a", std::nullopt, "trailing junk"},
        {" 1", std::nullopt, "space"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.why);
        CHECK(parse_number(r.text) == r.expected);
    }
}
