// The Sieve lexer and parser (common/sieve/parser): RFC 5228 §8's grammar, the examples
// of §2, error positions, and the parse-time limits.
#include "common/sieve/parser.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace mr::sieve;

namespace {

ast::Script ok(std::string_view text) {
    auto r = parse(text);
    if (!r) FAIL(r.error().message);
    return std::move(r).value();
}

std::string error(std::string_view text, const ParseLimits& limits = {}) {
    auto r = parse(text, limits);
    REQUIRE_FALSE(r);
    return r.error().message;
}

}  // namespace

TEST_CASE("commands, arguments, tests and blocks") {
    const auto s = ok("require [\"fileinto\", \"reject\"];\n"
                      "if header :contains :comparator \"i;octet\" \"Subject\" \"MAKE MONEY FAST\" {\n"
                      "  discard;\n"
                      "} elsif anyof (not exists [\"From\", \"Date\"], size :over 1K) { stop; }\n");
    REQUIRE(s.commands.size() == 3);
    CHECK(s.commands[0].name == "require");
    CHECK(s.commands[0].args[0].strings == std::vector<std::string>{"fileinto", "reject"});
    CHECK(s.commands[0].args[0].bracketed);
    const auto& c = s.commands[1];
    CHECK(c.name == "if");
    REQUIRE(c.tests.size() == 1);
    const auto& t = c.tests[0];
    CHECK(t.name == "header");
    REQUIRE(t.args.size() == 5);
    CHECK(t.args[0].kind == ast::Argument::Kind::Tag);
    CHECK(t.args[0].tag == "contains");
    CHECK(t.args[2].strings[0] == "i;octet");
    CHECK(t.args[0].pos.line == 2);
    CHECK(t.args[0].pos.column == 11);
    CHECK(c.has_block);
    CHECK(c.block.size() == 1);
    const auto& e = s.commands[2];
    CHECK(e.name == "elsif");
    REQUIRE(e.tests.size() == 1);
    const auto& any = e.tests[0];
    CHECK(any.test_list);
    REQUIRE(any.tests.size() == 2);
    CHECK(any.tests[0].name == "not");
    CHECK(any.tests[0].tests[0].name == "exists");
    CHECK(any.tests[1].args[1].number == 1024);
}

TEST_CASE("comments (RFC 5228 §2.3 examples)") {
    const auto a = ok("if size :over 100k { # this is a comment\n   discard;\n}\n");
    CHECK(a.commands[0].tests[0].args[1].number == 100 * 1024);
    const auto b = ok("if size :over 100K { /* this is a comment\n   this is still a comment */ discard /* this is a comment\n   */ ;\n}\n");
    CHECK(b.commands[0].block[0].name == "discard");
    CHECK(error("/* never closed") == "line 1, column 1: unterminated comment");
}

TEST_CASE("identifiers and tags are case-insensitive, strings are not") {
    const auto s = ok("IF Address :DOMAIN :Is [\"From\"] \"Example.COM\" { KEEP; }");
    CHECK(s.commands[0].name == "if");
    CHECK(s.commands[0].tests[0].name == "address");
    CHECK(s.commands[0].tests[0].args[0].tag == "domain");
    CHECK(s.commands[0].tests[0].args[3].strings[0] == "Example.COM");
}

TEST_CASE("quoted strings: escapes and line ends") {
    const auto s = ok("reject \"a \\\"quoted\\\" \\\\ \\a\r\nsecond line\";");
    CHECK(s.commands[0].args[0].strings[0] == "a \"quoted\" \\ a\r\nsecond line");
    CHECK(error("keep \"abc") == "line 1, column 6: unterminated string");
    CHECK(error(std::string("keep \"a\0b\";", 11)) == "line 1, column 8: NUL in string");
}

TEST_CASE("multi-line strings: dot-stuffing, comments after text:, LF or CRLF") {
    const auto s = ok("vacation text: # a comment\r\n"
                      "Line one\r\n"
                      "..dotted\r\n"
                      ".single\r\n"
                      "\r\n"
                      ".\r\n"
                      ";\r\n");
    CHECK(s.commands[0].args[0].strings[0] == "Line one\r\n.dotted\r\n.single\r\n\r\n");
    const auto lf = ok("reject text:\nunix\n.\n;");
    CHECK(lf.commands[0].args[0].strings[0] == "unix\r\n");
    CHECK(error("reject text: x\nbody\n.\n;") == "line 1, column 14: expected a line end after \"text:\"");
    CHECK(error("reject text:\nbody\n") == "line 1, column 8: unterminated multi-line string (no \".\" line)");
}

