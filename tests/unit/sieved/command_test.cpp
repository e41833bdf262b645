#include <doctest/doctest.h>

#include "sieved/proto/command.hpp"

using namespace mr::sieved;
using Status = ParseResult::Status;

TEST_CASE("managesieve command: name, quoted strings, atoms, CRLF or LF") {
    auto r = parse_command("havespace \"my \\\"script\\\"\" 1234\r\nNOOP\r\n");
    REQUIRE(r.status == Status::Complete);
    CHECK(r.command.name == "HAVESPACE");
    REQUIRE(r.command.args.size() == 2);
    CHECK(r.command.args[0].kind == Argument::Kind::String);
    CHECK(r.command.args[0].value == "my \"script\"");
    CHECK(r.command.args[1].kind == Argument::Kind::Atom);
    CHECK(r.command.args[1].value == "1234");
    CHECK(r.consumed == std::string_view("havespace \"my \\\"script\\\"\" 1234\r\n").size());
    CHECK(parse_command("LOGOUT\n").status == Status::Complete);
}

TEST_CASE("managesieve command: literals {n+} and {n}, split anywhere") {
    const std::string cmd = "PUTSCRIPT \"a\" {12+}\r\nkeep;\r\nstop;\r\n";
    for (std::size_t cut = 0; cut < cmd.size(); ++cut)
        CHECK(parse_command(std::string_view(cmd).substr(0, cut)).status == Status::Incomplete);
    auto r = parse_command(cmd);
    REQUIRE(r.status == Status::Complete);
    CHECK(r.consumed == cmd.size());
    CHECK(r.command.args[1].value == "keep;\r\nstop;");
    auto sync = parse_command("CHECKSCRIPT {5}\r\nkeep;\r\n");
    REQUIRE(sync.status == Status::Complete);
    CHECK(sync.command.args[0].value == "keep;");
}

TEST_CASE("managesieve command: errors skip their line, framing losses are fatal") {
    auto r = parse_command("PUTSCRIPT \"a\nb\"\r\nNOOP\r\n");
    REQUIRE(r.status == Status::Error);
    CHECK(std::string_view("PUTSCRIPT \"a\nb\"\r\nNOOP\r\n").substr(r.consumed) == "b\"\r\nNOOP\r\n");
    CHECK(parse_command("\r\n").status == Status::Error);
    CHECK(parse_command("X \"a\"junk\r\n").status == Status::Error);
    CHECK(parse_command("X {abc}\r\n").status == Status::Error);
    CommandLimits small;
    small.max_literal = 10;
    small.max_line = 20;
    CHECK(parse_command("PUTSCRIPT \"a\" {11+}\r\n", small).status == Status::Fatal);
    CHECK(parse_command("X {99999999999+}\r\n").status == Status::Fatal);
    CHECK(parse_command(std::string(21, 'A'), small).status == Status::Fatal);
    CHECK(parse_command("X " + std::string(30, 'a'), small).status == Status::Fatal);
    CHECK(parse_command("X \"" + std::string(1025, 'a') + "\"\r\n").status == Status::Error);
}

TEST_CASE("managesieve: a SASL response line is one string") {
    auto r = parse_string_line("\"AGJvYgBwdw==\"\r\n");
    REQUIRE(r.status == Status::Complete);
    REQUIRE(r.command.args.size() == 1);
    CHECK(r.command.args[0].value == "AGJvYgBwdw==");
    CHECK(parse_string_line("{4+}\r\nabcd\r\n").command.args[0].value == "abcd");
    CHECK(parse_string_line("abc\r\n").status == Status::Error);
}

TEST_CASE("managesieve: strings the server sends") {
    CHECK(wire_string("a \"b\" \\") == "\"a \\\"b\\\" \\\\\"");
    CHECK(wire_string("line 1\r\nline 2") == "{14}\r\nline 1\r\nline 2");
}
