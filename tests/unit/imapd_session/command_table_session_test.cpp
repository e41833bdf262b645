// The command table (imapd/proto/command_table.hpp) against the session: every entry's
// states are the ones the session enforces, and CAPABILITY is what the table advertises.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "imapd/proto/command_reader.hpp"
#include "imapd/proto/command_table.hpp"
#include "imapd/proto/parse_command.hpp"
#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd;
using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

namespace {

// Arguments that parse, per entry (what follows the name).
const std::map<std::string, std::string, std::less<>> kSampleArgs = {
    {"CAPABILITY", ""}, {"NOOP", ""}, {"LOGOUT", ""}, {"STARTTLS", ""}, {"AUTHENTICATE", " PLAIN"},
    {"LOGIN", " u p"}, {"ID", " NIL"}, {"ENABLE", " X"}, {"SELECT", " INBOX"}, {"EXAMINE", " INBOX"},
    {"CREATE", " x"}, {"DELETE", " x"}, {"RENAME", " x y"}, {"SUBSCRIBE", " x"}, {"UNSUBSCRIBE", " x"},
    {"LSUB", " \"\" *"}, {"STATUS", " INBOX (MESSAGES)"}, {"APPEND", " INBOX {0+}\r\n"}, {"IDLE", ""},
    {"NAMESPACE", ""}, {"CHECK", ""}, {"CLOSE", ""}, {"EXPUNGE", ""}, {"UID EXPUNGE", " 1"},
    {"SEARCH", " ALL"}, {"UID SEARCH", " ALL"}, {"FETCH", " 1 FLAGS"}, {"UID FETCH", " 1 FLAGS"},
    {"STORE", " 1 FLAGS ()"}, {"UID STORE", " 1 FLAGS ()"}, {"COPY", " 1 x"}, {"UID COPY", " 1 x"},
    {"MOVE", " 1 x"}, {"UID MOVE", " 1 x"}, {"LIST", " \"\" *"}, {"UNSELECT", ""},
    {"GETQUOTA", " \"\""}, {"GETQUOTAROOT", " INBOX"}, {"SETQUOTA", " \"\" (STORAGE 1)"},
    {"COMPRESS", " DEFLATE"}, {"UNAUTHENTICATE", ""},
    {"SORT", " (DATE) UTF-8 ALL"}, {"UID SORT", " (DATE) UTF-8 ALL"}, {"THREAD", " REFERENCES UTF-8 ALL"},
    {"UID THREAD", " REFERENCES UTF-8 ALL"},
    {"GETACL", " INBOX"}, {"SETACL", " INBOX bob@example.test lr"}, {"DELETEACL", " INBOX bob@example.test"},
    {"LISTRIGHTS", " INBOX bob@example.test"}, {"MYRIGHTS", " INBOX"}, {"CANCELUPDATE", " \"x\""},
    {"NOTIFY", " NONE"},
};

// A fresh session in `state`.
void enter(Harness& h, SessionState state) {
    if (state == SessionState::NotAuthenticated) return;
    REQUIRE(contains(h.login(), "l1 OK"));
    if (state == SessionState::Selected) REQUIRE(contains(h.feed("s SELECT INBOX\r\n"), "s OK"));
}

// The session's refusal of a command outside its states (session.cpp, on_command).
std::string refusal(const CommandSpec& e, SessionState state) {
    if (state == SessionState::NotAuthenticated) return "t BAD Log in first\r\n";
    if (state == SessionState::Authenticated && e.allowed_in(SessionState::Selected))
        return "t BAD No mailbox selected\r\n";
    return "t BAD Command not valid in this state\r\n";
}

}  // namespace

TEST_CASE("command table: the session enforces every entry's states") {
    for (const auto& e : command_table()) {
        CAPTURE(e.name);
        auto sample = kSampleArgs.find(e.name);
        REQUIRE_MESSAGE(sample != kSampleArgs.end(), "add sample arguments for the new command");
        {
            // The sample parses, to this entry and its type.
            CommandReader reader(1 << 20);
            std::string_view wire;
            const std::string text = "t " + std::string(e.name) + sample->second + "\r\n";
            wire = text;
            ReaderEvent ev = reader.next(wire);
            REQUIRE(std::holds_alternative<CommandReady>(ev));
            auto parsed = parse_command(std::move(std::get<CommandReady>(ev).command));
            REQUIRE(std::holds_alternative<Command>(parsed));
            CHECK(std::get<Command>(parsed).spec == &e);
            CHECK(std::get<Command>(parsed).args.index() == e.type);
        }
        for (SessionState state : {SessionState::NotAuthenticated, SessionState::Authenticated, SessionState::Selected}) {
            CAPTURE(static_cast<int>(state));
            Harness h;
            enter(h, state);
            const std::string reply = h.feed("t " + std::string(e.name) + sample->second + "\r\n");
            if (e.allowed_in(state)) {
                CHECK_FALSE(contains(reply, "t BAD Log in first"));
                CHECK_FALSE(contains(reply, "t BAD No mailbox selected"));
                CHECK_FALSE(contains(reply, "t BAD Command not valid in this state"));
            } else {
                CHECK(reply == refusal(e, state));
            }
        }
    }
}

TEST_CASE("command table: CAPABILITY lists exactly the table's capabilities") {
    SessionOptions strict = plaintext_options();
    strict.insecure_auth_allowed = false;
    for (const SessionOptions& o : {plaintext_options(), strict}) {
        Harness h(o);
        const CapabilityContext before{false, o.tls_available, o.tls_active, o.insecure_auth_allowed,
                                       o.max_message_size};
        CHECK(h.feed("c CAPABILITY\r\n") == "* CAPABILITY " + capability_list(before) + "\r\nc OK CAPABILITY completed\r\n");
        if (!o.insecure_auth_allowed) continue;
        h.login();
        const CapabilityContext after{true, o.tls_available, o.tls_active, o.insecure_auth_allowed, o.max_message_size};
        CHECK(h.feed("d CAPABILITY\r\n") == "* CAPABILITY " + capability_list(after) + "\r\nd OK CAPABILITY completed\r\n");
    }
}

TEST_CASE("command table: the session reports updates and EXPUNGE as each entry says") {
    for (const auto& e : command_table()) {
        if (!e.allowed_in(SessionState::Selected)) continue;
        CAPTURE(e.name);
        Harness h;
        enter(h, SessionState::Selected);
        for (int i = 1; i <= 3; ++i)
            REQUIRE(h.store->append("INBOX", "Subject: " + std::to_string(i) + "\r\n\r\nx\r\n"));
        REQUIRE(contains(h.feed("n NOOP\r\n"), "* 3 EXISTS"));
        // Another session expunges message 2.
        const std::uint32_t two[] = {2};
        REQUIRE(h.store->set_flags("INBOX", two, mr::storage::FlagOp::Add, mr::storage::kDeleted));
        REQUIRE(h.store->expunge("INBOX"));
        const std::string reply = h.feed("t " + std::string(e.name) + kSampleArgs.find(e.name)->second + "\r\n");
        const bool reported = !e.skips_updates && !e.forbids_expunge && !e.withholds_expunge;
        CHECK(contains(reply, "* 2 EXPUNGE\r\n") == reported);
        if (e.forbids_expunge || e.withholds_expunge)
            CHECK(contains(h.feed("m NOOP\r\n"), "* 2 EXPUNGE\r\n"));  // sent at the next command
    }
}
