#include "common/mime/multipart.hpp"

#include <cstring>
#include <string>

#include "common/mime/header_parser.hpp"

namespace mr::mime {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

}  // namespace

MultipartSplit split_multipart(std::string_view msg, std::size_t body_start, std::size_t body_end,
                               std::string_view boundary, std::size_t max_parts) {
    MultipartSplit split;
    if (body_end > msg.size()) body_end = msg.size();
    if (boundary.empty() || boundary.size() > kMaxBoundaryLength || body_start >= body_end ||
        max_parts == 0) {
        return split;
    }
    const std::string needle = "--" + std::string(boundary);
    constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    std::size_t part_start = kNone;  // kNone while still in the preamble
    std::size_t pos = body_start;
    while (pos < body_end) {
        const void* found = memmem(msg.data() + pos, body_end - pos, needle.data(), needle.size());
        if (!found) break;
        const std::size_t hit = static_cast<std::size_t>(static_cast<const char*>(found) - msg.data());
        pos = hit + 1;
        // Not at a line start: lines end at CRLF, bare LF or bare CR (header_parser.hpp).
        if (hit != body_start && msg[hit - 1] != '\n' && msg[hit - 1] != '\r') continue;

        std::size_t q = hit + needle.size();
        const bool close = q + 1 < body_end && msg[q] == '-' && msg[q + 1] == '-';
        if (close) q += 2;
        if (q < body_end && msg[q] != '\r' && msg[q] != '\n' && !is_wsp(msg[q])) continue;
        // Skip transport padding and anything after it to the end of the line.
        const std::size_t next = line_at(msg.data(), q, body_end).next;

        // The line end before the delimiter is the delimiter's (rfc2046.txt:1083).
        std::size_t delim = hit;
        if (delim > body_start && msg[delim - 1] == '\n') {
            --delim;
            if (delim > body_start && msg[delim - 1] == '\r') --delim;
        } else if (delim > body_start && msg[delim - 1] == '\r') {
            --delim;  // a bare CR
        }
        if (part_start != kNone) {
            split.parts.push_back({part_start, delim > part_start ? delim : part_start});
            if (split.parts.size() >= max_parts) return split;
        }
        if (close) {
            split.closed = true;
            return split;
        }
        part_start = next;
        pos = next;
    }
    if (part_start != kNone) split.parts.push_back({part_start, body_end});
    return split;
}

}  // namespace mr::mime
