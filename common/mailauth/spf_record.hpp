// The SPF record grammar (RFC 7208 §12, rfc7208.txt:2560): a record's text as terms, and
// the macro-string rules of §7 (rfc7208.txt:1557). Parsing only; no DNS.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"

namespace mr::mailauth {

enum class SpfQualifier : std::uint8_t { Pass, Fail, SoftFail, Neutral };
enum class SpfMechanism : std::uint8_t { All, Include, A, Mx, Ptr, Ip4, Ip6, Exists };

struct SpfDirective {
    SpfQualifier qualifier = SpfQualifier::Pass;
    SpfMechanism mechanism = SpfMechanism::All;
    std::string domain_spec;  // empty: the current domain (a, mx, ptr)
    std::string network;      // ip4 / ip6: the address text
    int cidr4 = 32;
    int cidr6 = 128;
    std::string text;  // the term as written, for logs
};

struct SpfRecord {
    std::vector<SpfDirective> directives;
    std::optional<std::string> redirect;
    std::optional<std::string> exp;
};

// True when `txt` is an SPF version 1 record: "v=spf1" alone or followed by a space.
bool is_spf_record(std::string_view txt);

// Syntax errors are Error::syntax with what was wrong: the caller's permerror.
Result<SpfRecord> parse_spf_record(std::string_view txt);

// Checks a macro-string's syntax (§7.1); `exp` allows the c, r and t macros.
bool valid_macro_string(std::string_view s, bool exp);
// A domain-spec: a valid macro-string that ends in "." toplabel [ "." ] or a macro.
bool valid_domain_spec(std::string_view s);

}  // namespace mr::mailauth
