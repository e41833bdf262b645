#include <doctest/doctest.h>

#include "deliverd/sieve_filter.hpp"
#include "storage/sieve_scripts.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;

namespace {
constexpr std::string_view kInto = "require \"fileinto\";\nfileinto \"Lists\";\n";
}

TEST_CASE("sieve scripts: put, list, get, activate as deliverd reads it") {
    TempDir dir;
    SieveScripts s(dir.path());
    CHECK(s.list()->empty());
    REQUIRE(s.put("lists", kInto));
    REQUIRE(s.put("other", "keep;\n"));
    auto all = s.list();
    REQUIRE(all);
    REQUIRE(all->size() == 2);
    CHECK((*all)[0].name == "lists");
    CHECK_FALSE((*all)[0].active);
    CHECK(*s.get("lists") == kInto);
    REQUIRE(s.activate("lists"));
    CHECK(s.active()->value() == "lists");
    CHECK((*s.list())[0].active);
    // The layout deliverd reads.
    CHECK(mr::deliverd::load_active_script(dir.path(), "u").has_value());
    // Replacing the active script keeps it active.
    REQUIRE(s.put("lists", "discard;\n"));
    CHECK(s.active()->value() == "lists");
    REQUIRE(s.activate(std::nullopt));
    CHECK_FALSE(s.active()->has_value());
    CHECK_FALSE(mr::deliverd::load_active_script(dir.path(), "u").has_value());
}

TEST_CASE("sieve scripts: a script that does not compile is refused with line and column") {
    TempDir dir;
    SieveScripts s(dir.path());
    auto r = s.put("bad", "require \"fileinto\";\nfileinto;\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == mr::ErrorKind::Syntax);
    CHECK(r.error().message.find("line 2, column") != std::string::npos);
    CHECK(s.list()->empty());
}

TEST_CASE("sieve scripts: names") {
    CHECK_FALSE(sieve_name_problem("vacation"));
    CHECK_FALSE(sieve_name_problem("Ürlaub 2027"));
    CHECK(sieve_name_problem(""));
    CHECK(sieve_name_problem(".hidden"));
    CHECK(sieve_name_problem("a/b"));
    CHECK(sieve_name_problem("a\nb"));
    CHECK(sieve_name_problem("a\xc2\x85"));       // NEL, a C1 control
    CHECK(sieve_name_problem("a\xe2\x80\xa8"));   // LINE SEPARATOR
    CHECK(sieve_name_problem("\xff"));
    CHECK(sieve_name_problem(std::string(129, 'a')));
    TempDir dir;
    SieveScripts s(dir.path());
    CHECK(s.put("../x", "keep;").error().kind == mr::ErrorKind::Syntax);
}

TEST_CASE("sieve scripts: quotas on count and size") {
    TempDir dir;
    SieveScripts s(dir.path(), SieveQuota{2, 100});
    REQUIRE(s.put("a", "keep;"));
    REQUIRE(s.put("b", "keep;"));
    CHECK(s.space_refusal("c", 5)->value() == SieveSpaceRefusal::MaxScripts);
    CHECK_FALSE(s.space_refusal("b", 5)->has_value());  // replacing does not count twice
    CHECK(s.space_refusal("b", 101)->value() == SieveSpaceRefusal::MaxSize);
    auto r = s.put("c", "keep;");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == mr::ErrorCode::Limit);
    REQUIRE(s.put("b", "discard;"));
}

TEST_CASE("sieve scripts: delete and rename, the active one kept") {
    TempDir dir;
    SieveScripts s(dir.path());
    REQUIRE(s.put("a", "keep;"));
    REQUIRE(s.put("b", "keep;"));
    REQUIRE(s.activate("a"));
    CHECK(s.remove("a").error().code == mr::ErrorCode::InboxProtected);
    CHECK(s.remove("zz").error().code == mr::ErrorCode::NoSuchMailbox);
    CHECK(s.rename("a", "b").error().code == mr::ErrorCode::MailboxExists);
    CHECK(s.rename("zz", "y").error().code == mr::ErrorCode::NoSuchMailbox);
    REQUIRE(s.rename("a", "c"));
    CHECK(s.active()->value() == "c");
    CHECK(s.get("a").error().code == mr::ErrorCode::NoSuchMailbox);
    CHECK(mr::deliverd::load_active_script(dir.path(), "u").has_value());
    REQUIRE(s.remove("b"));
    CHECK(s.list()->size() == 1);
    CHECK(s.activate("nope").error().code == mr::ErrorCode::NoSuchMailbox);
}

TEST_CASE("sieve scripts: an upload that closes an include loop is refused (RFC 6609)") {
    TempDir dir;
    SieveScripts s(dir.path());
    REQUIRE(s.put("a", "require \"include\";\ninclude \"b\";\n"));  // b does not exist yet: fine
    auto r = s.put("b", "require \"include\";\ninclude \"a\";\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "include loop: b -> a -> b");
    r = s.put("self", "require \"include\";\nif true { include :optional \"self\"; }\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "include loop: self -> self");
    // :global includes are the administrator's: not followed here.
    REQUIRE(s.put("b", "require \"include\";\ninclude :global \"a\";\n"));
    // A chain deeper than the run-time limit is refused too.
    for (int i = 1; i <= 9; ++i)
        REQUIRE(s.put("d" + std::to_string(i), "require \"include\";\ninclude :optional \"d" + std::to_string(i + 1) + "\";\n"));
    r = s.put("d0", "require \"include\";\ninclude \"d1\";\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("nested deeper than 8") != std::string::npos);
}
