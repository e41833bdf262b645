// What the compiler's two halves (commands: compiler.cpp, tests: compile_tests.cpp) share:
// the required extensions and the readers of positional and tagged arguments.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "common/sieve/ast.hpp"
#include "common/sieve/program.hpp"
#include "common/util/result.hpp"

namespace mr::sieve::detail {

class Context {
public:
    std::set<std::string> required;

    bool has(std::string_view ext) const { return required.count(std::string(ext)) != 0; }
    // "line L, column C: 'what' needs require \"ext\"" unless ext was required.
    Result<void> need(std::string_view ext, Position pos, std::string_view what) const;

    // Strings as the program stores them: encoded characters decoded when required.
    Result<std::string> decode(std::string s, Position pos) const;
    Result<std::vector<std::string>> decode(std::vector<std::string> list, Position pos) const;
};

// Reads one command's or test's arguments from left to right: tags first (the caller
// handles each), then positional ones; finish() refuses leftovers.
class ArgReader {
public:
    ArgReader(const Context& ctx, const std::vector<ast::Argument>& args, std::string_view owner, Position pos)
        : ctx_(ctx), args_(args), owner_(owner), pos_(pos) {}

    // The next argument is a tag: its name (without ':'), else nullptr.
    const ast::Argument* tag();
    Result<std::string> tag_string(const ast::Argument& tag);  // the string after a tag
    Result<std::vector<std::string>> tag_string_list(const ast::Argument& tag);
    Result<std::uint64_t> tag_number(const ast::Argument& tag);

    bool more() const { return i_ < args_.size(); }
    std::size_t remaining() const { return args_.size() - i_; }
    Result<std::string> string(std::string_view what);
    Result<std::vector<std::string>> string_list(std::string_view what);
    Result<std::uint64_t> number(std::string_view what);
    Result<void> finish();

    Error unknown_tag(const ast::Argument& tag) const;
    Error error(Position pos, std::string_view what) const;
    Position pos() const { return pos_; }

private:
    const Context& ctx_;
    const std::vector<ast::Argument>& args_;
    std::string_view owner_;
    Position pos_;
    std::size_t i_ = 0;
};

// Match-type, comparator and address-part tags (RFC 5228 §2.7, RFC 5231, RFC 5233).
// Returns true when `tag` was one of them; `allow_part` for address/envelope only.
Result<bool> match_tag(const Context& ctx, ArgReader& reader, const ast::Argument& tag, MatchSpec& match,
                       AddressPart* part, unsigned& seen);
// Checks after all tags: comparator and match type agree.
Result<void> check_match(const ArgReader& reader, const MatchSpec& match);

// A test (program form) from its syntax.
Result<Test> compile_test(const Context& ctx, const ast::Test& test);

}  // namespace mr::sieve::detail
