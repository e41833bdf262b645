// The IMAP form of message_data.hpp (section 4): the CRLF form, cut to a range.
//
// Byte by byte: a CR is sent as CRLF; an LF is sent as CRLF unless a CR came just before
// it (that CR already sent the pair). So every decision looks back one byte, never ahead,
// and a chunk or range split anywhere needs only the byte before it.
#include <cstring>

#include "common/text/message_data.hpp"

namespace mr::text {
namespace {

// The first CR or LF in [p, end), or end.
const char* next_line_byte(const char* p, const char* end) {
    while (p < end && *p != '\r' && *p != '\n') ++p;
    return p;
}

}  // namespace

bool closes_open_line(char last_byte) { return last_byte != '\n' && last_byte != '\r'; }

void append_imap_form(std::string& out, std::string_view message, std::size_t begin, std::size_t end) {
    if (end > message.size()) end = message.size();
    if (begin >= end) return;
    char prev = begin > 0 ? message[begin - 1] : '\0';
    const char* const stop = message.data() + end;
    const char* run = message.data() + begin;  // start of bytes not yet copied
    while (run < stop) {
        const char* hit = next_line_byte(run, stop);
        out.append(run, static_cast<std::size_t>(hit - run));
        if (hit == stop) break;
        if (hit > run) prev = hit[-1];
        if (*hit == '\r' || prev != '\r') out += "\r\n";
        prev = *hit;
        run = hit + 1;
    }
    // The message's open last line is closed (a bare CR there was closed above).
    if (end == message.size() && closes_open_line(message[end - 1])) out += "\r\n";
}

void ImapFormStreamer::emit(std::string& out, const char* data, std::size_t n) {
    if (skip_ >= n) {
        skip_ -= n;
        return;
    }
    data += skip_;
    n -= static_cast<std::size_t>(skip_);
    skip_ = 0;
    const std::size_t take = n < left_ ? n : static_cast<std::size_t>(left_);
    out.append(data, take);
    left_ -= take;
}

bool ImapFormStreamer::feed(std::string_view chunk, std::string& out) {
    static constexpr char kCrLf[2] = {'\r', '\n'};
    const char* const stop = chunk.data() + chunk.size();
    const char* run = chunk.data();
    while (run < stop && left_ > 0) {
        const char* hit = next_line_byte(run, stop);
        emit(out, run, static_cast<std::size_t>(hit - run));
        if (hit == stop) break;
        const char before = hit > chunk.data() ? hit[-1] : prev_;
        if (*hit == '\r' || before != '\r') emit(out, kCrLf, 2);
        run = hit + 1;
    }
    if (!chunk.empty()) prev_ = chunk.back();
    seen_ = seen_ || !chunk.empty();
    return done();
}

bool ImapFormStreamer::finish(std::string& out) {
    static constexpr char kCrLf[2] = {'\r', '\n'};
    if (seen_ && closes_open_line(prev_)) emit(out, kCrLf, 2);
    seen_ = false;
    return done();
}

}  // namespace mr::text
