#include "webd/proto/mta_sts_policy.hpp"

#include <sodium.h>

#include <array>

namespace mr::webd::proto {

std::string mta_sts_policy(MtaStsMode mode, const std::string& mx_host) {
    const char* m = mode == MtaStsMode::Enforce ? "enforce" : mode == MtaStsMode::None ? "none" : "testing";
    // RFC 8461 §3.2 (rfc8461.txt:374): CRLF-separated key/value pairs; "mx" names the hosts
    // of our MX records, which `mailroom dns` prints as the hostname.
    return std::string("version: STSv1\r\nmode: ") + m + "\r\nmx: " + mx_host +
           "\r\nmax_age: " + std::to_string(kMtaStsMaxAge) + "\r\n";
}

std::string mta_sts_id(const std::string& policy) {
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(policy.data()), policy.size());
    std::array<char, 33> hex{};
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), 16);
    return std::string(hex.data(), 32);
}

}  // namespace mr::webd::proto
