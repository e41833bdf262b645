// AclRights: see acl_rights.hpp.
#include "common/text/acl_rights.hpp"

namespace mr::text {

Result<AclRights> AclRights::parse(std::string_view rights) {
    std::uint32_t bits = 0;
    for (char c : rights) {
        if (c == 'c') {  // RFC 4314 §2.1.1: the obsolete "create" right
            bits |= AclRights::parse("kx")->bits_;
            continue;
        }
        if (c == 'd') {  // and the obsolete "delete" right
            bits |= AclRights::parse("xte")->bits_;
            continue;
        }
        const auto at = kAll.find(c);
        if (at == std::string_view::npos) {
            const bool printable = c > 0x20 && c < 0x7f;
            return Error::syntax(printable ? std::string("unknown right '") + c + "' (rights are lrswipkxtea)"
                                           : std::string("unknown right (rights are lrswipkxtea)"));
        }
        bits |= 1u << at;
    }
    return AclRights(bits);
}

bool AclRights::has(char right) const {
    const auto at = kAll.find(right);
    return at != std::string_view::npos && (bits_ & (1u << at)) != 0;
}

std::string AclRights::to_string() const {
    std::string out;
    for (std::size_t i = 0; i < kAll.size(); ++i) {
        if (bits_ & (1u << i)) out += kAll[i];
    }
    return out;
}

AclRights AclChange::applied_to(AclRights current) const {
    switch (mode) {
        case Add: return current | rights;
        case Remove: return current.without(rights);
        case Replace: break;
    }
    return rights;
}

Result<AclChange> parse_acl_change(std::string_view text) {
    AclChange change;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        change.mode = text.front() == '+' ? AclChange::Add : AclChange::Remove;
        text.remove_prefix(1);
    }
    auto rights = AclRights::parse(text);
    if (!rights) return rights.error();
    change.rights = rights.value();
    return change;
}

}  // namespace mr::text
