// DKIM tag=value lists (RFC 6376 §3.2, rfc6376.txt:635): the syntax of DKIM-Signature fields
// and of key records.
//
// Invariants:
//  - Parsed all at once; any syntax error (a tag name that is not ALPHA *(ALPHA/DIGIT/"_"),
//    a missing "=", a character outside VALCHAR in a value, an empty tag-spec between two
//    ";", a tag named twice (rfc6376.txt:683)) rejects the whole list.
//  - Folding whitespace is SP, HTAB, CR or LF (a stored message may use bare LF line ends);
//    it may surround names, "=" and values and separate the tvals of one value.
//  - Views point into the caller's text; names are case-sensitive (§3.2).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"

namespace mr::dkim {

struct Tag {
    std::string_view name;
    std::string_view value;  // without the whitespace around it; inner whitespace kept
    // The whole text after "=" up to the ";" or the end, whitespace included: what the
    // verifier blanks out of b= (RFC 6376 §3.7, rfc6376.txt:1659).
    std::size_t after_equals = 0;
    std::size_t spec_end = 0;
};

using TagList = std::vector<Tag>;

// Lists longer than this many tags are refused: both kinds of list have a dozen at most.
inline constexpr std::size_t kMaxTags = 64;

Result<TagList> parse_tag_list(std::string_view text);

// The tag named `name`, or nullptr.
const Tag* find_tag(std::span<const Tag> tags, std::string_view name);

// `value` without any folding whitespace (base64 values, h= names).
std::string_view trim_fws(std::string_view value);
// Splits a colon-separated value ("from : to", "rsa:ed25519") into trimmed items; an
// empty item is kept as empty so callers can refuse it.
std::vector<std::string_view> split_colons(std::string_view value);

}  // namespace mr::dkim
