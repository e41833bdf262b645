// Finding the body parts of a multipart body (RFC 2046 §5.1.1, rfc2046.txt:1015).
//
// Invariants:
//  - A delimiter line starts at the beginning of the body or right after a line end
//    (rfc2046.txt:1073; CRLF, bare LF or bare CR, as header_parser.hpp splits lines), then "--" boundary, then optionally "--" (close delimiter,
//    rfc2046.txt:1095), then either the line end or white space after which anything
//    is ignored (transport padding rfc2046.txt:1239, and the prefix rule of
//    rfc2046.txt:1103: the boundary need only appear in its entirety). A non-space byte
//    right after the boundary means a *different, longer* boundary that merely starts
//    with this one (nested "=_abc" and "=_abc_1"), so it is not a delimiter here.
//  - The line end before a delimiter belongs to the delimiter (rfc2046.txt:1083): a
//    part ends before its CRLF (or bare LF, or bare CR).
//  - Preamble and epilogue (rfc2046.txt:1109) are outside every part.
//  - A missing close delimiter ends the last part at the end of the body.
//  - Linear: candidates are found with memmem (glibc two-way, no O(n*m) worst case),
//    each byte is examined a bounded number of times.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace mr::mime {

struct BodyPartRange {
    std::size_t start = 0;  // first byte of the part's header
    std::size_t end = 0;    // one past the part's last body byte
};

struct MultipartSplit {
    std::vector<BodyPartRange> parts;
    bool closed = false;  // a close delimiter was seen
};

// RFC 2046 allows 1..70 boundary characters (rfc2046.txt:1201); longer ones are
// accepted up to this bound, beyond it the multipart is treated as having no parts.
inline constexpr std::size_t kMaxBoundaryLength = 200;

MultipartSplit split_multipart(std::string_view message, std::size_t body_start,
                               std::size_t body_end, std::string_view boundary,
                               std::size_t max_parts);

}  // namespace mr::mime
