// SMTP TLS Reporting (RFC 8460) as the sending side reads it: the `_smtp._tls` TXT record
// of a Policy Domain that asks for reports, and the mail addresses its reports go to.
// Pure: text in, values out.
//
// Invariants:
// - parse_tlsrpt_record() accepts exactly §3's grammar: "v=TLSRPTv1" first, then
//   ";"-separated fields (WSP around ";" allowed, one trailing ";"), a "rua" field with
//   at least one URI (WSP around its commas allowed), extension fields with the grammar's
//   names and values (unknown ones ignored); anything else is "no TLSRPT" for the caller.
// - tlsrpt_policy() is §3's choice among several TXT records: those not beginning
//   "v=TLSRPTv1;" are discarded, and unless exactly one is left there is no policy.
// - mailto_addresses() gives the addr-spec of each "mailto:" URI (RFC 6068 §2: percent-
//   decoded, without "?hfields"); https URIs, undecodable ones and lists are left out.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mr::deliverd::tls_policy {

struct TlsRptRecord {
    std::vector<std::string> rua;  // the URIs as published, in order
};

std::optional<TlsRptRecord> parse_tlsrpt_record(std::string_view record);
std::optional<TlsRptRecord> tlsrpt_policy(const std::vector<std::string>& records);
std::vector<std::string> mailto_addresses(const TlsRptRecord& record);

}  // namespace mr::deliverd::tls_policy
