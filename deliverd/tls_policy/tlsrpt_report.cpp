// See tlsrpt_report.hpp. Citations are to RFC 8460 unless named.
#include "deliverd/tls_policy/tlsrpt_report.hpp"

#include <ctime>

#include <nlohmann/json.hpp>

namespace mr::deliverd::tls_policy {
namespace {

// §4.4 "date-time": RFC 3339 §5.6 Internet Date/Time Format, in UTC.
std::string rfc3339(std::int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

nlohmann::json failure_json(const TlsFailure& f) {
    nlohmann::json j = {{"result-type", f.result_type},
                        {"sending-mta-ip", f.sending_mta_ip},
                        {"receiving-mx-hostname", f.receiving_mx_hostname},
                        {"receiving-ip", f.receiving_ip},
                        {"failed-session-count", f.failed_session_count}};
    if (!f.receiving_mx_helo.empty()) j["receiving-mx-helo"] = f.receiving_mx_helo;
    if (!f.additional_information.empty()) j["additional-information"] = f.additional_information;
    if (!f.failure_reason_code.empty()) j["failure-reason-code"] = f.failure_reason_code;
    return j;
}

}  // namespace

std::string report_json(const TlsReport& report) {
    nlohmann::json policies = nlohmann::json::array();
    for (const auto& p : report.policies) {
        nlohmann::json policy = {{"policy-type", p.policy_type},
                                 {"policy-string", p.policy_string},
                                 {"policy-domain", p.policy_domain}};
        if (p.policy_type == "sts") policy["mx-host"] = p.mx_host;
        nlohmann::json failures = nlohmann::json::array();
        for (const auto& f : p.failures) failures.push_back(failure_json(f));
        policies.push_back({{"policy", policy},
                            {"summary",
                             {{"total-successful-session-count", p.successful_sessions},
                              {"total-failure-session-count", p.failed_sessions}}},
                            {"failure-details", failures}});
    }
    nlohmann::json j = {{"organization-name", report.organization_name},
                        {"date-range", {{"start-datetime", rfc3339(report.start)}, {"end-datetime", rfc3339(report.end)}}},
                        {"contact-info", report.contact_info},
                        {"report-id", report.report_id},
                        {"policies", policies}};
    return j.dump();
}

// §5.1 (rfc8460.txt:852): the RECOMMENDED file name of a report.
std::string report_filename(const TlsReport& report, const std::string& sender, const std::string& policy_domain,
                            const std::string& unique_id) {
    return sender + "!" + policy_domain + "!" + std::to_string(report.start) + "!" + std::to_string(report.end) +
           (unique_id.empty() ? "" : "!" + unique_id) + ".json.gz";
}

// §5.3's tlsrpt-subject.
std::string report_subject(const TlsReport& report, const std::string& sender, const std::string& policy_domain) {
    return "Report Domain: " + policy_domain + " Submitter: " + sender + " Report-ID: <" + report.report_id + ">";
}

}  // namespace mr::deliverd::tls_policy
