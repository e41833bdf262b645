#include "common/text/line_buffer.hpp"

#include <algorithm>

namespace mr::text {

LineBuffer::LineBuffer(LinePolicy policy) : policy_(policy) {}

void LineBuffer::reset() {
    buf_.clear();
    returned_line_ = false;
    discarding_ = false;
    raw_remaining_ = 0;
}

Result<void> LineBuffer::expect_raw(std::uint64_t n) {
    if (returned_line_) {
        buf_.clear();
        returned_line_ = false;
    }
    if (!buf_.empty() || discarding_ || raw_remaining_ > 0)
        return Error::internal("expect_raw called in the middle of a line");
    raw_remaining_ = n;
    return {};
}

LineEvent LineBuffer::next(std::string_view& input) {
    if (returned_line_) {
        // The view handed out last time dies here, as documented.
        buf_.clear();
        returned_line_ = false;
    }

    if (raw_remaining_ > 0) {
        if (input.empty()) return NeedMore{};
        const auto take = static_cast<std::size_t>(
            std::min<std::uint64_t>(raw_remaining_, input.size()));
        RawChunk chunk{input.substr(0, take), false};
        input.remove_prefix(take);
        raw_remaining_ -= take;
        chunk.last = raw_remaining_ == 0;
        return chunk;
    }

    if (discarding_) {
        const auto lf = input.find('\n');
        if (lf == std::string_view::npos) {
            input = {};
            return NeedMore{};
        }
        input.remove_prefix(lf + 1);
        discarding_ = false;
    }

    const auto lf = input.find('\n');
    if (lf == std::string_view::npos) {
        // No terminator yet: keep the bytes if they can still form a line of
        // at most max_line octets plus a CR awaiting its LF.
        if (input.empty()) return NeedMore{};
        const std::size_t total = buf_.size() + input.size();
        const bool fits = total <= policy_.max_line || (total == policy_.max_line + 1 && input.back() == '\r');
        if (!fits) {
            buf_.clear();
            input = {};
            discarding_ = true;
            return LineTooLong{};
        }
        buf_.append(input);
        input = {};
        return NeedMore{};
    }

    // A complete line: buf_ + input[0, lf).
    const std::size_t total = buf_.size() + lf;
    const bool ends_cr = lf > 0 ? input[lf - 1] == '\r' : (!buf_.empty() && buf_.back() == '\r');
    const std::size_t content = total - (ends_cr ? 1 : 0);
    if (content > policy_.max_line) {
        // Same event as the chunked path, which would have crossed the limit
        // earlier; the terminator is in hand so nothing is left to discard.
        buf_.clear();
        input.remove_prefix(lf + 1);
        return LineTooLong{};
    }
    buf_.append(input.substr(0, lf));
    input.remove_prefix(lf + 1);
    if (ends_cr) buf_.pop_back();
    const Line line{buf_, !ends_cr, buf_.find('\r') != std::string::npos};
    if ((line.bare_lf && policy_.bare_lf == BareLf::Refuse) ||
        (line.bare_cr && policy_.bare_cr == BareCr::Refuse)) {
        buf_.clear();
        return RefusedLine{line.bare_lf, line.bare_cr};
    }
    returned_line_ = true;
    return line;
}

}  // namespace mr::text