TEST_CASE("numbers with quantifiers") {
    const auto s = ok("if size :over 2M { keep; } if size :under 1g { keep; } if size :over 12 { keep; }");
    CHECK(s.commands[0].tests[0].args[1].number == 2u << 20);
    CHECK(s.commands[1].tests[0].args[1].number == 1u << 30);
    CHECK(s.commands[2].tests[0].args[1].number == 12);
    CHECK(error("if size :over 99999999999999999999 { keep; }") == "line 1, column 15: number too large");
    CHECK(error("if size :over 9999999999G { keep; }") == "line 1, column 15: number too large");
    CHECK(error("if size :over 10X { keep; }") == "line 1, column 17: unexpected character after number");
}

TEST_CASE("syntax errors carry line and column") {
    CHECK(error("keep;\nredirect \"a@b\" ]") == "line 2, column 16: expected ';'");
    CHECK(error("keep;\n\nif true {\n  keep\n}") == "line 5, column 1: expected ';'");
    CHECK(error("if true {\n  keep;\n") == "line 1, column 9: block not closed: expected '}'");
    CHECK(error("keep;\n}") == "line 2, column 1: unexpected '}'");
    CHECK(error("if anyof(true; false) { keep; }") == "line 1, column 14: expected ',' or ')'");
    CHECK(error("if anyof() { keep; }") == "line 1, column 10: expected a test name");
    CHECK(error("fileinto [\"a\" \"b\"];") == "line 1, column 15: expected ',' or ']'");
    CHECK(error("fileinto [];") == "line 1, column 11: expected a string in the list");
    CHECK(error("keep: ;") == "line 1, column 5: expected a tag name after ':'");
    CHECK(error("keep @;") == "line 1, column 6: unexpected character '@'");
    CHECK(error("\"x\";") == "line 1, column 1: expected a command name");
    CHECK(error("keep;\rkeep;") == "line 1, column 6: CR not followed by LF");
}

TEST_CASE("limits: nesting is refused, not a stack overflow") {
    std::string tests = "if ";
    for (int i = 0; i < 10000; ++i) tests += "anyof(";
    tests += "true";
    for (int i = 0; i < 10000; ++i) tests += ")";
    tests += " { keep; }";
    CHECK(error(tests).find("nesting deeper than 32") != std::string::npos);

    std::string nots = "if ";
    for (int i = 0; i < 100000; ++i) nots += "not ";
    nots += "true { keep; }";
    CHECK(error(nots).find("nesting deeper than 32") != std::string::npos);

    std::string blocks;
    for (int i = 0; i < 10000; ++i) blocks += "if true {";
    CHECK(error(blocks).find("nesting deeper than 32") != std::string::npos);

    // 15 levels are what RFC 5228 §2.10.7 (rfc5228.txt:1108) asks for, and they parse.
    std::string fifteen;
    for (int i = 0; i < 15; ++i) fifteen += "if anyof(true) {";
    fifteen += "keep;";
    for (int i = 0; i < 15; ++i) fifteen += "}";
    ok(fifteen);
}

TEST_CASE("limits: sizes and counts") {
    const std::string big(1 << 20, 'a');
    CHECK(error("reject \"" + big + "\";") == "script larger than 1048576 bytes");
    ParseLimits roomy;
    roomy.max_script_bytes = 4 << 20;
    CHECK(error("reject \"" + big + "\";", roomy) == "line 1, column 8: string longer than 65536 bytes");
    CHECK(error("reject text:\n" + big + "\n.\n;", roomy) == "line 1, column 8: string longer than 65536 bytes");

    std::string many;
    for (int i = 0; i < 20000; ++i) many += "keep;";
    CHECK(error(many).find("more than 10000 commands") != std::string::npos);

    std::string list = "fileinto [\"a\"";
    for (int i = 0; i < 2000; ++i) list += ",\"a\"";
    list += "];";
    CHECK(error(list).find("string list longer than 1024") != std::string::npos);
}
