// Syntax tree to Program (program.hpp): require, argument and type checks of every command
// and test mailroom supports, so that a script is refused at upload, with the line and
// column of the mistake, rather than failing at delivery.
//
// Supported extensions (the names `require` accepts): fileinto, envelope,
// encoded-character, reject, ereject (RFC 5429), imap4flags (RFC 5232), body (RFC 5173),
// variables (RFC 5229), vacation (RFC 5230), vacation-seconds (RFC 6131), relational
// (RFC 5231), comparator-i;ascii-numeric, comparator-i;octet, comparator-i;ascii-casemap
// (RFC 4790), comparator-i;unicode-casemap (RFC 5051), subaddress (RFC 5233), copy (RFC 3894), mailbox (RFC 5490). No regex.
#pragma once

#include <span>
#include <string_view>

#include "common/sieve/ast.hpp"
#include "common/sieve/parser.hpp"
#include "common/sieve/program.hpp"
#include "common/util/result.hpp"

namespace mr::sieve {

// The capability list (ManageSieve's SIEVE capability, `mailroom sieve check`).
std::span<const std::string_view> supported_extensions();

Result<Program> compile(const ast::Script& script);

// parse() then compile(): what an upload runs.
Result<Program> compile_script(std::string_view text, const ParseLimits& limits = {});

}  // namespace mr::sieve
