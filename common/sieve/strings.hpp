// String rules shared by the compiler and the interpreter: encoded characters
// (RFC 5228 §2.4.2.4, rfc5228.txt:529), identifiers, and the wildcard quoting of
// RFC 5229's :quotewildcard.
#pragma once

#include <string>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::sieve {

// Replaces each well-formed "${hex:...}" and "${unicode:...}" (names case-insensitive) in
// one left-to-right pass; anything not matching the grammar is kept as written
// ("${hex:400}" stays). A well-formed unicode value outside 0-D7FF / E000-10FFFF is an
// error, as rfc5228.txt:562 requires. The message has no position: the caller adds it.
Result<std::string> decode_encoded_characters(std::string_view s);

// identifier = (ALPHA / "_") *(ALPHA / DIGIT / "_")   (rfc5228.txt:1910)
bool is_identifier(std::string_view s);

// RFC 5228 §5.1 (rfc5228.txt:1446): the address test only reads headers that hold
// addresses; these are they (case-insensitive).
bool is_address_header(std::string_view name);

// A backslash before each '*', '?' and '\', so the value matches itself under :matches.
std::string quote_wildcards(std::string_view s);

// RFC 5322 §3.6.8 field-name: 1*ftext (printable ASCII but ':').
bool is_field_name(std::string_view s);

// A header field value as written into a message: as is when ASCII, else one RFC 2047
// encoded word (UTF-8, base64). Line ends become spaces.
std::string header_value_text(std::string_view s);

}  // namespace mr::sieve
