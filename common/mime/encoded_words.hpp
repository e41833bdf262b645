// RFC 2047 encoded-words (rfc2047.txt:180): "=?charset?B|Q?encoded-text?=" → UTF-8.
//
// Invariants:
//  - Never fails and never loses text: a word that is malformed, uses an unknown
//    encoding, or whose charset cannot be converted is kept exactly as written
//    (RFC 2047 §6.2/§6.3, rfc2047.txt:523 and rfc2047.txt:534).
//  - White space between two adjacent encoded-words is dropped (rfc2047.txt:512).
//  - Adjacent words in the same charset are converted as one byte string, because
//    senders split multi-byte characters across words despite rfc2047.txt:427.
//  - Linear time: each "=?" is examined at most once and a word ends at the first
//    "?" after its encoding, so no input makes the scan quadratic.
//  - Text outside encoded-words (including raw 8-bit UTF-8) passes through.
#pragma once

#include <string>
#include <string_view>

namespace mr::mime {

// Unstructured text (Subject, Comments, Content-Description) or a phrase that has
// already been tokenized (an Address::name). Words are recognised even when glued
// to surrounding text ("Re:=?utf-8?q?x?="), as mainstream readers do.
std::string decode_encoded_words(std::string_view text);

// A raw RFC 5322 phrase (rfc5322.txt:760) as written in a header: quoted-strings are
// unquoted, comments dropped, runs of white space collapsed to one space, and then
// encoded-words decoded (also inside quoted strings: senders do put them there).
std::string decode_phrase(std::string_view raw_phrase);

}  // namespace mr::mime
