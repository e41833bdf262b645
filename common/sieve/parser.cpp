#include "common/sieve/parser.hpp"

#include <utility>

#include "common/sieve/lexer.hpp"

namespace mr::sieve {

namespace {

using ast::Argument;
using ast::Command;
using ast::Script;
using ast::Test;

class Parser {
public:
    Parser(std::string_view script, const ParseLimits& limits)
        : lexer_(script, limits.max_string_bytes), limits_(limits) {}

    Result<Script> run() {
        if (auto r = advance(); !r) return r.error();
        Script script;
        if (auto r = commands(script.commands, 0); !r) return r.error();
        if (tok_.kind != TokenKind::End) return syntax_error(tok_.pos, "unexpected '}'");
        return script;
    }

private:
    Result<void> advance() {
        auto t = lexer_.next();
        if (!t) return t.error();
        tok_ = std::move(*t);
        return {};
    }

    Result<void> count_node() {
        if (++nodes_ > limits_.max_nodes)
            return syntax_error(tok_.pos, "script has more than " + std::to_string(limits_.max_nodes) +
                                              " commands, tests and arguments");
        return {};
    }

    Result<void> enter(int depth) {
        if (depth > limits_.max_depth)
            return syntax_error(tok_.pos, "nesting deeper than " + std::to_string(limits_.max_depth));
        return {};
    }

    // commands = *command, ended by "}" or the end of the script (the caller checks which).
    Result<void> commands(std::vector<Command>& out, int depth) {
        while (tok_.kind != TokenKind::End && tok_.kind != TokenKind::RightBrace) {
            if (tok_.kind != TokenKind::Identifier) return syntax_error(tok_.pos, "expected a command name");
            if (auto r = count_node(); !r) return r;
            Command c;
            c.name = tok_.text;
            c.pos = tok_.pos;
            if (auto r = advance(); !r) return r;
            if (auto r = arguments(c.args, c.tests, c.test_list, depth); !r) return r;
            if (tok_.kind == TokenKind::Semicolon) {
                if (auto r = advance(); !r) return r;
            } else if (tok_.kind == TokenKind::LeftBrace) {
                if (auto r = enter(depth + 1); !r) return r;
                const Position open = tok_.pos;
                if (auto r = advance(); !r) return r;
                c.has_block = true;
                if (auto r = commands(c.block, depth + 1); !r) return r;
                if (tok_.kind != TokenKind::RightBrace)
                    return syntax_error(open, "block not closed: expected '}'");
                if (auto r = advance(); !r) return r;
            } else {
                return syntax_error(tok_.pos, "expected ';'");
            }
            out.push_back(std::move(c));
        }
        return {};
    }

    // arguments = *argument [ test / test-list ]
    Result<void> arguments(std::vector<Argument>& args, std::vector<Test>& tests, bool& test_list, int depth) {
        for (;;) {
            Argument a;
            a.pos = tok_.pos;
            if (tok_.kind == TokenKind::Tag) {
                a.kind = Argument::Kind::Tag;
                a.tag = tok_.text;
            } else if (tok_.kind == TokenKind::Number) {
                a.kind = Argument::Kind::Number;
                a.number = tok_.number;
            } else if (tok_.kind == TokenKind::String) {
                a.strings.push_back(std::move(tok_.text));
            } else if (tok_.kind == TokenKind::LeftBracket) {
                a.bracketed = true;
                if (auto r = string_list(a.strings); !r) return r;
                if (auto r = count_node(); !r) return r;
                args.push_back(std::move(a));
                continue;  // string_list stopped after the ']'
            } else {
                break;
            }
            if (auto r = count_node(); !r) return r;
            args.push_back(std::move(a));
            if (auto r = advance(); !r) return r;
        }
        if (tok_.kind == TokenKind::Identifier) {
            if (auto r = enter(depth + 1); !r) return r;
            Test t;
            if (auto r = test(t, depth + 1); !r) return r;
            tests.push_back(std::move(t));
        } else if (tok_.kind == TokenKind::LeftParen) {
            if (auto r = enter(depth + 1); !r) return r;
            test_list = true;
            if (auto r = advance(); !r) return r;
            for (;;) {
                if (tok_.kind != TokenKind::Identifier) return syntax_error(tok_.pos, "expected a test name");
                Test t;
                if (auto r = test(t, depth + 1); !r) return r;
                tests.push_back(std::move(t));
                if (tok_.kind == TokenKind::RightParen) break;
                if (tok_.kind != TokenKind::Comma) return syntax_error(tok_.pos, "expected ',' or ')'");
                if (auto r = advance(); !r) return r;
            }
            if (auto r = advance(); !r) return r;
        }
        return {};
    }

    // test = identifier arguments; tok_ is the identifier.
    Result<void> test(Test& t, int depth) {
        if (auto r = count_node(); !r) return r;
        t.name = tok_.text;
        t.pos = tok_.pos;
        if (auto r = advance(); !r) return r;
        return arguments(t.args, t.tests, t.test_list, depth);
    }

    // string-list = "[" string *("," string) "]"; tok_ is the '['. Stops after the ']'.
    Result<void> string_list(std::vector<std::string>& out) {
        for (;;) {
            if (auto r = advance(); !r) return r;
            if (tok_.kind != TokenKind::String) return syntax_error(tok_.pos, "expected a string in the list");
            if (out.size() >= limits_.max_list_items)
                return syntax_error(tok_.pos, "string list longer than " + std::to_string(limits_.max_list_items));
            out.push_back(std::move(tok_.text));
            if (auto r = advance(); !r) return r;
            if (tok_.kind == TokenKind::RightBracket) return advance();
            if (tok_.kind != TokenKind::Comma) return syntax_error(tok_.pos, "expected ',' or ']'");
        }
    }

    Lexer lexer_;
    const ParseLimits& limits_;
    Token tok_;
    std::size_t nodes_ = 0;
};

}  // namespace

Result<ast::Script> parse(std::string_view script, const ParseLimits& limits) {
    if (script.size() > limits.max_script_bytes)
        return Error::syntax("script larger than " + std::to_string(limits.max_script_bytes) + " bytes");
    return Parser(script, limits).run();
}

}  // namespace mr::sieve
