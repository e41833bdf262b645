#include <doctest/doctest.h>

#include "deliverd/vacation.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::deliverd;
using mr::storage::test::TempDir;

namespace {

const std::string kMessage =
    "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.test>\r\nSubject: lunch?\r\n"
    "Message-ID: <m1@example.org>\r\nReferences: <m0@example.org>\r\n\r\nhi\r\n";

mr::sieve::VacationAction away() {
    mr::sieve::VacationAction v;
    v.reason = "I am away.\nBack on Monday.";
    v.period_seconds = 86400;
    return v;
}

std::optional<std::string> suppressed(const std::string& message, std::string_view sender,
                                      std::string_view rcpt = "bob@example.test") {
    mr::sieve::MessageView view(message);
    return vacation_suppressed(view, {sender, rcpt, "bob@example.test"}, away());
}

}  // namespace

TEST_CASE("vacation: who gets no reply (RFC 3834 §2, RFC 5230 §4.5, §4.6)") {
    CHECK_FALSE(suppressed(kMessage, "alice@example.org"));
    CHECK(suppressed(kMessage, ""));
    CHECK(suppressed(kMessage, "MAILER-DAEMON@example.org"));
    CHECK(suppressed(kMessage, "owner-list@example.org"));
    CHECK(suppressed(kMessage, "list-request@example.org"));
    CHECK(suppressed("Auto-Submitted: auto-generated\r\n" + kMessage, "alice@example.org"));
    CHECK_FALSE(suppressed("Auto-Submitted: no\r\n" + kMessage, "alice@example.org"));
    CHECK(suppressed("Precedence: bulk\r\n" + kMessage, "alice@example.org"));
    CHECK(suppressed("Precedence: list\r\n" + kMessage, "alice@example.org"));
    CHECK(suppressed("List-Id: <x.example.org>\r\n" + kMessage, "alice@example.org"));
    CHECK(suppressed("List-Unsubscribe: <mailto:x@example.org>\r\n" + kMessage, "alice@example.org"));
    // Only when the user is a To/Cc recipient: not for a Bcc'd list copy addressed elsewhere.
    const std::string other = "From: alice@example.org\r\nTo: carol@example.org\r\nSubject: x\r\n\r\nhi\r\n";
    CHECK(suppressed(other, "alice@example.org"));
    const std::string cc = "From: alice@example.org\r\nTo: carol@example.org\r\nCc: BOB@example.test\r\n\r\nhi\r\n";
    CHECK_FALSE(suppressed(cc, "alice@example.org"));
}

TEST_CASE("vacation: the reply's fields") {
    mr::sieve::MessageView view(kMessage);
    const auto reply = compose_vacation_reply(view, {"alice@example.org", "bob@example.test", "bob@example.test"},
                                              away(), 1'800'000'000);
    CHECK(reply.starts_with("From: bob@example.test\r\nTo: <alice@example.org>\r\nSubject: Auto: lunch?\r\n"));
    CHECK(reply.find("\r\nAuto-Submitted: auto-replied") != std::string::npos);
    CHECK(reply.find("\r\nIn-Reply-To: <m1@example.org>\r\n") != std::string::npos);
    CHECK(reply.find("\r\nReferences: <m0@example.org> <m1@example.org>\r\n") != std::string::npos);
    CHECK(reply.ends_with("\r\n\r\nI am away.\r\nBack on Monday.\r\n"));
    auto v = away();
    v.subject = "Abwesend bis März";
    const auto encoded = compose_vacation_reply(view, {"alice@example.org", "bob@example.test", "bob@example.test"}, v, 0);
    CHECK(encoded.find("Subject: =?utf-8?B?") != std::string::npos);
}

TEST_CASE("vacation: once per sender and handle per period") {
    TempDir dir;
    CHECK(*vacation_due(dir.path(), "h", "alice@example.org", 100, 1000));
    CHECK_FALSE(*vacation_due(dir.path(), "h", "Alice@example.org", 100, 1050));
    CHECK(*vacation_due(dir.path(), "h", "carol@example.org", 100, 1050));
    CHECK(*vacation_due(dir.path(), "other", "alice@example.org", 100, 1050));
    CHECK(*vacation_due(dir.path(), "h", "alice@example.org", 100, 1101));  // the period is over
    CHECK(vacation_handle(away()) != vacation_handle(mr::sieve::VacationAction{}));
}
