#include <doctest/doctest.h>

#include "storage/directory.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::ErrorKind;
using mr::storage::test::TempDir;

namespace {

Directory open_directory(const TempDir& dir) {
    auto d = Directory::open(dir / "directory.db");
    REQUIRE(d.ok());
    return std::move(*d);
}

}  // namespace

TEST_CASE("directory: address splitting and the user's mail directory") {
    auto a = split_address("Bob.Smith@Example.ORG");
    REQUIRE(a.ok());
    CHECK(a->local_part == "bob.smith");
    CHECK(a->domain == "example.org");
    auto quoted = split_address("\"odd\"@x@example.org");  // last '@' wins; '@' left in local part
    CHECK_FALSE(quoted.ok());
    CHECK(split_address("nodomain").error().kind == ErrorKind::Syntax);
    CHECK_FALSE(split_address("a/b@example.org").ok());   // would be a path
    CHECK_FALSE(split_address("..@example.org").ok());    // leading dot
    CHECK_FALSE(split_address("a b@example.org").ok());
    CHECK_FALSE(split_address("a@exa..mple").ok());
    CHECK(split_address("@example.org")->local_part.empty());  // catch-all form
    CHECK(user_mail_dir("/data", "Alice@Example.org") == std::filesystem::path("/data/mail/example.org/alice"));
    CHECK(user_mail_dir("/data", "bad").empty());
}

TEST_CASE("directory: domains") {
    TempDir dir;
    auto d = open_directory(dir);
    REQUIRE(d.add_domain("Example.org").ok());
    REQUIRE(d.add_domain("b.example").ok());
    CHECK(d.add_domain("example.org").error().kind == ErrorKind::Refused);
    CHECK(d.add_domain("bad domain").error().kind == ErrorKind::Syntax);
    CHECK(*d.has_domain("EXAMPLE.org"));
    CHECK_FALSE(*d.has_domain("other.org"));
    CHECK(*d.list_domains() == std::vector<std::string>{"b.example", "example.org"});
    REQUIRE(d.remove_domain("b.example").ok());
    CHECK(d.remove_domain("b.example").error().kind == ErrorKind::Refused);
    CHECK(d.list_domains()->size() == 1);
}

// One case for everything that hashes: each argon2id run costs ~0.1 s.
TEST_CASE("directory: users, passwords, enable/disable") {
    TempDir dir;
    auto d = open_directory(dir);
    REQUIRE(d.add_domain("example.org").ok());
    CHECK(d.add_user("alice@unknown.org", "pw").error().kind == ErrorKind::Refused);
    CHECK(d.add_user("no-at-sign", "pw").error().kind == ErrorKind::Syntax);
    REQUIRE(d.add_user("Alice@Example.org", "correct horse", 1000).ok());
    CHECK(d.add_user("alice@example.org", "other").error().kind == ErrorKind::Refused);

    auto users = d.list_users();
    REQUIRE(users.ok());
    REQUIRE(users->size() == 1);
    CHECK(users->front().address == "alice@example.org");
    CHECK(users->front().local_part == "alice");
    CHECK(users->front().domain == "example.org");
    CHECK(users->front().quota_bytes == 1000);
    CHECK(users->front().enabled);

    CHECK(*d.verify_password("ALICE@example.org", "correct horse"));
    CHECK_FALSE(*d.verify_password("alice@example.org", "wrong"));
    CHECK_FALSE(*d.verify_password("nobody@example.org", "correct horse"));

    REQUIRE(d.set_enabled("alice@example.org", false).ok());
    CHECK_FALSE(d.find_user("alice@example.org")->value().enabled);
    CHECK_FALSE(*d.verify_password("alice@example.org", "correct horse"));
    REQUIRE(d.set_enabled("alice@example.org", true).ok());
    REQUIRE(d.set_password("alice@example.org", "new secret").ok());
    CHECK(*d.verify_password("alice@example.org", "new secret"));
    CHECK(d.set_password("bob@example.org", "x").error().kind == ErrorKind::Refused);

    CHECK(d.remove_domain("example.org").error().kind == ErrorKind::Refused);  // alice is there
    REQUIRE(d.remove_user("alice@example.org").ok());
    CHECK_FALSE(d.find_user("alice@example.org")->has_value());
    CHECK(d.remove_user("alice@example.org").error().kind == ErrorKind::Refused);
    REQUIRE(d.remove_domain("example.org").ok());
}

