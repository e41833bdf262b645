// The syntax tree of a Sieve script (RFC 5228 §8.2, rfc5228.txt:1908), as the parser
// produces it and before any command is understood: commands and tests are names with
// arguments. The compiler (compiler.hpp) gives them meaning.
//
// Invariants:
//  - Identifiers and tags are stored lowercased: RFC 5228 §8.1 (rfc5228.txt:1882) makes them
//    case-insensitive, and every later lookup compares with lowercase names.
//  - Strings hold the literal's text with escapes and dot-stuffing undone; encoded
//    characters and variables are left for the compiler and the interpreter.
//  - Nesting depth, sizes and counts are bounded by the parser's Limits, so walking the
//    tree recursively is safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mr::sieve {

struct Position {
    int line = 1;
    int column = 1;
};

namespace ast {

struct Argument {
    enum class Kind { Tag, Number, StringList };
    Kind kind = Kind::StringList;
    Position pos;
    std::string tag;                   // Tag: without the ':'
    std::uint64_t number = 0;          // Number: with its K/M/G quantifier applied
    std::vector<std::string> strings;  // StringList: one element when not bracketed
    bool bracketed = false;            // StringList written as "[...]"
};

struct Test {
    std::string name;
    Position pos;
    std::vector<Argument> args;
    std::vector<Test> tests;  // a test argument or a test-list
    bool test_list = false;   // tests were written as "( ... )"
};

struct Command {
    std::string name;
    Position pos;
    std::vector<Argument> args;
    std::vector<Test> tests;
    bool test_list = false;
    bool has_block = false;  // ended by "{...}" rather than ";"
    std::vector<Command> block;
};

struct Script {
    std::vector<Command> commands;
};

}  // namespace ast
}  // namespace mr::sieve
