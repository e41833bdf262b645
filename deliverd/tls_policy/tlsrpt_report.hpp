// The aggregate report of SMTP TLS Reporting (RFC 8460 §4) as the sending side writes it:
// its JSON body, its file name (§5.1) and its Subject (§5.3). Pure: values in, text out.
//
// Invariants:
// - report_json() writes exactly §4.4's field names; a failure detail's optional fields
//   (receiving-mx-helo, additional-information, failure-reason-code) appear only when set;
//   "mx-host" only for policy-type "sts"; times as RFC 3339 UTC ("2016-04-01T00:00:00Z").
// - report_filename() and report_subject() take the domains as given (A-labels: the
//   caller's job) and the report-id as the Subject's "<id-left@id-right>".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mr::deliverd::tls_policy {

// §4.3's result types the sender can observe, and §4.4's policy types.
struct TlsFailure {
    std::string result_type;  // e.g. "starttls-not-supported", "certificate-host-mismatch"
    std::string sending_mta_ip;
    std::string receiving_mx_hostname;
    std::string receiving_mx_helo;  // optional
    std::string receiving_ip;
    std::int64_t failed_session_count = 0;
    std::string additional_information;  // optional URI
    std::string failure_reason_code;     // optional
};

struct TlsPolicyResult {
    std::string policy_type;                 // "tlsa", "sts" or "no-policy-found"
    std::vector<std::string> policy_string;  // the TLSA records or the policy's lines
    std::string policy_domain;
    std::vector<std::string> mx_host;  // sts only: the policy's mx patterns
    std::int64_t successful_sessions = 0;
    std::int64_t failed_sessions = 0;
    std::vector<TlsFailure> failures;
};

struct TlsReport {
    std::string organization_name;
    std::int64_t start = 0;  // Unix seconds, the range the report covers
    std::int64_t end = 0;
    std::string contact_info;  // addr-spec; its domain is the submitter (§5.3)
    std::string report_id;     // "id-left@id-right"
    std::vector<TlsPolicyResult> policies;
};

std::string report_json(const TlsReport& report);
// sender "!" policy-domain "!" begin "!" end "!" unique-id ".json.gz"
std::string report_filename(const TlsReport& report, const std::string& sender, const std::string& policy_domain,
                            const std::string& unique_id);
// "Report Domain: <policy domain> Submitter: <sender> Report-ID: <id>"
std::string report_subject(const TlsReport& report, const std::string& sender, const std::string& policy_domain);

}  // namespace mr::deliverd::tls_policy
