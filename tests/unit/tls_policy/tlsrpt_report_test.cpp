// The RFC 8460 aggregate report (deliverd/tls_policy/tlsrpt_report): the JSON of §4.4 read
// back with a JSON parser and checked field by field against the RFC's example (§4.5), the
// file name of §5.1 and the Subject of §5.3.
#include "deliverd/tls_policy/tlsrpt_report.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

using namespace mr::deliverd::tls_policy;

namespace {

// The RFC's §4.5 example, as values.
TlsReport example() {
    TlsReport r;
    r.organization_name = "Company-X";
    r.start = 1459468800;  // 2016-04-01T00:00:00Z
    r.end = 1459555199;    // 2016-04-01T23:59:59Z
    r.contact_info = "sts-reporting@company-x.example";
    r.report_id = "5065427c-23d3-47ca-b6e0-946ea0e8c4be";
    TlsPolicyResult p;
    p.policy_type = "sts";
    p.policy_string = {"version: STSv1", "mode: testing", "mx: *.mail.company-y.example", "max_age: 86400"};
    p.policy_domain = "company-y.example";
    p.mx_host = {"*.mail.company-y.example"};
    p.successful_sessions = 5326;
    p.failed_sessions = 303;
    TlsFailure f;
    f.result_type = "certificate-expired";
    f.sending_mta_ip = "2001:db8:abcd:0012::1";
    f.receiving_mx_hostname = "mx1.mail.company-y.example";
    f.receiving_ip = "203.0.113.56";
    f.failed_session_count = 100;
    p.failures.push_back(f);
    f.result_type = "starttls-not-supported";
    f.receiving_mx_helo = "mx2.mail.company-y.example";
    f.failure_reason_code = "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED";
    f.additional_information = "https://reports.company-x.example/report_info?id=5065427c-23d3#StarttlsNotSupported";
    f.failed_session_count = 200;
    p.failures.push_back(f);
    r.policies.push_back(p);
    return r;
}

}  // namespace

TEST_CASE("TLSRPT report: the §4.4 fields, as in the §4.5 example") {
    auto j = nlohmann::json::parse(report_json(example()));
    CHECK(j["organization-name"] == "Company-X");
    CHECK(j["date-range"]["start-datetime"] == "2016-04-01T00:00:00Z");
    CHECK(j["date-range"]["end-datetime"] == "2016-04-01T23:59:59Z");
    CHECK(j["contact-info"] == "sts-reporting@company-x.example");
    CHECK(j["report-id"] == "5065427c-23d3-47ca-b6e0-946ea0e8c4be");
    REQUIRE(j["policies"].size() == 1);
    const auto& p = j["policies"][0];
    CHECK(p["policy"]["policy-type"] == "sts");
    CHECK(p["policy"]["policy-string"].size() == 4);
    CHECK(p["policy"]["policy-domain"] == "company-y.example");
    CHECK(p["policy"]["mx-host"][0] == "*.mail.company-y.example");
    CHECK(p["summary"]["total-successful-session-count"] == 5326);
    CHECK(p["summary"]["total-failure-session-count"] == 303);
    REQUIRE(p["failure-details"].size() == 2);
    const auto& first = p["failure-details"][0];
    CHECK(first["result-type"] == "certificate-expired");
    CHECK(first["sending-mta-ip"] == "2001:db8:abcd:0012::1");
    CHECK(first["receiving-mx-hostname"] == "mx1.mail.company-y.example");
    CHECK(first["receiving-ip"] == "203.0.113.56");
    CHECK(first["failed-session-count"] == 100);
    CHECK_FALSE(first.contains("receiving-mx-helo"));
    CHECK_FALSE(first.contains("failure-reason-code"));
    const auto& second = p["failure-details"][1];
    CHECK(second["receiving-mx-helo"] == "mx2.mail.company-y.example");
    CHECK(second["failure-reason-code"] == "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED");
    CHECK(second["additional-information"].get<std::string>().starts_with("https://reports.company-x.example/"));
}

TEST_CASE("TLSRPT report: no mx-host outside sts policies; an empty failure list stays a list") {
    TlsReport r = example();
    r.policies[0].policy_type = "no-policy-found";
    r.policies[0].failures.clear();
    auto j = nlohmann::json::parse(report_json(r));
    CHECK_FALSE(j["policies"][0]["policy"].contains("mx-host"));
    CHECK(j["policies"][0]["failure-details"].is_array());
    CHECK(j["policies"][0]["failure-details"].empty());
}

TEST_CASE("TLSRPT report: the §5.1 file name and §5.3 Subject") {
    TlsReport r = example();
    r.start = 1470013207;
    r.end = 1470186007;
    CHECK(report_filename(r, "mail.sndr.example.com", "example.net", "001") ==
          "mail.sndr.example.com!example.net!1470013207!1470186007!001.json.gz");
    CHECK(report_filename(r, "a.example", "b.example", "") == "a.example!b.example!1470013207!1470186007.json.gz");
    r.report_id = "735ff.e317+bf22029@mailexample.net";
    CHECK(report_subject(r, "mail.sender.example.com", "example.net") ==
          "Report Domain: example.net Submitter: mail.sender.example.com Report-ID: "
          "<735ff.e317+bf22029@mailexample.net>");
}
