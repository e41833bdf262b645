#include "common/mime/line_index.hpp"

#include "common/text/message_data.hpp"

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
        running.bare_cr += c.bare_cr;
        blocks_.push_back(running);
    }
}

LineIndex::Counts LineIndex::scan(std::size_t begin, std::size_t end) const {
    Counts c;
    if (begin >= end) return c;
    const char* d = msg_.data();
    const std::size_t size = msg_.size();
    // The first byte of the message has no predecessor and the last no successor: they
    // are counted apart, so the loop reads d[i - 1] and d[i + 1] without checks and
    // without a value carried from one iteration to the next (it vectorises).
    auto one = [&](std::size_t i) {
        const bool lf = d[i] == '\n';
        c.lf += lf;
        c.bare_lf += lf && (i == 0 || d[i - 1] != '\r');
        c.bare_cr += d[i] == '\r' && (i + 1 == size || d[i + 1] != '\n');
    };
    std::size_t i = begin;
    if (i == 0) one(i++);
    const std::size_t stop = end < size ? end : size - 1;
    std::uint64_t lf = 0, bare_lf = 0, bare_cr = 0;
    for (; i < stop; ++i) {
        const std::uint64_t is_lf = d[i] == '\n';
        lf += is_lf;
        bare_lf += is_lf & static_cast<std::uint64_t>(d[i - 1] != '\r');
        bare_cr += static_cast<std::uint64_t>(d[i] == '\r') & static_cast<std::uint64_t>(d[i + 1] != '\n');
    }
    c.lf += lf;
    c.bare_lf += bare_lf;
    c.bare_cr += bare_cr;
    for (; i < end; ++i) one(i);  // the message's last byte
    return c;
}

LineIndex::Counts LineIndex::prefix(std::size_t pos) const {
    const std::size_t b = pos / kBlock;
    Counts c = blocks_[b];
    const Counts tail = scan(b * kBlock, pos);
    c.lf += tail.lf;
    c.bare_lf += tail.bare_lf;
    c.bare_cr += tail.bare_cr;
    return c;
}

LineIndex::Counts LineIndex::count(std::size_t begin, std::size_t end) const {
    if (end > msg_.size()) end = msg_.size();
    if (begin >= end) return {};
    const Counts a = prefix(begin);
    const Counts b = prefix(end);
    return {b.lf - a.lf, b.bare_lf - a.bare_lf, b.bare_cr - a.bare_cr};
}

std::uint64_t LineIndex::lines(std::size_t begin, std::size_t end) const {
    if (end > msg_.size()) end = msg_.size();
    if (begin >= end) return 0;
    const Counts c = count(begin, end);
    const char last = msg_[end - 1];
    // A CR that ends the range ends a line unless its LF follows (outside the range).
    const bool ended = last == '\n' || (last == '\r' && (end == msg_.size() || msg_[end] != '\n'));
    return c.lf + c.bare_cr + (ended ? 0 : 1);
}

std::uint64_t LineIndex::imap_extra(std::size_t begin, std::size_t end) const {
    if (end > msg_.size()) end = msg_.size();
    if (begin >= end) return 0;
    const Counts c = count(begin, end);
    const bool closes = end == msg_.size() && text::closes_open_line(msg_[end - 1]);
    return c.bare_lf + c.bare_cr + (closes ? 2 : 0);
}

}  // namespace mr::mime
