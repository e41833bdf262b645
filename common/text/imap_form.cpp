// The IMAP form of message_data.hpp (section 4): only a bare LF becomes CRLF.
#include <cstring>

#include "common/text/message_data.hpp"

namespace mr::text {

void append_imap_form(std::string& out, std::string_view message, std::size_t begin, std::size_t end) {
    if (end > message.size()) end = message.size();
    if (begin >= end) return;
    const char prev = begin > 0 ? message[begin - 1] : '\0';
    std::size_t run = begin;  // start of bytes not yet copied
    for (;;) {
        const void* hit = std::memchr(message.data() + run, '\n', end - run);
        if (!hit) break;
        const auto lf = static_cast<std::size_t>(static_cast<const char*>(hit) - message.data());
        const char before = lf > begin ? message[lf - 1] : prev;
        out.append(message.data() + run, lf - run);
        if (before != '\r') out += '\r';
        out += '\n';
        run = lf + 1;
        if (run >= end) break;
    }
    if (run < end) out.append(message.data() + run, end - run);
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
    std::size_t run = 0;
    while (run < chunk.size() && left_ > 0) {
        const void* hit = std::memchr(chunk.data() + run, '\n', chunk.size() - run);
        if (!hit) {
            emit(out, chunk.data() + run, chunk.size() - run);
            break;
        }
        const auto lf = static_cast<std::size_t>(static_cast<const char*>(hit) - chunk.data());
        const char before = lf > 0 ? chunk[lf - 1] : prev_;
        emit(out, chunk.data() + run, lf - run);
        if (before == '\r')
            emit(out, kCrLf + 1, 1);
        else
            emit(out, kCrLf, 2);
        run = lf + 1;
    }
    if (!chunk.empty()) prev_ = chunk.back();
    return done();
}

}  // namespace mr::text
