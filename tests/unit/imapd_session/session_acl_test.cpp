// Shared mailboxes (RFC 4314 ACL, RFC 2342 NAMESPACE) against real stores and a real
// directory.db: alice reads info@'s mailboxes through grants, and shares her own.
#include <doctest/doctest.h>

#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

namespace {

constexpr const char* kInfo = "info@example.test";
constexpr const char* kMessage = "From: x@example.net\r\nSubject: hello info\r\n\r\nbody\r\n";

mr::text::AclRights rights(const char* r) { return mr::text::AclRights::parse(r).value(); }

// alice (logged in), bob, and the mailbox account info@ with one message in its INBOX.
void setup(Harness& h) {
    auto& d = h.directory();
    REQUIRE(d.add_domain("example.test"));
    REQUIRE(d.add_domain("other.test"));
    REQUIRE(d.add_user("alice@example.test", "secret"));
    REQUIRE(d.add_user("bob@example.test", "pw"));
    REQUIRE(d.add_user("eve@other.test", "pw"));
    REQUIRE(d.add_mailbox_account(kInfo));
    auto info = h.store_of(kInfo);
    REQUIRE(info);
    REQUIRE(info.value()->append("INBOX", kMessage));
    REQUIRE(info.value()->create_mailbox("Orders"));
    h.login();
}

void grant(Harness& h, const char* r, const char* mailbox = "") {
    REQUIRE(h.directory().set_grant(kInfo, mailbox, "alice@example.test", rights(r)));
}

}  // namespace

TEST_CASE("NAMESPACE has a shared namespace, and ACL and RIGHTS= are advertised") {
    Harness h;
    setup(h);
    CHECK(contains(h.feed("a NAMESPACE\r\n"), "* NAMESPACE ((\"\" \"/\")) NIL ((\"Shared/\" \"/\"))\r\n"));
    CHECK(contains(h.feed("b CAPABILITY\r\n"), " ACL RIGHTS=texk"));
}

TEST_CASE("a grantee lists, selects and reads a shared mailbox; others do not see it") {
    Harness h;
    setup(h);
    CHECK_FALSE(contains(h.feed("a LIST \"\" *\r\n"), "Shared/"));
    CHECK(contains(h.feed("b SELECT Shared/info@example.test/INBOX\r\n"), "b NO [NONEXISTENT]"));
    grant(h, "lrswipkxte");
    std::string r = h.feed("c LIST \"\" *\r\n");
    CHECK(contains(r, "\"Shared/info@example.test/INBOX\""));
    CHECK(contains(r, "\"Shared/info@example.test/Orders\""));
    CHECK(contains(r, "\"Shared\""));  // the levels above exist only as parents
    r = h.feed("d LIST \"\" Shared/%\r\n");
    CHECK(contains(r, "\\Noselect"));
    CHECK(contains(r, "\"Shared/info@example.test\""));
    r = h.feed("e STATUS Shared/info@example.test/INBOX (MESSAGES UNSEEN)\r\n");
    CHECK(contains(r, "(MESSAGES 1 UNSEEN 1)"));
    r = h.feed("f SELECT Shared/info@example.test/inbox\r\n");
    CHECK(contains(r, "* 1 EXISTS"));
    CHECK(contains(r, "f OK [READ-WRITE]"));
    r = h.feed("g FETCH 1 BODY[]\r\n");
    CHECK(contains(r, "Subject: hello info"));
    CHECK(contains(h.feed("h MYRIGHTS Shared/info@example.test/INBOX\r\n"),
                   "* MYRIGHTS Shared/info@example.test/INBOX lrswipkxte\r\n"));
    CHECK(contains(h.feed("i MYRIGHTS INBOX\r\n"), "* MYRIGHTS INBOX lrswipkxtea\r\n"));
    // FETCH set \Seen in info@'s store; the change wakes info@'s other sessions.
    h.changed_owners.clear();
    CHECK(contains(h.feed("j STORE 1 +FLAGS (\\Flagged)\r\n"), "j OK"));
    REQUIRE_FALSE(h.changed_owners.empty());
    CHECK(h.changed_owners.back() == kInfo);
    CHECK(contains(h.feed("k GETACL Shared/info@example.test/INBOX\r\n"), "k NO [NOPERM]"));
    CHECK(contains(h.feed("l SUBSCRIBE Shared/info@example.test/INBOX\r\n"), "l OK"));
    CHECK(contains(h.feed("m LSUB \"\" *\r\n"), "\"Shared/info@example.test/INBOX\""));
    CHECK(contains(h.feed("n LIST (SUBSCRIBED) \"\" *\r\n"), "\\Subscribed) \"/\" \"Shared/info@example.test/INBOX\""));
}

