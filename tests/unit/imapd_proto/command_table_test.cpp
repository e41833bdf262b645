#include "imapd/proto/command_table.hpp"

#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace mr::imapd;

namespace {

CommandRules rules_of(std::string_view wire) {
    CAPTURE(wire);
    auto r = test::parse_wire(wire);
    REQUIRE(std::holds_alternative<Command>(r));
    return command_rules(std::get<Command>(r).args);
}

std::string states(std::string_view wire) {
    const auto r = rules_of(wire);
    std::string s;
    if (allowed_in(r, SessionState::NotAuthenticated)) s += "N";
    if (allowed_in(r, SessionState::Authenticated)) s += "A";
    if (allowed_in(r, SessionState::Selected)) s += "S";
    return s;
}

}  // namespace

TEST_CASE("command table: states of every command") {
    struct Row {
        const char* wire;
        const char* states;
    };
    const Row rows[] = {
        {"a CAPABILITY", "NAS"}, {"a NOOP", "NAS"}, {"a LOGOUT", "NAS"}, {"a ID NIL", "NAS"},
        {"a ENABLE X", "A"}, {"a STARTTLS", "N"}, {"a AUTHENTICATE PLAIN", "N"}, {"a LOGIN u p", "N"},
        {"a SELECT x", "AS"}, {"a EXAMINE x", "AS"}, {"a CREATE x", "AS"}, {"a DELETE x", "AS"},
        {"a RENAME x y", "AS"}, {"a SUBSCRIBE x", "AS"}, {"a UNSUBSCRIBE x", "AS"},
        {"a LIST \"\" *", "AS"}, {"a LSUB \"\" *", "AS"}, {"a STATUS x (MESSAGES)", "AS"},
        {"a APPEND x {1+}\r\nz", "AS"}, {"a NAMESPACE", "AS"}, {"a IDLE", "AS"},
        {"a CHECK", "S"}, {"a CLOSE", "S"}, {"a UNSELECT", "S"}, {"a EXPUNGE", "S"},
        {"a UID EXPUNGE 1", "S"}, {"a SEARCH ALL", "S"}, {"a FETCH 1 UID", "S"},
        {"a STORE 1 FLAGS ()", "S"}, {"a COPY 1 x", "S"}, {"a MOVE 1 x", "S"},
        {"a UID SEARCH ALL", "S"}, {"a UID FETCH 1 UID", "S"}, {"a UID STORE 1 FLAGS ()", "S"},
        {"a UID COPY 1 x", "S"}, {"a UID MOVE 1 x", "S"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.wire);
        CHECK(states(row.wire) == row.states);
    }
}

TEST_CASE("command table: EXPUNGE responses and sequence numbers (rfc3501 §5.5, §7.4.1)") {
    for (const char* w : {"a FETCH 1 FLAGS", "a STORE 1 FLAGS ()", "a SEARCH ALL"}) {
        CAPTURE(w);
        CHECK(rules_of(w).forbids_expunge);
        CHECK(rules_of(w).uses_sequence_numbers);
    }
    for (const char* w : {"a UID FETCH 1 FLAGS", "a UID STORE 1 FLAGS ()", "a UID SEARCH ALL", "a UID COPY 1 x",
                          "a NOOP", "a EXPUNGE"}) {
        CAPTURE(w);
        CHECK(!rules_of(w).forbids_expunge);
    }
    CHECK(rules_of("a COPY 1 x").uses_sequence_numbers);
    CHECK(!rules_of("a UID MOVE 1 x").uses_sequence_numbers);
    CHECK(rules_of("a IDLE").raw_line_follows);
    CHECK(rules_of("a AUTHENTICATE PLAIN").raw_line_follows);
    CHECK(!rules_of("a LOGIN u p").raw_line_follows);
}
