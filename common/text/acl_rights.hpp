// AclRights: a set of IMAP ACL rights (RFC 4314 §2.1) as a bit set, and the rights-string
// forms that SETACL, GETACL, MYRIGHTS, LISTRIGHTS and `mailroom mailbox share` use.
//
// Invariants:
// - Only the eleven standard rights "lrswipkxtea" are ever stored or shown; the
//   obsolete "c" and "d" of RFC 2086 are accepted on input and mapped as RFC 4314
//   §2.1.1 says ("c" = k and x, "d" = e, t and x), so a set never holds them.
// - to_string() lists rights in the canonical order "lrswipkxtea", so equal sets print
//   equally (directory.db stores this form).
// - Parsing refuses any other character (Syntax error naming it): an unknown right is
//   never silently dropped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::text {

class AclRights {
public:
    // The rights in canonical order; bit i of the set is kAll[i].
    static constexpr std::string_view kAll = "lrswipkxtea";

    AclRights() = default;
    static AclRights all() { return AclRights((1u << kAll.size()) - 1); }
    // "lrs", "" (no rights), with "c"/"d" mapped; Syntax error on anything else.
    static Result<AclRights> parse(std::string_view rights);

    bool has(char right) const;
    bool empty() const { return bits_ == 0; }
    std::string to_string() const;

    AclRights operator|(AclRights o) const { return AclRights(bits_ | o.bits_); }
    AclRights operator&(AclRights o) const { return AclRights(bits_ & o.bits_); }
    AclRights without(AclRights o) const { return AclRights(bits_ & ~o.bits_); }
    bool operator==(const AclRights&) const = default;

private:
    explicit AclRights(std::uint32_t bits) : bits_(bits) {}
    std::uint32_t bits_ = 0;
};

// A SETACL rights argument (RFC 4314 §3.1): "+rights" adds to the current set, "-rights"
// removes from it, plain "rights" replaces it.
struct AclChange {
    enum Mode { Replace, Add, Remove } mode = Replace;
    AclRights rights;
    AclRights applied_to(AclRights current) const;
};
Result<AclChange> parse_acl_change(std::string_view text);

}  // namespace mr::text
