// RFC 6609 include: :personal/:global, :once, :optional, return, own variables, and the
// runtime limits that end loops and deep nesting (never a hang).
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "common/sieve/compiler.hpp"
#include "common/sieve/interpreter.hpp"

using namespace mr::sieve;

namespace {

const std::string kMessage = "From: a@example.org\r\nSubject: hello\r\n\r\nhi\r\n";

struct Scripts {
    std::map<std::string, Program> personal, global;
    void add(bool is_global, const std::string& name, const std::string& text) {
        auto p = compile_script(text);
        if (!p) FAIL(name << ": " << p.error().message);
        (is_global ? global : personal).emplace(name, std::move(*p));
    }
    IncludeResolver resolver() const {
        return [this](std::string_view name, bool is_global) -> mr::Result<const Program*> {
            const auto& m = is_global ? global : personal;
            auto it = m.find(std::string(name));
            return it == m.end() ? nullptr : &it->second;
        };
    }
};

std::vector<std::string> folders(const Outcome& o) {
    std::vector<std::string> out;
    for (const auto& a : o.actions) out.push_back(a.kind == Action::Kind::FileInto ? a.mailbox : "keep");
    return out;
}

Outcome run_main(const Scripts& s, const std::string& main) {
    auto p = compile_script(main);
    if (!p) FAIL(p.error().message);
    MessageView view(kMessage);
    const Program* one[] = {&*p};
    return run(one, view, {}, s.resolver());
}

}  // namespace

TEST_CASE("include runs the named script; return ends it; :global looks elsewhere") {
    Scripts s;
    s.add(false, "lists", "require [\"fileinto\", \"include\"];\nfileinto \"Lists\";\nreturn;\nfileinto \"Never\";");
    s.add(true, "spam", "require \"fileinto\";\nif header :contains \"subject\" \"hello\" { fileinto \"Junk\"; }");
    const auto out = run_main(s, "require [\"include\", \"fileinto\"];\ninclude \"lists\";\ninclude :global \"spam\";\n"
                                 "fileinto \"After\";");
    REQUIRE(out.ok);
    CHECK(folders(out) == std::vector<std::string>{"Lists", "Junk", "After"});
}

TEST_CASE("include: :once, :optional, missing scripts, own variables, stop ends everything") {
    Scripts s;
    s.add(false, "a", "require \"fileinto\";\nfileinto \"A\";");
    s.add(false, "vars", "require [\"variables\", \"fileinto\"];\nfileinto \"v${x}\";\nset \"x\" \"2\";");
    s.add(false, "halt", "stop;");
    auto out = run_main(s, "require \"include\";\ninclude :once \"a\";\ninclude :once \"a\";\ninclude :optional \"gone\";");
    REQUIRE(out.ok);
    CHECK(folders(out) == std::vector<std::string>{"A"});
    out = run_main(s, "require \"include\";\ninclude \"gone\";");
    CHECK_FALSE(out.ok);
    CHECK(out.error.find("no personal script \"gone\"") != std::string::npos);
    // The included script does not see the includer's variables, nor the includer its.
    out = run_main(s, "require [\"include\", \"variables\", \"fileinto\"];\nset \"x\" \"1\";\ninclude \"vars\";\n"
                      "fileinto \"m${x}\";");
    REQUIRE(out.ok);
    CHECK(folders(out) == std::vector<std::string>{"v", "m1"});
    out = run_main(s, "require [\"include\", \"fileinto\"];\ninclude \"halt\";\nfileinto \"Never\";");
    REQUIRE(out.ok);
    CHECK(folders(out) == std::vector<std::string>{"keep"});
}

TEST_CASE("include loops and deep nesting stop at a limit") {
    Scripts s;
    s.add(false, "self", "require \"include\";\ninclude \"self\";");
    s.add(false, "ping", "require \"include\";\ninclude \"pong\";");
    s.add(false, "pong", "require \"include\";\ninclude \"ping\";");
    for (int i = 0; i < 20; ++i)
        s.add(false, "d" + std::to_string(i), "require \"include\";\ninclude \"d" + std::to_string(i + 1) + "\";");
    s.add(false, "d20", "keep;");
    for (const char* start : {"self", "ping"}) {
        const auto out = run_main(s, std::string("require \"include\";\ninclude \"") + start + "\";");
        CHECK_FALSE(out.ok);
        CHECK(out.error.find("include loop") != std::string::npos);
        CHECK(folders(out) == std::vector<std::string>{"keep"});  // the implicit keep, nothing else
    }
    auto out = run_main(s, "require \"include\";\ninclude \"d0\";");
    CHECK_FALSE(out.ok);
    CHECK(out.error.find("nested deeper than 8") != std::string::npos);
    // Many :once-less includes of a small script: bounded by max_includes.
    std::string many = "require \"include\";\n";
    for (int i = 0; i < 40; ++i) many += "include \"d20\";\n";
    out = run_main(s, many);
    CHECK_FALSE(out.ok);
    CHECK(out.error.find("more than 32 includes") != std::string::npos);
}

TEST_CASE("include is checked at upload") {
    CHECK_FALSE(compile_script("include \"a\";"));  // not required
    CHECK_FALSE(compile_script("require \"include\"; include \"../x\";"));
    CHECK_FALSE(compile_script("require \"include\"; include \"\";"));
    CHECK_FALSE(compile_script("require \"include\"; include :personal :global \"a\";"));
    CHECK_FALSE(compile_script("require \"include\"; include :once :once \"a\";"));
    CHECK_FALSE(compile_script("return;"));
    CHECK(compile_script("require \"include\"; include :global :once :optional \"a\"; return;"));
}

TEST_CASE("global variables are shared with included scripts (RFC 6609 §3.4)") {
    Scripts s;
    s.add(false, "g", "require [\"include\", \"variables\", \"fileinto\"];\nglobal \"X\";\nfileinto \"g${x}\";\n"
                      "set \"x\" \"2\";\nset \"local\" \"no\";");
    const auto out = run_main(s, "require [\"include\", \"variables\", \"fileinto\"];\nglobal [\"x\"];\nset \"x\" \"1\";\n"
                                 "set \"local\" \"yes\";\ninclude \"g\";\nfileinto \"m${x}${local}\";");
    REQUIRE(out.ok);
    CHECK(folders(out) == std::vector<std::string>{"g1", "m2yes"});
    CHECK_FALSE(compile_script("require \"include\"; global \"x\";"));  // needs variables
    CHECK_FALSE(compile_script("require [\"include\", \"variables\"]; global \"1x\";"));
}
