// Line-end counts of any byte range of a message in O(block) time, after one pass.
//
// Why: every part needs its line count (rfc3501.txt:4620) and bare-LF count, and parts
// nest; counting each part's bytes directly would re-read a 50 MB attachment once per
// enclosing message/rfc822. Prefix sums per 4 KiB block make every query read at most
// two partial blocks, so the whole parse stays linear in the message size.
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
    };
    // Counts in message[begin, end); begin <= end <= message.size().
    Counts count(std::size_t begin, std::size_t end) const;

    // RFC 3501 body-fld-lines: LFs, plus one for a last line that lacks its LF.
    std::uint64_t lines(std::size_t begin, std::size_t end) const;

private:
    static constexpr std::size_t kBlock = 4096;
    Counts prefix(std::size_t pos) const;
    Counts scan(std::size_t begin, std::size_t end) const;

    std::string_view msg_;
    std::vector<Counts> blocks_;  // blocks_[k] = counts in [0, k * kBlock)
};

}  // namespace mr::mime
