// libFuzzer target for reading the TTL of a DNS reply (common/dns/reply_ttl.hpp): replies
// come from the network, so any bytes must give a TTL or 0, never a crash or a read past
// the reply. Built and replayed over its seed corpus by tests/fuzz/CMakeLists.txt.
#include <cstddef>
#include <cstdint>

#include "common/dns/reply_ttl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const int len = static_cast<int>(size > 65535 ? 65535 : size);
    (void)mr::dns::reply_ttl(data, len, false);
    (void)mr::dns::reply_ttl(data, len, true);
    return 0;
}
