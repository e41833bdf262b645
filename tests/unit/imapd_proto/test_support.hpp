// Helpers for the imapd_proto tests: run wire text through CommandReader and the parser.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "imapd/proto/command_reader.hpp"
#include "imapd/proto/parse_command.hpp"

namespace mr::imapd::test {

// Every event until the input is used up (NeedMore is not recorded).
inline std::vector<ReaderEvent> read_all(CommandReader& reader, std::string_view input) {
    std::vector<ReaderEvent> events;
    while (true) {
        auto ev = reader.next(input);
        if (std::holds_alternative<ReaderNeedMore>(ev)) break;
        events.push_back(std::move(ev));
    }
    return events;
}

// One command's wire text (CRLF appended) through the reader, continuations skipped.
inline ParseResult parse_wire(std::string_view wire) {
    CommandReader reader(1 << 20);
    std::string input(wire);
    input += "\r\n";
    for (auto& ev : read_all(reader, input)) {
        if (auto* ready = std::get_if<CommandReady>(&ev)) return parse_command(std::move(ready->command));
        if (std::holds_alternative<CommandRejected>(ev)) return ParseError{"", "rejected by reader", false};
    }
    return ParseError{"", "no command", false};
}

// The parsed arguments of a command that must parse, as type T.
template <class T>
T parse_ok(std::string_view wire) {
    CAPTURE(wire);
    auto r = parse_wire(wire);
    if (auto* e = std::get_if<ParseError>(&r)) {
        FAIL_CHECK("parse error: " << e->reason);
        return T{};
    }
    auto& cmd = std::get<Command>(r);
    const T* args = std::get_if<T>(&cmd.args);
    REQUIRE_MESSAGE(args != nullptr, "wrong command type: " << command_name(cmd));
    return *args;
}

// The reason of a command that must not parse.
inline std::string parse_bad(std::string_view wire) {
    CAPTURE(wire);
    auto r = parse_wire(wire);
    auto* e = std::get_if<ParseError>(&r);
    CHECK_MESSAGE(e != nullptr, "parsed but should not: " << wire);
    return e ? e->reason : std::string();
}

}  // namespace mr::imapd::test
