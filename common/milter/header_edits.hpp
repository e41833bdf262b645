// Header changes a milter asks for at end of message (SMFIR_ADDHEADER, SMFIR_INSHEADER,
// SMFIR_CHGHEADER), applied to a stored header block. Pure: bytes in, bytes out.
//
// Invariants:
// - Only the header block changes; the bytes of every field not named by an edit are kept
//   as they were, in their order.
// - Indexes follow libmilter: CHGHEADER's index is the n-th (from 1) field of that name,
//   case-insensitively, and an empty value removes it (an index past the last such field
//   with a value adds the field, as Sendmail does); INSHEADER's index is a position among
//   all fields (0: before the first; past the end: after the last); ADDHEADER appends.
// - A field we write is "Name: value" + CRLF. A value's line ends become CRLF and a line
//   end not followed by a space or tab gets a tab, so a value can fold but never start a
//   new field or end the header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mr::milter {

struct HeaderEdit {
    enum class Kind { Add, Insert, Change };
    Kind kind = Kind::Add;
    std::uint32_t index = 0;
    std::string name;
    std::string value;
};

// `header` is the header block including its empty line (or without one: a message that is
// all header); returns the new block, ending the same way.
std::string apply_header_edits(std::string_view header, const std::vector<HeaderEdit>& edits);

// "Name: value\r\n" with the value made safe as above.
std::string format_field(std::string_view name, std::string_view value);

}  // namespace mr::milter
