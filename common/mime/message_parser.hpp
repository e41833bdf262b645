// Parsing a whole message into a MessageStructure (message_structure.hpp), once, at
// delivery. RFC 5322 for the header, RFC 2045/2046 for the MIME part tree.
//
// Invariants:
//  - Total: any byte string yields a structure satisfying message_structure.hpp's
//    invariants; nothing here throws except std::bad_alloc.
//  - Zero-copy scanning; only the fields kept in the structure are copied out.
//  - Bounded: parts nested deeper than max_depth, or beyond max_parts in total, are
//    not parsed further (they become opaque leaves or are dropped); each multipart
//    level searches its own body once with memmem and line counts come from a
//    LineIndex, so time is O(size * min(depth, max_depth)) with a tiny constant and
//    O(size) for ordinary mail.
//  - Defaults: no or an invalid Content-Type gives text/plain; charset=us-ascii
//    (rfc2045.txt:737-745); inside multipart/digest it gives message/rfc822
//    (rfc2046.txt:1446). Sender and Reply-To default to From (rfc3501.txt:4336).
//  - Duplicate header fields: the first occurrence wins.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/mime/message_structure.hpp"

namespace mr::mime {

struct ParseLimits {
    int max_depth = 50;            // multipart/message nesting below the root
    std::size_t max_parts = 5000;  // parts in the whole tree, root included
};

MessageStructure parse_message(std::string_view message, const ParseLimits& limits = {});

// The RFC 3501 envelope of a header block (also used for embedded messages).
Envelope parse_envelope(std::string_view message, std::size_t header_start, std::size_t header_end);

}  // namespace mr::mime
