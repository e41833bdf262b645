// RFC 5293 editheader: addheader [:last], deleteheader with :index/:last, comparators and
// match types, the edited message in the outcome, tests that see the edits, and the
// protected fields (Received, Auto-Submitted).
#include <doctest/doctest.h>

#include <string>

#include "common/sieve/compiler.hpp"
#include "common/sieve/interpreter.hpp"

using namespace mr::sieve;

namespace {

const std::string kMessage =
    "Received: from a.example by b.example; Tue, 1 Apr 1997 09:10:00 -0800\r\n"
    "From: coyote@desert.example.org\r\n"
    "X-Tag: one\r\n"
    "Subject: present\r\n"
    "X-Tag: two\r\n"
    "X-Tag:\r\n three\r\n"
    "Auto-Submitted: no\r\n"
    "\r\n"
    "body\r\n";

Outcome run_script(const std::string& body) {
    auto program = compile_script("require [\"editheader\", \"fileinto\", \"variables\"];\n" + body);
    if (!program) FAIL(program.error().message);
    MessageView view(kMessage);
    return run(*program, view);
}

std::string edited(const std::string& body) {
    const auto out = run_script(body);
    REQUIRE(out.ok);
    REQUIRE(out.edited_message);
    return *out.edited_message;
}

}  // namespace

TEST_CASE("addheader: on top, or :last at the end of the header (RFC 5293 §4)") {
    CHECK(edited("addheader \"X-Sieve\" \"filtered\";") == "X-Sieve: filtered\r\n" + kMessage);
    const std::string last = edited("addheader :last \"X-Sieve\" \"filtered\";");
    CHECK(last.find("Auto-Submitted: no\r\nX-Sieve: filtered\r\n\r\nbody\r\n") != std::string::npos);
    // Non-ASCII values are written as an RFC 2047 encoded word; line ends go.
    CHECK(edited("addheader \"X-Note\" \"caf\xC3\xA9\";").starts_with("X-Note: =?utf-8?B?Y2Fmw6k=?=\r\n"));
    CHECK(edited("addheader \"X-Note\" \"a\r\nb\";").starts_with("X-Note: a  b\r\n"));
    // Later tests see the new field.
    const auto out = run_script("addheader \"X-Seen\" \"yes\"; if header :is \"x-seen\" \"yes\" { fileinto \"A\"; }");
    REQUIRE(out.actions.size() == 1);
    CHECK(out.actions[0].mailbox == "A");
}

TEST_CASE("deleteheader: every occurrence, :index, :last, value patterns (RFC 5293 §5)") {
    std::string m = edited("deleteheader \"x-tag\";");
    CHECK(m.find("X-Tag") == std::string::npos);
    CHECK(m.find("Subject: present\r\n") != std::string::npos);
    m = edited("deleteheader :index 2 \"X-Tag\";");
    CHECK(m.find("X-Tag: one\r\n") != std::string::npos);
    CHECK(m.find("X-Tag: two") == std::string::npos);
    CHECK(m.find("X-Tag:\r\n three\r\n") != std::string::npos);  // folding kept as it was
    m = edited("deleteheader :index 1 :last \"X-Tag\";");
    CHECK(m.find("three") == std::string::npos);
    CHECK(m.find("X-Tag: two\r\n") != std::string::npos);
    m = edited("deleteheader :matches \"X-Tag\" \"t*\";");
    CHECK(m.find("X-Tag: one\r\n") != std::string::npos);
    CHECK(m.find("two") == std::string::npos);
    CHECK(m.find("three") == std::string::npos);
    // Nothing matched: no edit, no edited message.
    const auto out = run_script("deleteheader \"X-Missing\"; deleteheader :is \"X-Tag\" \"zzz\";");
    CHECK_FALSE(out.edited_message);
    // Tests after the deletion no longer see the field.
    const auto seen = run_script("deleteheader \"subject\"; if exists \"subject\" { fileinto \"A\"; }");
    CHECK(seen.actions[0].kind == Action::Kind::Keep);
}

TEST_CASE("Received and Auto-Submitted cannot be edited") {
    const auto out = run_script("deleteheader \"received\"; deleteheader \"Auto-Submitted\";"
                                "addheader \"Received\" \"forged\"; addheader \"auto-submitted\" \"no\";");
    REQUIRE(out.ok);
    CHECK_FALSE(out.edited_message);
}

TEST_CASE("editheader: checked at upload, and at run time when a variable names the field") {
    CHECK_FALSE(compile_script("addheader \"X\" \"y\";"));  // not required
    CHECK_FALSE(compile_script("require \"editheader\"; addheader \"Bad Name\" \"y\";"));
    CHECK_FALSE(compile_script("require \"editheader\"; addheader \"X:\" \"y\";"));
    CHECK_FALSE(compile_script("require \"editheader\"; deleteheader :last \"X\";"));
    CHECK_FALSE(compile_script("require \"editheader\"; deleteheader :index 0 \"X\";"));
    CHECK_FALSE(compile_script("require \"editheader\"; addheader :first \"X\" \"y\";"));
    CHECK(compile_script("require \"editheader\"; deleteheader :index 2 :last :comparator \"i;octet\" :contains \"X\" [\"a\", \"b\"];"));
    const auto out = run_script("set \"n\" \"bad name\"; addheader \"${n}\" \"v\";");
    CHECK_FALSE(out.ok);
    CHECK(out.error.find("invalid field name") != std::string::npos);
    CHECK_FALSE(out.edited_message);  // atomic: nothing of the script's edits
}
