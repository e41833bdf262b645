// Arbitrary input in every state: the core answers every line, never crashes, and only
// QUIT in TRANSACTION ever asks for an Expunge. A poor man's fuzzer (STYLE.md example 14)
// that runs under ASan/UBSan with the unit tests.
#include <doctest/doctest.h>

#include <random>

#include "tests/unit/pop3d/session_helpers.hpp"

using namespace pop3d_test;

namespace {

const char* const kTokens[] = {
    "USER", "PASS", "APOP", "AUTH", "STLS", "CAPA", "QUIT", "STAT", "LIST", "RETR", "DELE",
    "NOOP", "RSET", "TOP", "UIDL", "PLAIN", "LOGIN", "*", "=", "0", "1", "2", "3", "4",
    "4294967295", "4294967296", "-1", "AGFsaWNlAHB3", "x", "", " ", "\t", "\x01", "\xff",
    "GET",
};

std::string random_line(std::mt19937& rng) {
    std::string line;
    const int words = static_cast<int>(rng() % 4);
    for (int i = 0; i <= words; ++i) {
        if (i) line += rng() % 8 ? " " : "  ";
        line += kTokens[rng() % std::size(kTokens)];
    }
    if (rng() % 50 == 0) line += std::string(rng() % 400, 'a');
    return line;
}

// Plays the glue: completes whatever asynchronous work the actions ask for.
void complete(Session& s, Actions actions, std::mt19937& rng, bool& closed, bool& quit_seen) {
    for (int guard = 0; guard < 8 && !actions.empty(); ++guard) {
        Actions next;
        for (auto& a : actions) {
            if (std::holds_alternative<Close>(a)) closed = true;
            if (std::holds_alternative<VerifyPassword>(a)) {
                next = s.on_password_checked(rng() % 3 == 0 ? mr::Result<bool>(false) : mr::Result<bool>(true));
            } else if (std::holds_alternative<OpenMaildrop>(a)) {
                next = rng() % 5 == 0 ? s.on_maildrop(mr::Error::refused("in use")) : s.on_maildrop(three_messages());
            } else if (std::holds_alternative<SendMessage>(a)) {
                next = rng() % 4 == 0 ? s.on_message_unavailable() : s.on_message_sent();
            } else if (std::holds_alternative<Expunge>(a)) {
                CHECK(s.state_name() == "update");
                quit_seen = true;
                next = s.on_expunged({});
            } else if (std::holds_alternative<StartTls>(a)) {
                next = s.on_tls_ready();
            }
        }
        actions = std::move(next);
    }
}

}  // namespace

TEST_CASE("session: random command lines in every state") {
    for (unsigned seed = 1; seed <= 300; ++seed) {
        CAPTURE(seed);
        std::mt19937 rng(seed);
        SessionOptions o = loopback_options();
        o.insecure_auth_allowed = seed % 2;
        o.max_errors = 1000;
        Session s(o);
        s.start();
        bool closed = false;
        bool quit_seen = false;
        for (int i = 0; i < 200 && !closed; ++i) {
            const std::string line = random_line(rng);
            Actions a = rng() % 97 == 0 ? s.on_line_too_long() : s.on_line(line);
            if (s.state_name() != "update" && !s.busy()) {
                // Outside UPDATE every line gets an answer (or starts work that will).
                CHECK((!sent(a).empty() || has<VerifyPassword>(a) || has<SendMessage>(a) ||
                       has<Expunge>(a) || has<OpenMaildrop>(a)));
            }
            complete(s, std::move(a), rng, closed, quit_seen);
        }
    }
}
