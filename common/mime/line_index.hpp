// Line-end counts of any byte range of a message in O(block) time, after one pass.
//
// Why: every part needs its line count (rfc3501.txt:4620) and the octets the IMAP form
// adds to it (common/text/message_data.hpp, section 4), and parts nest; counting each
// part's bytes directly would re-read a 50 MB attachment once per enclosing
// message/rfc822. Prefix sums per 4 KiB block make every query read at most two partial
// blocks, so the whole parse stays linear in the message size.
//
// "Bare" looks at the whole message, not the range: an LF is bare unless a CR precedes it,
// a CR unless an LF follows it (a CR at the message's end is bare). So counts of adjacent
// ranges add up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace mr::mime {

class LineIndex {
public:
    explicit LineIndex(std::string_view message);

    struct Counts {
        std::uint64_t lf = 0;       // every LF
        std::uint64_t bare_lf = 0;  // LFs not preceded by CR (the CR may lie before `begin`)
        std::uint64_t bare_cr = 0;  // CRs not followed by LF (the LF may lie past `end`)
    };
    // Counts in message[begin, end); begin <= end <= message.size().
    Counts count(std::size_t begin, std::size_t end) const;

    // RFC 3501 body-fld-lines of the range as IMAP sends it: its line ends (LFs and bare
    // CRs), plus one for a last line that has none.
    std::uint64_t lines(std::size_t begin, std::size_t end) const;

    // Octets the IMAP form (message_data.hpp, section 4) adds to the range: one per bare LF
    // and bare CR, two when the range ends the message with an open last line.
    std::uint64_t imap_extra(std::size_t begin, std::size_t end) const;

private:
    static constexpr std::size_t kBlock = 4096;
    Counts prefix(std::size_t pos) const;
    Counts scan(std::size_t begin, std::size_t end) const;

    std::string_view msg_;
    std::vector<Counts> blocks_;  // blocks_[k] = counts in [0, k * kBlock)
};

}  // namespace mr::mime
