// See report_mail.hpp. Citations are to RFC 8460 unless named.
#include "deliverd/tls_report/report_mail.hpp"

#include <zlib.h>

#include "common/dkim/base64.hpp"
#include "common/text/ascii.hpp"
#include "common/text/mail_date.hpp"

namespace mr::deliverd::tls_report {

namespace {

constexpr std::size_t kBase64Line = 76;  // RFC 2045 §6.8

std::string wrapped(const std::string& base64) {
    std::string out;
    for (std::size_t i = 0; i < base64.size(); i += kBase64Line) out += base64.substr(i, kBase64Line) + "\r\n";
    return out;
}

}  // namespace

std::string gzip(std::string_view bytes) {
    z_stream z{};
    // windowBits 15 + 16: a gzip header and trailer around the deflate stream (RFC 1952).
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
    std::string out(deflateBound(&z, bytes.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    z.avail_in = static_cast<uInt>(bytes.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return rc == Z_STREAM_END ? out : std::string();
}

std::string report_message(const ReportMail& mail) {
    const auto& r = mail.report;
    // §5.1: the unique-id tells apart reports of one day; the report-id's left part is ours.
    const std::string unique_id = r.report_id.substr(0, r.report_id.find_first_not_of("0123456789abcdef"));
    const std::string filename = tls_policy::report_filename(r, mail.submitter, mail.policy_domain, unique_id);
    const std::string boundary = "=_tlsrpt_" + unique_id;
    std::string to;
    for (const auto& a : mail.to) to += (to.empty() ? "" : ",\r\n ") + ("<" + a + ">");

    std::string m;
    m += "From: <" + mail.from + ">\r\n";
    m += "To: " + to + "\r\n";
    m += "Date: " + text::rfc5322_date(mail.date) + "\r\n";
    // §5.3's tlsrpt-subject, on one line (under RFC 5322's 998 limit for any domain names).
    m += "Subject: " + tls_policy::report_subject(r, mail.submitter, mail.policy_domain) + "\r\n";
    m += "Message-ID: <" + r.report_id + ">\r\n";
    // §5.3 (rfc8460.txt:929): "These message header fields MUST be included".
    m += "TLS-Report-Domain: " + mail.policy_domain + "\r\n";
    m += "TLS-Report-Submitter: " + mail.submitter + "\r\n";
    m += "Auto-Submitted: auto-generated\r\n";  // RFC 3834 §5: no vacation replies to reports
    m += "MIME-Version: 1.0\r\n";
    m += "Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n\tboundary=\"" + boundary + "\"\r\n";
    m += "\r\nThis is a multipart message in MIME format.\r\n";
    m += "\r\n--" + boundary + "\r\n";
    m += "Content-Type: text/plain; charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n";
    m += "This is an aggregate TLS report from " + mail.submitter + " about mail to " + mail.policy_domain +
         ",\r\ncovering " + text::rfc5322_date(r.start) + " to " + text::rfc5322_date(r.end) + ".\r\n";
    m += "\r\n--" + boundary + "\r\n";
    m += "Content-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64\r\n";
    m += "Content-Disposition: attachment;\r\n\tfilename=\"" + filename + "\"\r\n\r\n";
    m += wrapped(dkim::base64_encode(gzip(tls_policy::report_json(r))));
    m += "\r\n--" + boundary + "--\r\n";
    return m;
}

bool is_report_message(std::string_view sender, std::string_view message) {
    if (!sender.empty()) return false;
    const auto end = message.find("\r\n\r\n");
    const std::string_view head = message.substr(0, end == std::string_view::npos ? message.size() : end + 2);
    for (std::size_t pos = 0; pos < head.size();) {
        const auto eol = head.find("\r\n", pos);
        const std::string_view line = head.substr(pos, eol == std::string_view::npos ? head.npos : eol - pos);
        if (text::iequals(line.substr(0, line.find(':')), "TLS-Report-Domain")) return true;
        if (eol == std::string_view::npos) break;
        pos = eol + 2;
    }
    return false;
}

}  // namespace mr::deliverd::tls_report