TEST_CASE("directory: aliases and resolution") {
    TempDir dir;
    auto d = open_directory(dir);
    REQUIRE(d.add_domain("example.org").ok());
    REQUIRE(d.add_domain("other.org").ok());
    REQUIRE(d.add_user("bob@example.org", "pw").ok());

    REQUIRE(d.add_alias("info@example.org", "bob@example.org").ok());
    REQUIRE(d.add_alias("info@example.org", "Someone@Remote.net").ok());
    CHECK(d.add_alias("info@example.org", "bob@example.org").error().kind == ErrorKind::Refused);
    CHECK(d.add_alias("bob@example.org", "x@y.z").error().kind == ErrorKind::Refused);  // is a user
    CHECK(d.add_alias("x@nowhere.org", "bob@example.org").error().kind == ErrorKind::Refused);
    CHECK(d.add_user("info@example.org", "pw").error().kind == ErrorKind::Refused);  // is an alias

    auto r = d.resolve("BOB@Example.ORG");
    REQUIRE(r.ok());
    CHECK(r->kind == Resolution::LocalUser);
    CHECK(r->user_address == "bob@example.org");

    r = d.resolve("bob+lists@example.org");  // subaddress
    CHECK(r->kind == Resolution::LocalUser);
    CHECK(r->user_address == "bob@example.org");

    r = d.resolve("info+x@example.org");
    REQUIRE(r->kind == Resolution::Alias);
    CHECK(r->targets == std::vector<std::string>{"Someone@remote.net", "bob@example.org"});

    CHECK(d.resolve("nobody@example.org")->kind == Resolution::NotFound);
    CHECK(d.resolve("bob@elsewhere.net")->kind == Resolution::NotLocal);
    CHECK_FALSE(d.resolve("garbage").ok());

    REQUIRE(d.add_alias("@example.org", "bob@example.org").ok());  // catch-all
    r = d.resolve("nobody@example.org");
    REQUIRE(r->kind == Resolution::Alias);
    CHECK(r->targets == std::vector<std::string>{"bob@example.org"});
    CHECK(d.resolve("bob@example.org")->kind == Resolution::LocalUser);  // users win over catch-all
    CHECK(d.resolve("x@other.org")->kind == Resolution::NotFound);       // catch-all is per domain

    auto aliases = d.list_aliases();
    REQUIRE(aliases.ok());
    REQUIRE(aliases->size() == 2);
    CHECK(aliases->at(0).source == "@example.org");
    CHECK(aliases->at(1).source == "info@example.org");
    CHECK(aliases->at(1).targets.size() == 2);

    REQUIRE(d.remove_alias("info@example.org", std::string_view("someone@REMOTE.net")).error().kind ==
            ErrorKind::Refused);  // the local part keeps its case
    REQUIRE(d.remove_alias("info@example.org", std::string_view("Someone@remote.net")).ok());
    REQUIRE(d.remove_alias("info@example.org").ok());
    CHECK(d.remove_alias("info@example.org").error().kind == ErrorKind::Refused);
    CHECK(d.list_aliases()->size() == 1);
}

TEST_CASE("directory: mailbox accounts receive mail but never log in") {
    TempDir dir;
    auto d = open_directory(dir);
    REQUIRE(d.add_domain("example.org").ok());
    REQUIRE(d.add_mailbox_account("Info@example.org").ok());
    auto info = d.find_user("info@example.org");
    REQUIRE(info.ok());
    REQUIRE(info->has_value());
    CHECK((*info)->mailbox_account);
    CHECK(d.resolve("info@example.org")->kind == Resolution::LocalUser);
    CHECK_FALSE(d.verify_password("info@example.org", "").value());
    CHECK_FALSE(d.verify_password("info@example.org", "anything").value());
    CHECK(d.add_mailbox_account("info@example.org").error().kind == ErrorKind::Refused);
    CHECK(d.add_mailbox_account("x@nowhere.org").error().kind == ErrorKind::Refused);
    CHECK(d.add_user("bob@example.org", "").error().kind == ErrorKind::Syntax);  // users need a password
    REQUIRE(d.add_user("bob@example.org", "pw").ok());
    CHECK_FALSE((*d.find_user("bob@example.org"))->mailbox_account);
}

