// CrlfNormalizer: the CRLF form of message_data.hpp (section 2), with TOP's line limit.
#include "common/text/message_data.hpp"

namespace mr::text {

void CrlfNormalizer::emit(std::string& out, std::string_view bytes) {
    out.append(bytes);
    octets_ += bytes.size();
    line_length_ += bytes.size();
}

void CrlfNormalizer::end_line(std::string& out) {
    out.append("\r\n");
    octets_ += 2;
    const bool empty = line_length_ == 0;
    line_length_ = 0;
    if (in_header_) {
        if (!empty) return;
        in_header_ = false;  // the blank line is part of what TOP sends
        if (limited_ && *body_lines_left_ == 0) done_ = true;
        return;
    }
    if (limited_ && --*body_lines_left_ == 0) done_ = true;
}

bool CrlfNormalizer::feed(std::string_view chunk, std::string& out) {
    while (!done_ && !chunk.empty()) {
        if (pending_cr_) {
            pending_cr_ = false;
            if (chunk.front() == '\n') chunk.remove_prefix(1);  // CRLF; else bare CR
            end_line(out);
            continue;
        }
        const auto stop = chunk.find_first_of("\r\n");
        emit(out, chunk.substr(0, stop));
        if (stop == std::string_view::npos) break;
        if (chunk[stop] == '\r') {
            pending_cr_ = true;
        } else {
            end_line(out);  // bare LF
        }
        chunk.remove_prefix(stop + 1);
    }
    return done_;
}

void CrlfNormalizer::finish(std::string& out) {
    if (done_) return;
    if (pending_cr_ || line_length_ > 0) {
        pending_cr_ = false;
        end_line(out);
    }
    done_ = true;
}

}  // namespace mr::text
