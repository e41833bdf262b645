// One outbound TLS session attempt as SMTP TLS Reporting (RFC 8460) counts it: whose
// policy applied, and how it ended. remote delivery makes one per attempt; session_counts
// adds it to the day's counts. Pure data.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace mr::deliverd::tls_report {

struct TlsSession {
    std::string policy_domain;  // lower-case
    // RFC 8460 §4.4 policy-type: "sts", "tlsa" or "no-policy-found"
    std::string policy_type = "no-policy-found";
    std::vector<std::string> policy_string;  // the policy's lines, or the TLSA records
    std::vector<std::string> mx_host;        // sts only: the policy's mx patterns
    // Empty for a successful session, else a result type of RFC 8460 §4.3.
    std::string result_type;
    std::string sending_mta_ip;
    std::string receiving_mx_hostname;
    std::string receiving_ip;
    std::string failure_reason_code;  // e.g. OpenSSL's verify error text

    bool success() const { return result_type.empty(); }
};

// Where remote delivery hands each session (on the loop thread).
using TlsSessionSink = std::function<void(TlsSession)>;

}  // namespace mr::deliverd::tls_report
