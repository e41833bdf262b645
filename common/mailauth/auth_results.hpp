// The Authentication-Results header field (RFC 8601) smtpd puts on every message it accepts
// on the port-25 role, and the removal of forged copies.
//
// Invariants:
//  - One field, our host name as authserv-id (§2.5, rfc8601.txt:825), with spf, one dkim
//    per signature (header.d, header.s, header.b) or dkim=none, dmarc (§2.7,
//    rfc8601.txt:925), and arc (RFC 8617 §7.2: the newest instance in a comment and
//    header.oldest-pass with a pass, the reason with a fail); values that are not tokens
//    are quoted.
//  - A field that carries our authserv-id and was not written by us is a forgery meant to
//    look like our verdict: remove_our_results() drops every such field from the header
//    block (§5, which asks exactly that of a border MTA) and leaves everything else as it was.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mailauth/arc_verify.hpp"
#include "common/mailauth/dmarc.hpp"
#include "common/mailauth/spf.hpp"

namespace mr::mailauth {

struct DkimSummary {
    std::string result;    // pass, fail, neutral, policy, temperror, permerror
    std::string domain;    // header.d
    std::string selector;  // header.s
    std::string b;         // header.b: the first characters of b=
    std::string reason;    // a comment, may be empty
};

struct AuthResults {
    std::string authserv_id;
    SpfOutcome spf;
    std::string spf_identity;  // smtp.mailfrom address, or the HELO name for the null sender
    bool spf_from_helo = false;
    std::vector<DkimSummary> dkim;
    DmarcOutcome dmarc;
    ArcResult arc;  // none unless verify_arc() ran
};

// "Authentication-Results: ...\r\n", folded.
std::string authentication_results_field(const AuthResults& r);

// The authserv-id of an Authentication-Results value (its first token, before any
// version), lower case.
std::string authserv_id_of(std::string_view raw_value);

// The result `method` got in an Authentication-Results value ("arc" -> "pass"), lower case,
// from its first resinfo for that method; nullopt when there is none. Comments and quoted
// strings do not cut statements (RFC 8601 §2.2).
std::optional<std::string> method_result(std::string_view raw_value, std::string_view method);

// The message without the Authentication-Results fields naming `authserv_id`; the number
// removed in `removed`.
std::string remove_our_results(std::string_view message, std::string_view authserv_id, int& removed);

}  // namespace mr::mailauth
