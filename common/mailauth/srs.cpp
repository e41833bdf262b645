#include "common/mailauth/srs.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <initializer_list>
#include <optional>

#include "common/text/ascii.hpp"

namespace mr::mailauth {

namespace {

constexpr std::string_view kTimeChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::int64_t kTimeSlots = 1024;  // two base32 characters
constexpr std::size_t kHashLength = 4;
constexpr std::string_view kSeparators = "=+-";

bool is_separator(char c) { return kSeparators.find(c) != std::string_view::npos; }

// HHHH over the lower-cased parts, concatenated without separators (libsrs2's hash).
std::string hash_of(std::string_view secret, std::initializer_list<std::string_view> parts) {
    std::string data;
    for (auto p : parts) data += text::to_lower(p);
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int mac_len = 0;
    ::HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &mac_len);
    // 20 bytes give 28 base64 characters (and the terminating NUL).
    std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> b64{};
    ::EVP_EncodeBlock(b64.data(), mac.data(), static_cast<int>(mac_len));
    return std::string(reinterpret_cast<const char*>(b64.data()), kHashLength);
}

bool hash_matches(std::string_view given, const std::string& expected) {
    if (given.size() != expected.size()) return false;
    // Case-insensitive like libsrs2 (some MTAs lower-case local parts), in constant time.
    const std::string a = text::to_lower(given), b = text::to_lower(expected);
    return ::CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string timestamp(std::int64_t now) {
    const auto day = (now / 86400) % kTimeSlots;
    std::string s(2, 'A');
    s[0] = kTimeChars[static_cast<std::size_t>((day >> 5) & 31)];
    s[1] = kTimeChars[static_cast<std::size_t>(day & 31)];
    return s;
}

Result<void> check_timestamp(std::string_view stamp, std::int64_t now) {
    if (stamp.size() != 2) return Error::syntax("SRS timestamp is not two characters");
    std::int64_t then = 0;
    for (char c : stamp) {
        const auto at = kTimeChars.find(text::to_upper(c));
        if (at == std::string_view::npos) return Error::syntax("bad SRS timestamp character");
        then = (then << 5) | static_cast<std::int64_t>(at);
    }
    const std::int64_t today = (now / 86400) % kTimeSlots;
    const std::int64_t age = ((today - then) % kTimeSlots + kTimeSlots) % kTimeSlots;
    // A day ahead (age 1023) tolerates a forwarder whose clock runs a little fast.
    if (age <= kSrsMaxAgeDays || age == kTimeSlots - 1) return {};
    return Error::refused("SRS address has expired");
}

struct Split {
    std::string_view local, domain;
};

Result<Split> split(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) {
        return Error::syntax("not local@domain");
    }
    return Split{address.substr(0, at), address.substr(at + 1)};
}

bool has_tag(std::string_view local, char digit) {
    return local.size() > 4 && text::to_upper(local[0]) == 'S' && text::to_upper(local[1]) == 'R' &&
           text::to_upper(local[2]) == 'S' && local[3] == digit && is_separator(local[4]);
}

// Cuts `s` at its first '=': the part before, and `s` becomes the part after.
std::optional<std::string_view> take_field(std::string_view& s) {
    const auto eq = s.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    auto field = s.substr(0, eq);
    s.remove_prefix(eq + 1);
    return field;
}

Result<std::string> fitted(std::string local, std::string_view domain) {
    if (local.size() > kSrsMaxLocalPart) {
        return Error::refused("the SRS form of this sender needs a local part of " + std::to_string(local.size()) +
                              " octets (at most 64)");
    }
    return local + "@" + std::string(domain);
}

}  // namespace

bool is_srs_local_part(std::string_view local_part) { return has_tag(local_part, '0') || has_tag(local_part, '1'); }

Result<std::string> srs_forward(std::string_view sender, std::string_view forward_domain, std::string_view secret,
                                std::int64_t now) {
    auto parts = split(sender);
    if (!parts) return parts.error();
    const auto [local, domain] = *parts;
    if (local.front() == '"') return Error::syntax("a quoted local part has no SRS form");
    if (text::iequals(domain, forward_domain)) return std::string(sender);
    if (has_tag(local, '1')) {
        std::string_view rest = local.substr(5);
        auto old_hash = take_field(rest);
        auto first = take_field(rest);
        if (!old_hash || !first || first->empty() || rest.empty()) return Error::syntax("malformed SRS1 sender");
        return fitted("SRS1=" + hash_of(secret, {*first, rest}) + "=" + std::string(*first) + "=" + std::string(rest),
                      forward_domain);
    }
    if (has_tag(local, '0')) {
        const std::string_view opaque = local.substr(4);  // from its separator on
        return fitted("SRS1=" + hash_of(secret, {domain, opaque}) + "=" + std::string(domain) + "=" +
                          std::string(opaque),
                      forward_domain);
    }
    const std::string stamp = timestamp(now);
    return fitted("SRS0=" + hash_of(secret, {stamp, domain, local}) + "=" + stamp + "=" + std::string(domain) + "=" +
                      std::string(local),
                  forward_domain);
}

Result<std::string> srs_reverse(std::string_view address, std::string_view secret, std::int64_t now) {
    auto parts = split(address);
    if (!parts) return parts.error();
    const std::string_view local = parts->local;
    if (has_tag(local, '0')) {
        std::string_view rest = local.substr(5);
        auto hash = take_field(rest);
        auto stamp = take_field(rest);
        auto domain = take_field(rest);
        if (!hash || !stamp || !domain || domain->empty() || rest.empty()) return Error::syntax("malformed SRS0 address");
        if (auto t = check_timestamp(*stamp, now); !t) return t.error();
        if (!hash_matches(*hash, hash_of(secret, {*stamp, *domain, rest}))) {
            return Error::refused("SRS hash does not match");
        }
        return std::string(rest) + "@" + std::string(*domain);
    }
    if (has_tag(local, '1')) {
        std::string_view rest = local.substr(5);
        auto hash = take_field(rest);
        auto first = take_field(rest);
        if (!hash || !first || first->empty() || rest.empty()) return Error::syntax("malformed SRS1 address");
        if (!hash_matches(*hash, hash_of(secret, {*first, rest}))) return Error::refused("SRS hash does not match");
        return "SRS0" + std::string(rest) + "@" + std::string(*first);
    }
    return Error::syntax("not an SRS address");
}

}  // namespace mr::mailauth
