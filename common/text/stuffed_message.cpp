// append_dot_stuffed: the whole-message fast path of DotStuffer (message_data.hpp, section 3).
// It must append, byte for byte, what DotStuffer feed + finish append for the same input
// (tests compare them on random inputs): from the first line that is not a clean CRLF
// line, the rest goes through DotStuffer, which starts at a line start exactly as this
// loop leaves it.
#include <cstring>

#include "common/text/message_data.hpp"

namespace mr::text {

void append_dot_stuffed(std::string_view message, std::string& out) {
    const char* const data = message.data();
    const std::size_t size = message.size();
    // Room for the terminator and a few dots; a dot-heavy message grows the string once more.
    out.reserve(out.size() + size + 32);
    std::size_t run = 0;  // start of the bytes not yet appended
    std::size_t pos = 0;  // a line start
    while (pos < size) {
        const auto* lf = static_cast<const char*>(std::memchr(data + pos, '\n', size - pos));
        if (lf == nullptr) break;  // an open last line: DotStuffer closes it
        const auto end = static_cast<std::size_t>(lf - data);
        // A clean line is "text CR LF" with no other CR in it: the first CR is at end - 1.
        if (end == pos || std::memchr(data + pos, '\r', end - pos) != data + end - 1) break;
        if (data[pos] == '.') {
            out.append(data + run, pos - run);
            out.push_back('.');
            run = pos;
        }
        pos = end + 1;
    }
    out.append(data + run, pos - run);
    if (pos == size) {
        out.append(".\r\n");  // pos is a line start: the body ended with CRLF (or was empty)
        return;
    }
    // Not all CRLF: the general, stateful path takes over at this line start.
    DotStuffer stuffer;
    stuffer.feed(message.substr(pos), out);
    stuffer.finish(out);
}

}  // namespace mr::text