TEST_CASE("rights are enforced: read-only, no expunge, no flags, no insert, no create") {
    Harness h;
    setup(h);
    grant(h, "lr");
    std::string r = h.feed("a SELECT Shared/info@example.test/INBOX\r\n");
    CHECK(contains(r, "a OK [READ-ONLY] SELECT completed"));
    CHECK(contains(h.feed("b STORE 1 +FLAGS (\\Deleted)\r\n"), "b NO"));
    CHECK(contains(h.feed("c EXPUNGE\r\n"), "c NO"));
    r = h.feed("d FETCH 1 (BODY[] FLAGS)\r\n");
    CHECK(contains(r, "hello info"));
    CHECK_FALSE(contains(r, "\\Seen"));  // no "s": reading sets nothing
    CHECK(contains(h.feed("e APPEND Shared/info@example.test/INBOX {5+}\r\nhello\r\n"), "e NO [NOPERM]"));
    CHECK(contains(h.feed("f CREATE Shared/info@example.test/New\r\n"), "f NO [NOPERM]"));
    CHECK(contains(h.feed("g DELETE Shared/info@example.test/Orders\r\n"), "g NO [NOPERM]"));
    CHECK(contains(h.feed("h CLOSE\r\n"), "h OK"));

    grant(h, "lrsw");  // flags but \Deleted
    CHECK(contains(h.feed("i SELECT Shared/info@example.test/INBOX\r\n"), "[READ-WRITE]"));
    r = h.feed("j STORE 1 +FLAGS (\\Deleted \\Flagged)\r\n");
    CHECK(contains(r, "j OK"));
    CHECK(contains(r, "\\Flagged"));
    CHECK_FALSE(contains(r, "\\Deleted"));  // left out silently (RFC 4314 §4)
    CHECK(contains(h.feed("k STORE 1 +FLAGS (\\Deleted)\r\n"), "k NO [NOPERM]"));
    CHECK(contains(h.feed("l STORE 1 FLAGS (\\Seen)\r\n"), "l NO [NOPERM]"));
    CHECK(contains(h.feed("m EXPUNGE\r\n"), "m NO [NOPERM]"));
    CHECK(contains(h.feed("n MOVE 1 INBOX\r\n"), "n NO [NOPERM]"));

    grant(h, "");  // taken away: gone, also for STATUS and LIST
    CHECK(contains(h.feed("o STATUS Shared/info@example.test/INBOX (MESSAGES)\r\n"), "o NO [NONEXISTENT]"));
    CHECK_FALSE(contains(h.feed("p LIST \"\" *\r\n"), "Shared/"));
    CHECK(contains(h.feed("q SELECT Shared\r\n"), "q NO [NONEXISTENT]"));
    CHECK(contains(h.feed("r SELECT Shared/info@example.test\r\n"), "r NO [NONEXISTENT]"));
}

