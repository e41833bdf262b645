#include "common/dns/dns_client.hpp"

#include <arpa/inet.h>

namespace mr::dns {

std::string reverse_name(std::string_view ip) {
    const std::string text(ip);
    unsigned char bytes[16];
    if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
        return std::to_string(bytes[3]) + "." + std::to_string(bytes[2]) + "." + std::to_string(bytes[1]) + "." +
               std::to_string(bytes[0]) + ".in-addr.arpa";
    }
    if (inet_pton(AF_INET6, text.c_str(), bytes) != 1) return {};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 15; i >= 0; --i) {
        out += kHex[bytes[i] & 0xf];
        out += '.';
        out += kHex[bytes[i] >> 4];
        out += '.';
    }
    return out + "ip6.arpa";
}

}  // namespace mr::dns
