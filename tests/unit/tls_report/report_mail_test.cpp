// The report message of RFC 8460 §5.3 (deliverd/tls_report/report_mail): its fields, its
// multipart/report structure, and the attachment, which gunzips to JSON with §4.4's fields.
#include "deliverd/tls_report/report_mail.hpp"

#include <doctest/doctest.h>

#include <zlib.h>

#include <nlohmann/json.hpp>

#include "common/dkim/base64.hpp"

using namespace mr::deliverd;
using namespace mr::deliverd::tls_report;

namespace {

std::string gunzip(const std::string& in) {
    z_stream z{};
    REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
    std::string out(1 << 20, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&z, Z_FINISH);
    out.resize(z.total_out);
    inflateEnd(&z);
    REQUIRE(rc == Z_STREAM_END);
    return out;
}

ReportMail example() {
    ReportMail m;
    m.policy_domain = "example.net";
    m.submitter = "mail.sender.example";
    m.from = "postmaster@mail.sender.example";
    m.to = {"tlsrpt@example.net", "copy@reports.example"};
    m.date = 1459555300;
    auto& r = m.report;
    r.organization_name = "Sender Org";
    r.contact_info = m.from;
    r.start = 1459468800;
    r.end = 1459555200;
    r.report_id = "0123456789abcdef@mail.sender.example";
    tls_policy::TlsPolicyResult p;
    p.policy_type = "sts";
    p.policy_domain = "example.net";
    p.policy_string = {"version: STSv1", "mode: enforce", "mx: mx.example.net", "max_age: 86400"};
    p.mx_host = {"mx.example.net"};
    p.successful_sessions = 1;
    p.failed_sessions = 1;
    tls_policy::TlsFailure f;
    f.result_type = "certificate-host-mismatch";
    f.sending_mta_ip = "192.0.2.1";
    f.receiving_mx_hostname = "mx.example.net";
    f.receiving_ip = "198.51.100.7";
    f.failed_session_count = 1;
    f.failure_reason_code = "hostname mismatch";
    p.failures.push_back(f);
    r.policies.push_back(p);
    return m;
}

std::string header(const std::string& message, const std::string& name) {
    auto pos = message.find("\r\n" + name + ": ");
    if (pos == std::string::npos) return {};
    pos += name.size() + 4;
    return message.substr(pos, message.find("\r\n", pos) - pos);
}

}  // namespace

TEST_CASE("report_message: §5.3 header fields and multipart/report; report-type=tlsrpt") {
    const std::string m = "\r\n" + report_message(example());
    CHECK(header(m, "From") == "<postmaster@mail.sender.example>");
    CHECK(header(m, "Subject") ==
          "Report Domain: example.net Submitter: mail.sender.example Report-ID: <0123456789abcdef@mail.sender.example>");
    CHECK(header(m, "TLS-Report-Domain") == "example.net");
    CHECK(header(m, "TLS-Report-Submitter") == "mail.sender.example");
    CHECK(header(m, "Content-Type") == "multipart/report; report-type=\"tlsrpt\";");
    CHECK(m.find("\r\nTo: <tlsrpt@example.net>,\r\n <copy@reports.example>\r\n") != std::string::npos);
    CHECK(m.find("filename=\"mail.sender.example!example.net!1459468800!1459555200!0123456789abcdef.json.gz\"") !=
          std::string::npos);
    for (char c : m) CHECK_MESSAGE(static_cast<unsigned char>(c) < 0x80, "7-bit only");
    CHECK(m.find("\n") == m.find("\r\n") + 1);  // CRLF lines
}

TEST_CASE("report_message: the attachment gunzips to the report's JSON with §4.4's fields") {
    const std::string m = report_message(example());
    const auto part = m.find("Content-Type: application/tlsrpt+gzip");
    REQUIRE(part != std::string::npos);
    const auto body = m.find("\r\n\r\n", part) + 4;
    const auto end = m.find("\r\n--", body);
    std::string b64;
    for (char c : m.substr(body, end - body)) {
        if (c != '\r' && c != '\n') b64 += c;
    }
    for (std::size_t i = body; i < end; i = m.find("\r\n", i) + 2) {
        CHECK(m.find("\r\n", i) - i <= 76);  // RFC 2045 §6.8: encoded lines of at most 76 characters
    }
    for (std::size_t i = 0; m.find("\r\n", i) != std::string::npos; i = m.find("\r\n", i) + 2) {
        CHECK(m.find("\r\n", i) - i <= 998);  // RFC 5322 §2.1.1
    }
    auto gz = mr::dkim::base64_decode(b64);
    REQUIRE(gz);
    auto j = nlohmann::json::parse(gunzip(*gz));
    CHECK(j["organization-name"] == "Sender Org");
    CHECK(j["contact-info"] == "postmaster@mail.sender.example");
    CHECK(j["report-id"] == "0123456789abcdef@mail.sender.example");
    CHECK(j["date-range"]["start-datetime"] == "2016-04-01T00:00:00Z");
    CHECK(j["date-range"]["end-datetime"] == "2016-04-02T00:00:00Z");
    REQUIRE(j["policies"].size() == 1);
    const auto& p = j["policies"][0];
    CHECK(p["policy"]["policy-type"] == "sts");
    CHECK(p["policy"]["policy-domain"] == "example.net");
    CHECK(p["policy"]["mx-host"][0] == "mx.example.net");
    CHECK(p["summary"]["total-successful-session-count"] == 1);
    CHECK(p["summary"]["total-failure-session-count"] == 1);
    CHECK(p["failure-details"][0]["result-type"] == "certificate-host-mismatch");
    CHECK(p["failure-details"][0]["receiving-mx-hostname"] == "mx.example.net");
    CHECK(p["failure-details"][0]["failed-session-count"] == 1);
}

TEST_CASE("gzip: RFC 1952 output that zlib reads back") {
    CHECK(gunzip(gzip("")) == "");
    const std::string text(100000, 'x');
    const std::string gz = gzip(text);
    CHECK(gz.size() < 1000);
    CHECK(static_cast<unsigned char>(gz[0]) == 0x1f);  // RFC 1952 §2.3.1 ID1 ID2
    CHECK(static_cast<unsigned char>(gz[1]) == 0x8b);
    CHECK(gunzip(gz) == text);
}

TEST_CASE("is_report_message: our reports only (null sender, top-level TLS-Report-Domain)") {
    const std::string m = report_message(example());
    CHECK(is_report_message("", m));
    CHECK(is_report_message("", "DKIM-Signature: v=1\r\n\tb=x\r\n" + m));  // signed
    CHECK_FALSE(is_report_message("postmaster@mail.sender.example", m));  // not from <>
    CHECK_FALSE(is_report_message("", "Subject: x\r\n\r\nTLS-Report-Domain: example.net\r\n"));  // in the body
    CHECK_FALSE(is_report_message("", "Subject: x\r\n\r\n"));
    CHECK(is_report_message("", "tls-report-domain: example.net\r\n\r\n"));  // field names ignore case
}
