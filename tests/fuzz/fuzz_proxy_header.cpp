// libFuzzer target for common/text/proxy_header (the PROXY protocol header smtp_proxy
// reads from load balancers). Built and replayed over its seed corpus by
// tests/fuzz/CMakeLists.txt; -DMR_FUZZ=ON (clang) makes it a libFuzzer binary.
//
// Besides "does not crash", it checks what proxy_header.hpp promises: a parsed header
// never claims more bytes than it was given nor more than its version's bound; every
// prefix of a parsed header is NeedMore (so a split read never decides early or
// differently), and a malformed input stays malformed however much more arrives.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "common/text/proxy_header.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mr::text;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const ProxyParse r = parse_proxy_header(in);
    if (const auto* p = std::get_if<ProxyParsed>(&r)) {
        check(p->length > 0 && p->length <= in.size());
        check(p->length <= (p->header.version == 1 ? kMaxProxyV1Bytes : kMaxProxyV2Bytes));
        check(!p->header.has_address || !p->header.source_ip.empty());
        for (std::size_t n = 0; n < p->length; ++n) {
            check(std::holds_alternative<ProxyNeedMore>(parse_proxy_header(in.substr(0, n))));
        }
        const auto again = parse_proxy_header(in.substr(0, p->length));
        check(std::holds_alternative<ProxyParsed>(again) && std::get<ProxyParsed>(again).length == p->length);
    } else if (std::holds_alternative<ProxyMalformed>(r)) {
        check(std::holds_alternative<ProxyMalformed>(parse_proxy_header(std::string(in) + "\r\n")));
    }
    return 0;
}