TEST_CASE("APPEND, COPY and MOVE into and out of a shared mailbox") {
    Harness h;
    setup(h);
    grant(h, "lrswitek");
    CHECK(contains(h.feed("a APPEND Shared/info@example.test/Orders (\\Seen) {5+}\r\nhello\r\n"), "a OK [APPENDUID"));
    CHECK(contains(h.feed("b STATUS Shared/info@example.test/Orders (MESSAGES)\r\n"), "(MESSAGES 1)"));
    CHECK(contains(h.feed("c SELECT Shared/info@example.test/INBOX\r\n"), "c OK"));
    CHECK(contains(h.feed("d COPY 1 Shared/info@example.test/Orders\r\n"), "d OK [COPYUID"));
    CHECK(contains(h.feed("e COPY 1 Nowhere\r\n"), "e NO [TRYCREATE]"));
    CHECK(contains(h.feed("f COPY 1 INBOX\r\n"), "f OK [COPYUID"));  // into alice's own store
    std::string r = h.feed("g MOVE 1 Sent\r\n");
    CHECK(contains(r, "* 1 EXPUNGE"));
    CHECK(contains(r, "g OK"));
    CHECK(contains(h.feed("h STATUS INBOX (MESSAGES)\r\n"), "(MESSAGES 1)"));
    CHECK(contains(h.feed("i STATUS Sent (MESSAGES)\r\n"), "(MESSAGES 1)"));
    CHECK(contains(h.feed("j STATUS Shared/info@example.test/INBOX (MESSAGES)\r\n"), "(MESSAGES 0)"));
    CHECK(contains(h.feed("k CREATE Shared/info@example.test/Orders/2026\r\n"), "k OK"));
    CHECK(contains(h.feed("l RENAME Shared/info@example.test/Orders/2026 INBOX/x\r\n"), "l NO [CANNOT]"));
}

TEST_CASE("SETACL, GETACL, LISTRIGHTS, DELETEACL on the user's own mailbox") {
    Harness h;
    setup(h);
    CHECK(contains(h.feed("a SETACL INBOX bob@example.test lrs\r\n"), "a OK"));
    CHECK(contains(h.feed("b SETACL INBOX bob@example.test +w\r\n"), "b OK"));
    CHECK(contains(h.feed("c GETACL INBOX\r\n"),
                   "* ACL INBOX alice@example.test lrswipkxtea bob@example.test lrsw\r\n"));
    CHECK(contains(h.feed("d LISTRIGHTS INBOX bob@example.test\r\n"),
                   "* LISTRIGHTS INBOX bob@example.test \"\" l r s w i p k x t e a\r\n"));
    CHECK(contains(h.feed("e LISTRIGHTS INBOX alice@example.test\r\n"),
                   "* LISTRIGHTS INBOX alice@example.test lrswipkxtea\r\n"));
    CHECK(contains(h.feed("f DELETEACL INBOX bob@example.test\r\n"), "f OK"));
    CHECK(contains(h.feed("g GETACL INBOX\r\n"), "* ACL INBOX alice@example.test lrswipkxtea\r\n"));
    // Refusals, each with its own text.
    CHECK(contains(h.feed("h SETACL INBOX eve@other.test lr\r\n"), "h NO [CANNOT] Mailboxes can only be shared within the domain"));
    CHECK(contains(h.feed("i SETACL INBOX ghost@example.test lr\r\n"), "i NO [CANNOT] No such user"));
    CHECK(contains(h.feed("j SETACL INBOX anyone lr\r\n"), "j NO [CANNOT]"));
    CHECK(contains(h.feed("k SETACL Nowhere bob@example.test lr\r\n"), "k NO [NONEXISTENT]"));
    CHECK(contains(h.feed("l SETACL INBOX alice@example.test lr\r\n"), "l NO [CANNOT] The owner"));
    CHECK(contains(h.feed("m SETACL INBOX bob@example.test lrq\r\n"), "m BAD"));
    CHECK(contains(h.feed("n GETACL Shared/info@example.test/INBOX\r\n"), "n NO [NONEXISTENT]"));
    // A shared folder's grants go with it when it is deleted.
    CHECK(contains(h.feed("o CREATE Team\r\n"), "o OK"));
    CHECK(contains(h.feed("p SETACL Team bob@example.test lr\r\n"), "p OK"));
    CHECK(contains(h.feed("q DELETE Team\r\n"), "q OK"));
    CHECK(h.directory().grants_of("alice@example.test")->empty());
}

TEST_CASE("an administrator of a shared mailbox may change its ACL") {
    Harness h;
    setup(h);
    grant(h, "lra");
    CHECK(contains(h.feed("a SETACL Shared/info@example.test/INBOX bob@example.test lr\r\n"), "a OK"));
    CHECK(h.directory().rights_on("bob@example.test", kInfo, "INBOX")->to_string() == "lr");
    CHECK(contains(h.feed("b GETACL Shared/info@example.test/INBOX\r\n"),
                   "* ACL Shared/info@example.test/INBOX info@example.test lrswipkxtea alice@example.test lra bob@example.test lr\r\n"));
}
