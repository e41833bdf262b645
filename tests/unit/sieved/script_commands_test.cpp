#include <doctest/doctest.h>

#include "sieved/server/script_commands.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::sieved;
using mr::storage::test::TempDir;

namespace {

Command cmd(std::string name, std::vector<std::string> args) {
    Command c;
    c.name = std::move(name);
    for (auto& a : args) c.args.push_back({Argument::Kind::String, std::move(a)});
    return c;
}

}  // namespace

TEST_CASE("managesieve script commands: the RFC 5804 replies and response codes") {
    TempDir dir;
    mr::storage::SieveScripts scripts(dir.path(), mr::storage::SieveQuota{2, 64});
    auto answer = [&](Command c) { return server::answer_script_command(scripts, c); };

    CHECK(answer(cmd("LISTSCRIPTS", {})) == "OK \"Listscripts completed\"\r\n");
    CHECK(answer(cmd("PUTSCRIPT", {"a", "keep;"})).starts_with("OK "));
    const std::string bad = answer(cmd("PUTSCRIPT", {"b", "require \"fileinto\";\nfileinto;"}));
    CHECK(bad.starts_with("NO \"line 2, column"));
    CHECK(answer(cmd("CHECKSCRIPT", {"if true {"})).starts_with("NO \"line 1"));
    CHECK(answer(cmd("CHECKSCRIPT", {"keep;"})).starts_with("OK "));
    CHECK(answer(cmd("GETSCRIPT", {"a"})) == "{5}\r\nkeep;\r\nOK \"Getscript completed\"\r\n");
    CHECK(answer(cmd("GETSCRIPT", {"zz"})).starts_with("NO (NONEXISTENT)"));
    CHECK(answer(cmd("SETACTIVE", {"zz"})).starts_with("NO (NONEXISTENT)"));
    CHECK(answer(cmd("SETACTIVE", {"a"})).starts_with("OK "));
    CHECK(answer(cmd("LISTSCRIPTS", {})) == "\"a\" ACTIVE\r\nOK \"Listscripts completed\"\r\n");
    CHECK(answer(cmd("DELETESCRIPT", {"a"})).starts_with("NO (ACTIVE)"));
    CHECK(answer(cmd("PUTSCRIPT", {"b", "discard;"})).starts_with("OK "));
    CHECK(answer(cmd("PUTSCRIPT", {"c", "discard;"})).starts_with("NO (QUOTA/MAXSCRIPTS)"));
    CHECK(answer(cmd("PUTSCRIPT", {"b", std::string(65, ' ') + "keep;"})).starts_with("NO (QUOTA/MAXSIZE)"));
    Command space = cmd("HAVESPACE", {"c", "10"});
    space.args[1].kind = Argument::Kind::Atom;
    CHECK(answer(space).starts_with("NO (QUOTA/MAXSCRIPTS)"));
    space.args[0].value = "b";
    CHECK(answer(space).starts_with("OK "));
    space.args[1].value = "65";
    CHECK(answer(space).starts_with("NO (QUOTA/MAXSIZE)"));
    CHECK(answer(cmd("RENAMESCRIPT", {"a", "b"})).starts_with("NO (ALREADYEXISTS)"));
    CHECK(answer(cmd("RENAMESCRIPT", {"a", "main"})).starts_with("OK "));
    CHECK(answer(cmd("LISTSCRIPTS", {})) == "\"b\"\r\n\"main\" ACTIVE\r\nOK \"Listscripts completed\"\r\n");
    CHECK(answer(cmd("SETACTIVE", {""})).starts_with("OK "));
    CHECK(answer(cmd("DELETESCRIPT", {"main"})).starts_with("OK "));
    CHECK(answer(cmd("DELETESCRIPT", {"main"})).starts_with("NO (NONEXISTENT)"));
}
