#include "common/text/line_buffer.hpp"

#include <algorithm>

namespace mr::text {

namespace {

// The last n octets of `bytes` (all of them when shorter).
std::string_view last_octets(std::string_view bytes, std::size_t n) {
    return bytes.substr(bytes.size() - std::min(bytes.size(), n));
}

}  // namespace

LineBuffer::LineBuffer(LinePolicy policy) : policy_(policy), line_max_(policy.max_line) {}

void LineBuffer::reset() {
    buf_.clear();
    returned_line_ = false;
    discarding_ = false;
    tail_.clear();
    held_cr_ = false;
    raw_remaining_ = 0;
    line_max_ = policy_.max_line;
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

Result<void> LineBuffer::limit_next_line(std::size_t n) {
    if ((!returned_line_ && !buf_.empty()) || discarding_)
        return Error::internal("limit_next_line called in the middle of a line");
    line_max_ = std::min(n, policy_.max_line);
    return {};
}

// Keeps the last kLongLineTail + 1 octets of the discarded line: its content's last
// kLongLineTail plus a CR that may belong to the CRLF.
void LineBuffer::keep_tail(std::string_view bytes) {
    if (policy_.long_line_end != LongLineEnd::Report) return;
    tail_.append(last_octets(bytes, kLongLineTail + 1));
    if (tail_.size() > kLongLineTail + 1) tail_.erase(0, tail_.size() - (kLongLineTail + 1));
}

// The line (buf_ + input[0, n)) crossed line_max_: consumes input[0, n) (under Pass only
// what the head needs, the rest is passed on), starts discarding and hands out the line's
// first line_max_ + 1 octets.
LineEvent LineBuffer::too_long(std::string_view& input, std::size_t n) {
    const std::size_t head = line_max_ + 1;  // buf_ never holds more
    if (policy_.long_line_end == LongLineEnd::Pass) n = std::min(n, head - buf_.size());
    const std::string_view more = input.substr(0, n);
    input.remove_prefix(n);
    tail_.clear();
    keep_tail(buf_);
    keep_tail(more);
    if (buf_.size() < head) buf_.append(more.substr(0, head - buf_.size()));
    returned_line_ = true;
    discarding_ = true;
    return LineTooLong{buf_};
}

LineEvent LineBuffer::end_long_line(bool bare_lf) {
    discarding_ = false;
    line_max_ = policy_.max_line;
    return LongLineEnded{{}, bare_lf};
}

// LongLineEnd::Pass, after the head: the line's content up to its LF, as views of the input.
LineEvent LineBuffer::pass_long(std::string_view& input) {
    if (input.empty()) return NeedMore{};
    if (held_cr_) {
        held_cr_ = false;
        if (input.front() == '\n') {
            input.remove_prefix(1);
            return end_long_line(false);
        }
        return LinePart{"\r"};
    }
    const auto lf = input.find('\n');
    std::size_t n = lf == std::string_view::npos ? input.size() : lf;
    if (n == 0) {
        input.remove_prefix(1);
        return end_long_line(true);
    }
    if (input[n - 1] == '\r') {
        if (n == 1) {
            if (lf != std::string_view::npos) {
                input.remove_prefix(2);
                return end_long_line(false);
            }
            input.remove_prefix(1);
            held_cr_ = true;
            return NeedMore{};
        }
        --n;  // the CR is decided by the next call, with the byte after it
    }
    const LinePart part{input.substr(0, n)};
    input.remove_prefix(n);
    return part;
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

    if (discarding_ && policy_.long_line_end == LongLineEnd::Pass) return pass_long(input);
    if (discarding_) {
        const auto lf = input.find('\n');
        if (lf == std::string_view::npos) {
            keep_tail(input);
            input = {};
            return NeedMore{};
        }
        keep_tail(input.substr(0, lf));
        input.remove_prefix(lf + 1);
        discarding_ = false;
        line_max_ = policy_.max_line;
        if (policy_.long_line_end == LongLineEnd::Report) {
            const bool crlf = !tail_.empty() && tail_.back() == '\r';
            if (crlf) tail_.pop_back();
            buf_.assign(last_octets(tail_, kLongLineTail));
            tail_.clear();
            returned_line_ = true;
            return LongLineEnded{buf_, !crlf};
        }
    }

    const auto lf = input.find('\n');
    if (lf == std::string_view::npos) {
        // No terminator yet: keep the bytes if they can still form a line of
        // at most line_max_ octets plus a CR awaiting its LF.
        if (input.empty()) return NeedMore{};
        const std::size_t total = buf_.size() + input.size();
        const bool fits = total <= line_max_ || (total == line_max_ + 1 && input.back() == '\r');
        if (!fits) return too_long(input, input.size());
        buf_.append(input);
        input = {};
        return NeedMore{};
    }

    // A complete line: buf_ + input[0, lf).
    const std::size_t total = buf_.size() + lf;
    const bool ends_cr = lf > 0 ? input[lf - 1] == '\r' : (!buf_.empty() && buf_.back() == '\r');
    const std::size_t content = total - (ends_cr ? 1 : 0);
    if (content > line_max_) {
        // Same events as the chunked path, which would have crossed the limit
        // earlier: the LF is left for the next call, which ends the discarding.
        return too_long(input, lf);
    }
    buf_.append(input.substr(0, lf));
    input.remove_prefix(lf + 1);
    line_max_ = policy_.max_line;
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
