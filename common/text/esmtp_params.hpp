// ESMTP parameters after a MAIL FROM / RCPT TO path (RFC 5321 §4.1.2,
// rfc5321.txt:2273-2285):
//   esmtp-param   = esmtp-keyword ["=" esmtp-value]
//   esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
//   esmtp-value   = 1*(%d33-60 / %d62-126)   ; + UTF8-non-ascii with SMTPUTF8
//                                            ; (RFC 6531 §3.3, rfc6531.txt:422)
// Invariants of the returned list:
//  - Keywords are uppercased (ESMTP keywords are case-insensitive); values
//    are kept byte for byte (xtext and SIZE digits are the extension's job).
//  - "KEY=" (empty value) is a syntax error: the grammar needs 1 octet.
//  - A keyword appears at most once. RFC 5321 is silent on repeats, but
//    "SIZE=1 SIZE=99999999" would let two layers read two different values.
//  - Parameters are separated by SP; runs of spaces and leading/trailing
//    spaces are tolerated (some clients send "MAIL FROM:<a@b> "), while any
//    other control character is rejected.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"

namespace mr::text {

struct EsmtpParam {
    std::string keyword;               // uppercase
    std::optional<std::string> value;  // nullopt for a bare keyword ("SMTPUTF8")
    bool operator==(const EsmtpParam&) const = default;
};

Result<std::vector<EsmtpParam>> parse_mail_params(std::string_view text, bool smtputf8 = false);

// The parameter with this keyword (case-insensitive), or nullptr.
const EsmtpParam* find_param(const std::vector<EsmtpParam>& params, std::string_view keyword);

}  // namespace mr::text
