// See ip_network.hpp.
#include "common/text/ip_network.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace mr::text {
namespace {

bool parse_address(std::string_view text, bool& v6, std::array<unsigned char, 16>& bytes) {
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return false;
    const std::string z(text);
    v6 = z.find(':') != std::string::npos;
    return inet_pton(v6 ? AF_INET6 : AF_INET, z.c_str(), bytes.data()) == 1;
}

// The first `prefix` bits of a and b are equal.
bool same_prefix(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& b, unsigned prefix) {
    const unsigned whole = prefix / 8;
    for (unsigned i = 0; i < whole; ++i) {
        if (a[i] != b[i]) return false;
    }
    const unsigned rest = prefix % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

Result<IpNetwork> parse_ip_network(std::string_view text) {
    const std::size_t slash = text.find('/');
    IpNetwork net;
    if (!parse_address(text.substr(0, slash), net.v6, net.bytes)) {
        return Error::syntax("'" + std::string(text) + "': expected an IP address or network (192.0.2.0/24)");
    }
    const unsigned max_bits = net.v6 ? 128 : 32;
    net.prefix = max_bits;
    if (slash != std::string_view::npos) {
        const std::string_view bits = text.substr(slash + 1);
        unsigned value = 0;
        auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
        if (bits.empty() || ec != std::errc() || ptr != bits.data() + bits.size() || value > max_bits) {
            return Error::syntax("'" + std::string(text) + "': prefix length must be 0-" + std::to_string(max_bits));
        }
        net.prefix = value;
    }
    std::array<unsigned char, 16> zero{};
    std::array<unsigned char, 16> host_bits = net.bytes;
    for (unsigned i = 0; i < 16; ++i) {
        const unsigned bit = i * 8;
        if (bit + 8 <= net.prefix) {
            host_bits[i] = 0;
        } else if (bit < net.prefix) {
            host_bits[i] = static_cast<unsigned char>(host_bits[i] & (0xff >> (net.prefix - bit)));
        }
    }
    if (host_bits != zero) {
        return Error::syntax("'" + std::string(text) + "': bits set after the prefix length");
    }
    return net;
}

bool network_contains(const IpNetwork& net, std::string_view ip) {
    bool v6 = false;
    std::array<unsigned char, 16> bytes{};
    if (!parse_address(ip, v6, bytes) || v6 != net.v6) return false;
    return same_prefix(net.bytes, bytes, net.prefix);
}

}  // namespace mr::text
