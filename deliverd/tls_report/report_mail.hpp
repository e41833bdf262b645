// The mail that carries an SMTP TLS Reporting aggregate report (RFC 8460 §5.3): gzipped JSON
// (§5.2) as an application/tlsrpt+gzip attachment of a multipart/report; report-type="tlsrpt"
// message, with the TLS-Report-Domain and TLS-Report-Submitter fields. Pure apart from zlib
// and OpenSSL's base64 encoder: values in, bytes out.
//
// Invariants:
// - report_message() writes CRLF lines, 7-bit only (the attachment base64 in 76-column
//   lines), with §5.3's Subject from tls_policy::report_subject and the attachment named
//   by tls_policy::report_filename; the JSON is tls_policy::report_json, unchanged.
// - is_report_message() recognises what report_message() wrote as deliverd queues it (null
//   reverse-path, TLS-Report-Domain among the top-level fields), so that its delivery is
//   neither held to MTA-STS/DANE (§5.3) nor counted for the next report.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deliverd/tls_policy/tlsrpt_report.hpp"

namespace mr::deliverd::tls_report {

struct ReportMail {
    tls_policy::TlsReport report;
    std::string policy_domain;    // the domain the report is about (A-labels)
    std::string submitter;        // the domain of report.contact_info
    std::string from;             // addr-spec (report.contact_info)
    std::vector<std::string> to;  // the rua mailto: addresses
    std::int64_t date = 0;        // Unix seconds
};

// RFC 1952 gzip of `bytes`.
std::string gzip(std::string_view bytes);
std::string report_message(const ReportMail& mail);

bool is_report_message(std::string_view sender, std::string_view message);

}  // namespace mr::deliverd::tls_report
