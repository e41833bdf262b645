#include "common/log/redact.hpp"

#include <doctest/doctest.h>

using mr::log::redact_command;

TEST_CASE("redact: credential verbs lose their secret, nothing else changes") {
    struct Row {
        std::string_view in;
        std::string_view out;
        const char* why;
    };
    const Row rows[] = {
        {"AUTH PLAIN AGpvZQBzZWNyZXQ=", "AUTH PLAIN <redacted>", "SMTP initial response"},
        {"auth login dXNlcg==", "auth login <redacted>", "verbs are case-insensitive"},
        {"AUTH LOGIN", "AUTH LOGIN", "no secret on the line: unchanged"},
        {"PASS hunter2", "PASS <redacted>", "POP3 password"},
        {"PASS with spaces in it", "PASS <redacted>", "the whole rest is the password"},
        {"APOP joe c4c9334bac560ecc979e58001b3e22fb", "APOP joe <redacted>", "POP3 APOP digest"},
        {"a1 LOGIN joe secret", "a1 LOGIN joe <redacted>", "IMAP LOGIN"},
        {"a1 login \"jo e\" \"se cret\"", "a1 login \"jo e\" <redacted>", "quoted user kept whole"},
        {"a1 LOGIN {3}", "a1 LOGIN <redacted>", "literal user: hide everything"},
        {"a2 AUTHENTICATE PLAIN AGpvZQ==", "a2 AUTHENTICATE PLAIN <redacted>", "IMAP SASL-IR"},
        {"a3 SELECT INBOX", "a3 SELECT INBOX", "ordinary command untouched"},
        {"MAIL FROM:<a@b>", "MAIL FROM:<a@b>", "ordinary SMTP untouched"},
        {"", "", "empty line"},
    };
    for (const Row& r : rows) {
        CHECK_MESSAGE(redact_command(r.in) == r.out, r.why);
    }
}
