// Dot-stuffing in both directions; the rules are in message_data.hpp (section 3).
#include "common/text/message_data.hpp"

namespace mr::text {

DotUnstuffer::DotUnstuffer(std::uint64_t max_size) : max_size_(max_size) {}

void DotUnstuffer::reset() { reset(max_size_); }

// Keeps the line buffer's memory: one DATA after another costs no allocation.
void DotUnstuffer::reset(std::uint64_t max_size) {
    lines_.reset();
    max_size_ = max_size;
    done_ = false;
    line_start_ = true;
    size_ = 0;
    checks_ = {};
}

void DotUnstuffer::emit(std::string& out, std::string_view bytes) {
    if (size_ < max_size_) {
        const std::uint64_t room = max_size_ - size_;
        out.append(bytes.size() <= room ? bytes : bytes.substr(0, static_cast<std::size_t>(room)));
    }
    size_ += bytes.size();
}

void DotUnstuffer::content(std::string& out, std::string_view bytes) {
    if (line_start_ && !bytes.empty() && bytes.front() == '.') bytes.remove_prefix(1);  // stuffed
    line_start_ = false;
    emit(out, bytes);
    checks_.content(bytes);
}

void DotUnstuffer::end_line(std::string& out, bool bare_lf) {
    emit(out, bare_lf ? "\n" : "\r\n");
    checks_.end_line(bare_lf);
    // A bare LF is kept as data and, deliberately, starts no line: the smuggling defence.
    line_start_ = !bare_lf;
}

DotUnstuffer::Status DotUnstuffer::feed(std::string_view& input, std::string& out) {
    while (!done_) {
        const LineEvent event = lines_.next(input);
        if (std::holds_alternative<NeedMore>(event)) break;
        if (const auto* line = std::get_if<Line>(&event)) {
            if (line_start_ && !line->bare_lf && line->text == ".") {
                done_ = true;  // CR LF "." CR LF, and only that
                break;
            }
            content(out, line->text);
            end_line(out, line->bare_lf);
        } else if (const auto* head = std::get_if<LineTooLong>(&event)) {
            content(out, head->head);
        } else if (const auto* part = std::get_if<LinePart>(&event)) {
            content(out, part->bytes);
        } else if (const auto* end = std::get_if<LongLineEnded>(&event)) {
            end_line(out, end->bare_lf);
        }  // RefusedLine, RawChunk: kDataLines refuses nothing and nothing asks for raw bytes
    }
    return done_ ? Status::Done : Status::NeedMore;
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