TEST_CASE("directory: grants (RFC 4314 rights) on mailboxes") {
    TempDir dir;
    auto d = open_directory(dir);
    REQUIRE(d.add_domain("example.org").ok());
    REQUIRE(d.add_domain("other.org").ok());
    REQUIRE(d.add_mailbox_account("info@example.org").ok());
    REQUIRE(d.add_user("alice@example.org", "pw").ok());
    REQUIRE(d.add_user("bob@example.org", "pw").ok());
    REQUIRE(d.add_user("eve@other.org", "pw").ok());
    const auto rights = [](const char* r) { return mr::text::AclRights::parse(r).value(); };

    REQUIRE(d.set_grant("info@example.org", "", "Alice@Example.org", rights("lrs")).ok());
    REQUIRE(d.set_grant("info@example.org", "Archive", "alice@example.org", rights("lr")).ok());
    CHECK(d.rights_on("alice@example.org", "info@example.org", "INBOX")->to_string() == "lrs");
    CHECK(d.rights_on("alice@example.org", "info@example.org", "Archive")->to_string() == "lr");  // its own grant wins
    CHECK(d.rights_on("bob@example.org", "info@example.org", "INBOX")->empty());
    CHECK(d.rights_on("info@example.org", "info@example.org", "INBOX").value() == mr::text::AclRights::all());
    CHECK(d.rights_on("nobody@example.org", "info@example.org", "INBOX")->empty());

    auto of = d.grants_of("info@example.org");
    REQUIRE(of.ok());
    REQUIRE(of->size() == 2);
    CHECK((*of)[0].mailbox.empty());
    CHECK((*of)[0].grantee == "alice@example.org");
    CHECK(d.grants_to("alice@example.org")->size() == 2);
    CHECK(d.grants_to("bob@example.org")->empty());

    // Refusals: another domain, unknown users, the owner itself.
    CHECK(d.set_grant("info@example.org", "", "eve@other.org", rights("l")).error().kind == ErrorKind::Refused);
    CHECK(d.set_grant("info@example.org", "", "ghost@example.org", rights("l")).error().kind == ErrorKind::Refused);
    CHECK(d.set_grant("ghost@example.org", "", "alice@example.org", rights("l")).error().kind == ErrorKind::Refused);
    CHECK(d.set_grant("info@example.org", "", "info@example.org", rights("l")).error().kind == ErrorKind::Refused);
    CHECK(d.set_grant("bad", "", "alice@example.org", rights("l")).error().kind == ErrorKind::Syntax);

    // Renaming moves a mailbox's grants (its children's too); deleting drops them.
    REQUIRE(d.set_grant("info@example.org", "Archive/2026", "bob@example.org", rights("l")).ok());
    REQUIRE(d.rename_grants("info@example.org", "Archive", std::string_view("Old")).ok());
    CHECK(d.rights_on("alice@example.org", "info@example.org", "Old")->to_string() == "lr");
    CHECK(d.rights_on("bob@example.org", "info@example.org", "Old/2026")->to_string() == "l");
    REQUIRE(d.rename_grants("info@example.org", "Old", std::nullopt).ok());
    CHECK(d.grants_of("info@example.org")->size() == 1);

    // Empty rights remove; a removed user takes its grants along.
    REQUIRE(d.set_grant("info@example.org", "", "bob@example.org", rights("lr")).ok());
    REQUIRE(d.set_grant("info@example.org", "", "alice@example.org", {}).ok());
    CHECK(d.rights_on("alice@example.org", "info@example.org", "INBOX")->empty());
    REQUIRE(d.remove_user("bob@example.org").ok());
    CHECK(d.grants_of("info@example.org")->empty());
}
