// Whether a local address may send mail under our host name: its reverse DNS (PTR) names
// the host and the host's forward DNS names the address again (forward-confirmed).
//
// Why: Gmail refuses mail over IPv6 from an address without such a PTR, so deliverd sends
// over IPv6 only from an address that has one, and over IPv4 otherwise (issue 15), and
// `mailroom check` reports it for every address this machine would send from.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/dns/dns_client.hpp"

namespace mr::dns {

// "" when the address's PTR names `hostname` and `hostname`'s A/AAAA includes the address;
// else why not ("no PTR", "PTR names other.example", "mx.example.org has no AAAA ...").
std::string reverse_dns_problem(DnsClient& dns, const std::string& ip, const std::string& hostname);

// The IPv6 source address the kernel would use towards the Internet (a UDP socket
// connected to a global address: nothing is sent), or nullopt without an IPv6 route.
std::optional<std::string> outbound_ipv6_source();

// This machine's global unicast addresses (no loopback, link-local or ULA), IPv4 and IPv6.
std::vector<std::string> global_addresses();

// True for an IPv6 address outside loopback, link-local, unique-local and IPv4-mapped.
bool is_global_ipv6(const std::string& ip);

}  // namespace mr::dns
