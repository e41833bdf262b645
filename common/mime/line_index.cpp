#include "common/mime/line_index.hpp"

namespace mr::mime {

LineIndex::LineIndex(std::string_view message) : msg_(message) {
    const std::size_t nblocks = msg_.size() / kBlock + 1;
    blocks_.reserve(nblocks);
    Counts running;
    blocks_.push_back(running);
    for (std::size_t b = 1; b < nblocks; ++b) {
        const Counts c = scan((b - 1) * kBlock, b * kBlock);
        running.lf += c.lf;
        running.bare_lf += c.bare_lf;
        blocks_.push_back(running);
    }
}

LineIndex::Counts LineIndex::scan(std::size_t begin, std::size_t end) const {
    Counts c;
    const char* d = msg_.data();
    char prev = begin > 0 ? d[begin - 1] : '\0';
    // Branch-free so the compiler can vectorise the common case.
    for (std::size_t i = begin; i < end; ++i) {
        const char ch = d[i];
        const std::uint64_t is_lf = ch == '\n';
        c.lf += is_lf;
        c.bare_lf += is_lf & static_cast<std::uint64_t>(prev != '\r');
        prev = ch;
    }
    return c;
}

LineIndex::Counts LineIndex::prefix(std::size_t pos) const {
    const std::size_t b = pos / kBlock;
    Counts c = blocks_[b];
    const Counts tail = scan(b * kBlock, pos);
    c.lf += tail.lf;
    c.bare_lf += tail.bare_lf;
    return c;
}

LineIndex::Counts LineIndex::count(std::size_t begin, std::size_t end) const {
    if (end > msg_.size()) end = msg_.size();
    if (begin >= end) return {};
    const Counts a = prefix(begin);
    const Counts b = prefix(end);
    return {b.lf - a.lf, b.bare_lf - a.bare_lf};
}

std::uint64_t LineIndex::lines(std::size_t begin, std::size_t end) const {
    if (end > msg_.size()) end = msg_.size();
    if (begin >= end) return 0;
    return count(begin, end).lf + (msg_[end - 1] != '\n' ? 1 : 0);
}

}  // namespace mr::mime
