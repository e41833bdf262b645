// Rfc822SizeCounter: the length of the CRLF form (message_data.hpp, section 2).
#include "common/text/message_data.hpp"

namespace mr::text {

void Rfc822SizeCounter::feed(std::string_view chunk) {
    if (chunk.empty()) return;
    octets_ += static_cast<std::uint64_t>(chunk.size());
    // One pass without data-dependent branches: +1 for every LF without a CR
    // before it and for every CR without an LF after it. The byte before the chunk is
    // the previous chunk's last one, so the count does not depend on the split.
    char prev = last_;
    std::uint64_t extra = 0;
    for (const char c : chunk) {
        extra += static_cast<std::uint64_t>(c == '\n' && prev != '\r');
        extra += static_cast<std::uint64_t>(prev == '\r' && c != '\n');
        prev = c;
    }
    octets_ += extra;
    last_ = chunk.back();
    empty_ = false;
}

std::uint64_t Rfc822SizeCounter::finish() const {
    if (empty_) return 0;
    if (last_ == '\r') return octets_ + 1;  // bare CR at the very end
    if (last_ != '\n') return octets_ + 2;  // unterminated last line
    return octets_;
}

std::uint64_t rfc822_size(std::string_view message) {
    Rfc822SizeCounter counter;
    counter.feed(message);
    return counter.finish();
}

}  // namespace mr::text
