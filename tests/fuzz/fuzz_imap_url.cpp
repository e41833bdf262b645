// libFuzzer target for the IMAP URL parser (imapd/proto/imap_url.hpp), which reads the
// URL parts of CATENATE (RFC 4469) straight from the client.
// Built and replayed over corpus/imap_url by tests/fuzz/CMakeLists.txt.
//
// Checked properties:
//  - nothing crashes or leaks, whatever the bytes (ASan/UBSan in the sanitizer build);
//  - a parsed URL names a message: a non-empty mailbox without NUL, a non-zero UID, and
//    a PARTIAL of at least one octet.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "imapd/proto/imap_url.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    auto url = mr::imapd::parse_imap_url(in);
    if (!url) return 0;
    check(!url->mailbox.empty());
    check(url->mailbox.find('\0') == std::string::npos);
    check(url->uid != 0);
    if (url->partial) check(url->partial->length != 0);
    return 0;
}
