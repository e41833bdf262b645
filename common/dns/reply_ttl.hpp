// How long a DNS reply may be kept (dns_cache.hpp), read from the reply's own bytes: c-ares
// 1.18 gives TTLs for A and AAAA answers only, and none for negative answers.
//
// Invariants:
//  - Positive: the smallest TTL of the records in the answer section (CNAMEs included).
//  - Negative (NXDOMAIN, NODATA): RFC 2308 §5, the smaller of the TTL of the SOA record in
//    the authority section and its MINIMUM field.
//  - 0 (do not keep) when the reply has no such record or cannot be parsed.
#pragma once

#include <cstdint>

namespace mr::dns {

std::uint32_t reply_ttl(const unsigned char* buf, int len, bool negative);

}  // namespace mr::dns
