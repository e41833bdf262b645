// Dot-stuffing in both directions; the rules are in message_data.hpp (section 3).
#include "common/text/message_data.hpp"

namespace mr::text {

DotUnstuffer::DotUnstuffer(std::uint64_t max_size) : max_size_(max_size) {}

void DotUnstuffer::reset() { *this = DotUnstuffer(max_size_); }

void DotUnstuffer::emit(std::string& out, std::string_view bytes) {
    if (size_ < max_size_) {
        const std::uint64_t room = max_size_ - size_;
        out.append(bytes.size() <= room ? bytes : bytes.substr(0, static_cast<std::size_t>(room)));
    }
    size_ += bytes.size();
}

void DotUnstuffer::end_line() {
    if (current_ > longest_) longest_ = current_;
    current_ = 0;
}

DotUnstuffer::Status DotUnstuffer::feed(std::string_view& input, std::string& out) {
    // Each case either consumes at least one byte or changes state without
    // consuming (to re-examine the same byte), and no state re-examines
    // forever: LineStart* -> InLine, InLineCr -> InLine, InLine consumes.
    while (state_ != State::Done && !input.empty()) {
        const char c = input.front();
        switch (state_) {
            case State::LineStart:
                if (c == '.') {
                    input.remove_prefix(1);
                    state_ = State::LineStartDot;
                } else {
                    state_ = State::InLine;
                }
                break;
            case State::LineStartDot:
                if (c == '\r') {
                    input.remove_prefix(1);
                    state_ = State::LineStartDotCr;
                } else {
                    // A stuffed line: the dot stays dropped, the rest is data.
                    // "\r\n.\n" lands here and its LF is then a bare LF.
                    state_ = State::InLine;
                }
                break;
            case State::LineStartDotCr:
                if (c == '\n') {
                    input.remove_prefix(1);
                    state_ = State::Done;
                } else {
                    // ".\r" + X: the CR was data, and bare.
                    emit(out, "\r");
                    ++current_;
                    bare_cr_ = true;
                    state_ = State::InLine;
                }
                break;
            case State::InLine: {
                const auto stop = input.find_first_of("\r\n");
                const auto run = input.substr(0, stop);
                emit(out, run);
                current_ += run.size();
                input.remove_prefix(run.size());
                if (input.empty()) break;
                const char term = input.front();
                input.remove_prefix(1);
                if (term == '\r') {
                    emit(out, "\r");
                    state_ = State::InLineCr;
                } else {
                    // Bare LF: kept as data and, deliberately, not a line start.
                    emit(out, "\n");
                    ++current_;
                    bare_lf_ = true;
                }
                break;
            }
            case State::InLineCr:
                if (c == '\n') {
                    input.remove_prefix(1);
                    emit(out, "\n");
                    end_line();
                    state_ = State::LineStart;
                } else {
                    // The CR already emitted was bare; re-examine c in the line
                    // (it may be another CR).
                    ++current_;
                    bare_cr_ = true;
                    state_ = State::InLine;
                }
                break;
            case State::Done:
                break;
        }
    }
    return state_ == State::Done ? Status::Done : Status::NeedMore;
}

void DotStuffer::feed(std::string_view chunk, std::string& out) {
    out.reserve(out.size() + chunk.size() + 2);
    while (!chunk.empty()) {
        if (pending_cr_) {
            pending_cr_ = false;
            line_start_ = true;
            if (chunk.front() == '\n') {
                out.push_back('\n');
                chunk.remove_prefix(1);
                continue;
            }
            out.push_back('\n');  // bare CR becomes CRLF (see header)
        }
        if (line_start_ && chunk.front() == '.') out.push_back('.');
        line_start_ = false;
        const auto stop = chunk.find_first_of("\r\n");
        out.append(chunk.substr(0, stop));
        if (stop == std::string_view::npos) return;
        if (chunk[stop] == '\r') {
            out.push_back('\r');
            pending_cr_ = true;
        } else {
            out.append("\r\n");  // bare LF becomes CRLF
            line_start_ = true;
        }
        chunk.remove_prefix(stop + 1);
    }
}

void DotStuffer::finish(std::string& out) {
    if (pending_cr_) {
        out.push_back('\n');
    } else if (!line_start_) {
        out.append("\r\n");
    }
    out.append(".\r\n");
    line_start_ = true;
    pending_cr_ = false;
}

}  // namespace mr::text
