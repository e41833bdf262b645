#include "imapd/proto/command_table.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "test_support.hpp"

using namespace mr::imapd;

namespace {

const CommandSpec& rules_of(std::string_view wire) {
    CAPTURE(wire);
    auto r = test::parse_wire(wire);
    REQUIRE(std::holds_alternative<Command>(r));
    REQUIRE(std::get<Command>(r).spec != nullptr);
    return *std::get<Command>(r).spec;
}

std::string states(std::string_view wire) {
    const auto& r = rules_of(wire);
    std::string s;
    if (r.allowed_in(SessionState::NotAuthenticated)) s += "N";
    if (r.allowed_in(SessionState::Authenticated)) s += "A";
    if (r.allowed_in(SessionState::Selected)) s += "S";
    return s;
}

std::multiset<std::string> words(std::string_view text) {
    std::multiset<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find(' ', pos);
        if (end == std::string_view::npos) end = text.size();
        if (end > pos) out.emplace(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
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
        {"a GETQUOTA \"\"", "AS"}, {"a GETQUOTAROOT INBOX", "AS"}, {"a SETQUOTA \"\" ()", "AS"},
        {"a COMPRESS DEFLATE", "AS"},
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

TEST_CASE("command table: every entry's name finds it, and parses to its type") {
    for (const auto& e : command_table()) {
        CAPTURE(e.name);
        const bool uid = e.uid_form();
        const std::string_view own = uid ? e.name.substr(4) : e.name;
        CHECK(find_command(own, uid) == &e);
        std::string lower(own);
        for (char& c : lower) c = static_cast<char>(c | 0x20);
        CHECK(find_command(lower, uid) == &e);
        CHECK(find_command(own, !uid) != &e);
        // Without its arguments: a command that needs them says so, one that takes none
        // parses; either way the parser reached this entry (not "Unknown command").
        auto r = test::parse_wire("a " + std::string(e.name));
        if (e.has_args) {
            REQUIRE(std::holds_alternative<ParseError>(r));
            CHECK(std::get<ParseError>(r).reason == "Missing arguments");
        } else {
            REQUIRE(std::holds_alternative<Command>(r));
            CHECK(std::get<Command>(r).spec == &e);
            CHECK(std::get<Command>(r).args.index() == e.type);
            CHECK(command_name(std::get<Command>(r)) == e.name);
        }
    }
}

TEST_CASE("command table: CAPABILITY is the base and the entries' capabilities") {
    CapabilityContext ctx;
    ctx.append_limit = 1000;
    const std::string common =
        "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE UTF8=ACCEPT UNAUTHENTICATE CONDSTORE QRESYNC "
        "CREATE-SPECIAL-USE STATUS=SIZE MULTIAPPEND CATENATE "
        "APPENDLIMIT=1000 IDLE NAMESPACE UIDPLUS ESEARCH SEARCHRES WITHIN BINARY OBJECTID SAVEDATE MOVE SPECIAL-USE "
        "CHILDREN LIST-EXTENDED "
        "LIST-STATUS UNSELECT QUOTA QUOTA=RES-STORAGE COMPRESS=DEFLATE SORT SORT=DISPLAY ESORT THREAD=ORDEREDSUBJECT "
        "THREAD=REFERENCES ACL RIGHTS=texk CONTEXT=SEARCH CONTEXT=SORT NOTIFY";
    ctx.logged_in = true;
    CHECK(capability_list(ctx) == common);
    ctx.logged_in = false;
    CHECK(capability_list(ctx) == common + " LOGINDISABLED");
    ctx.tls_available = true;
    CHECK(capability_list(ctx) == common + " STARTTLS LOGINDISABLED");
    ctx.insecure_auth_allowed = true;
    CHECK(capability_list(ctx) == common + " STARTTLS AUTH=PLAIN AUTH=LOGIN");
    ctx.tls_active = true;
    CHECK(capability_list(ctx) == common + " AUTH=PLAIN AUTH=LOGIN");

    // Every word advertised in some state comes from kBaseCapabilities or an entry, and
    // every word of those is advertised in some state, once.
    std::multiset<std::string> from_table = words(kBaseCapabilities);
    for (const auto& e : command_table()) {
        for (const Capability& c : {e.capability, e.conditional}) {
            if (c.when != Advertise::Never) from_table.merge(words(c.words));
        }
    }
    std::set<std::string> advertised;
    for (int bits = 0; bits < 16; ++bits) {
        const CapabilityContext c{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0};
        // APPENDLIMIT= takes its value from the context (RFC 7889 §2).
        for (const auto& w : words(capability_list(c)))
            advertised.insert(w.starts_with("APPENDLIMIT=") ? std::string("APPENDLIMIT=") : w);
    }
    CHECK(std::multiset<std::string>(advertised.begin(), advertised.end()) == from_table);
}
