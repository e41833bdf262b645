// An IP network written in CIDR notation ("192.0.2.0/24", "2001:db8::/32", or one address
// alone, a /32 or /128), and whether an address lies in it: the trust lists of the config
// (e.g. [listen] proxy_trusted).
//
// Invariants:
// - Addresses are numeric; names are never resolved.
// - The host bits of a network must be zero ("192.0.2.1/24" is refused): a typo there would
//   otherwise trust a different network than the operator meant.
// - An IPv4 address never matches an IPv6 network and the other way round; peers are given
//   as net::format_address shows them, an IPv4-mapped IPv6 peer as its IPv4 address.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::text {

struct IpNetwork {
    bool v6 = false;
    std::array<unsigned char, 16> bytes{};  // the network address (first 4 bytes for IPv4)
    unsigned prefix = 0;                    // bits, up to 32 or 128
};

Result<IpNetwork> parse_ip_network(std::string_view text);

// False for anything that is not a numeric address.
bool network_contains(const IpNetwork& net, std::string_view ip);

}  // namespace mr::text
