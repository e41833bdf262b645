// The MTA-STS policy we publish (RFC 8461 §3.2, rfc8461.txt:366) and the id of its TXT
// record (§3.1), in one place for webd (which serves the policy) and `mailroom dns` (which
// prints the record): the id is derived from the policy text, so it changes exactly when
// the policy does, and senders refetch.
#pragma once

#include <string>

#include "webd/proto/site.hpp"

namespace mr::webd::proto {

// RFC 8461 §3.2: max_age up to 31557600; a week, as its examples use.
inline constexpr long kMtaStsMaxAge = 604800;

// "version: STSv1\r\nmode: testing\r\nmx: mx.example.org\r\nmax_age: 604800\r\n".
std::string mta_sts_policy(MtaStsMode mode, const std::string& mx_host);

// 32 hex digits of the policy's SHA-256 (§3.1: 1 to 32 letters and digits).
std::string mta_sts_id(const std::string& policy);

}  // namespace mr::webd::proto
