// DNS blocklists (RFC 5782): is the client address listed in one of [antispam] dnsbl?
//
// Invariants:
//  - The query is the address's reversed octets (IPv4) or nibbles (IPv6) under the zone
//    (RFC 5782 §2.1, §2.4); an A answer in 127.0.0.0/8 lists the address, except
//    127.255.255.0/24, which Spamhaus and others use to say "you may not query" (an error
//    of ours, never a listing). The reason is the zone's TXT record for the same name.
//  - A DNS failure of a zone is no listing: a list we cannot ask never refuses mail.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/dns/dns_client.hpp"

namespace mr::mailauth {

struct DnsblListing {
    std::string zone;
    std::string reason;  // the TXT record, or a default naming the zone
};

// "2.0.0.127.zen.example" for 127.0.0.2; empty when `ip` is not an address.
std::string dnsbl_query_name(std::string_view ip, std::string_view zone);

std::optional<DnsblListing> check_dnsbl(dns::DnsClient& dns, std::string_view ip, const std::vector<std::string>& zones);

}  // namespace mr::mailauth
