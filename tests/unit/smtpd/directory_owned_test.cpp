// storage::Directory::may_send_as: the senders a submission user owns.
#include <doctest/doctest.h>

#include "storage/directory.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr;

TEST_CASE("own address, +tags and aliases pointing at the user; nothing else") {
    storage::test::TempDir dir;
    auto d = storage::Directory::open(dir / "directory.db");
    REQUIRE(d);
    REQUIRE(d->add_domain("example.test"));
    REQUIRE(d->add_domain("other.test"));
    REQUIRE(d->add_user("alice@example.test", "pw"));
    REQUIRE(d->add_user("bob@example.test", "pw"));
    REQUIRE(d->add_alias("sales@example.test", "Alice@Example.test"));
    REQUIRE(d->add_alias("sales@example.test", "bob@example.test"));
    REQUIRE(d->add_alias("info@other.test", "carol@remote.example"));
    REQUIRE(d->add_alias("@other.test", "alice@example.test"));  // catch-all
    auto may = [&](std::string_view user, std::string_view address) {
        auto r = d->may_send_as(user, address);
        REQUIRE(r);
        return *r;
    };
    CHECK(may("alice@example.test", "alice@example.test"));
    CHECK(may("alice@example.test", "ALICE@example.TEST"));
    CHECK(may("Alice@Example.test", "alice+news@example.test"));
    CHECK(may("alice@example.test", "sales@example.test"));
    CHECK(may("bob@example.test", "sales+x@example.test"));
    CHECK_FALSE(may("alice@example.test", "bob@example.test"));
    CHECK_FALSE(may("alice@example.test", "info@other.test"));
    CHECK_FALSE(may("alice@example.test", "anything@other.test"));  // catch-alls grant nothing
    CHECK_FALSE(may("alice@example.test", "alice@other.test"));
    CHECK_FALSE(may("alice@example.test", "not an address"));
    CHECK_FALSE(may("alice@example.test", ""));
}

TEST_CASE("send-as through a grant with p (mailroom mailbox share --send-as)") {
    storage::test::TempDir dir;
    auto opened = storage::Directory::open(dir / "directory.db");
    REQUIRE(opened);
    auto& d = *opened;
    REQUIRE(d.add_domain("example.org").ok());
    REQUIRE(d.add_mailbox_account("sales@example.org").ok());
    REQUIRE(d.add_user("alice@example.org", "pw").ok());
    REQUIRE(d.add_user("bob@example.org", "pw").ok());
    const auto rights = [](const char* r) { return text::AclRights::parse(r).value(); };
    REQUIRE(d.set_grant("sales@example.org", "", "alice@example.org", rights("lrp")).ok());
    REQUIRE(d.set_grant("sales@example.org", "", "bob@example.org", rights("lr")).ok());
    CHECK(d.may_send_as("alice@example.org", "sales@example.org").value());
    CHECK(d.may_send_as("alice@example.org", "Sales+offers@example.org").value());
    CHECK_FALSE(d.may_send_as("bob@example.org", "sales@example.org").value());
    // "p" on one folder is not the account's address.
    REQUIRE(d.set_grant("sales@example.org", "INBOX", "bob@example.org", rights("lrp")).ok());
    CHECK_FALSE(d.may_send_as("bob@example.org", "sales@example.org").value());
}
