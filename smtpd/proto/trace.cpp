#include "smtpd/proto/trace.hpp"

#include <array>
#include <cstdio>

#include "common/text/ascii.hpp"
#include "common/text/mail_date.hpp"
#include "smtpd/proto/reply.hpp"

namespace mr::smtpd {

namespace {

std::string protocol_name(const TraceInfo& info) {
    // RFC 3848 §1 (ESMTPS/ESMTPA/ESMTPSA), RFC 6531 §3.7.3 (UTF8SMTP...).
    std::string name = info.smtputf8 ? "UTF8SMTP" : (info.esmtp ? "ESMTP" : "SMTP");
    if (!info.smtputf8 && !info.esmtp) return name;
    if (!info.tls_version.empty()) name += 'S';
    if (!info.user.empty()) name += 'A';
    return name;
}

// Bytes allowed in a header comment without escaping: printable ASCII except parentheses
// and backslash (RFC 5322 ctext, rfc5322.txt:733).
std::string comment_text(std::string_view s) {
    std::string out = printable(s, 200);
    for (char& c : out) {
        if (c == '(' || c == ')' || c == '\\') c = '?';
    }
    return out;
}

}  // namespace

std::string received_header(const TraceInfo& info, std::string_view hostname, std::string_view queue_id,
                            std::time_t when) {
    std::string h = "Received: from ";
    h += info.helo.empty() ? std::string("unknown") : comment_text(info.helo);
    // RFC 5321 §4.4 TCP-info: the address literal of the connection.
    h += " ([";
    if (info.peer_ip.find(':') != std::string::npos) h += "IPv6:";
    h += comment_text(info.peer_ip);
    h += "])\r\n\tby ";
    h += hostname;
    h += " (mailroom) with ";
    h += protocol_name(info);
    h += " id ";
    h += queue_id;
    if (!info.tls_version.empty()) {
        h += "\r\n\t(using " + comment_text(info.tls_version) + " with cipher " + comment_text(info.tls_cipher) + ")";
    }
    if (!info.user.empty()) h += "\r\n\t(authenticated as " + comment_text(info.user) + ")";
    if (!info.for_recipient.empty()) h += "\r\n\tfor <" + printable(info.for_recipient, 300) + ">";
    h += ";\r\n\t";
    h += text::rfc5322_date(when);
    h += "\r\n";
    return h;
}

MissingHeaders find_missing_headers(std::string_view message) {
    MissingHeaders m{true, true};
    std::size_t pos = 0;
    while (pos < message.size()) {
        auto eol = message.find('\n', pos);
        std::string_view line = message.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;  // end of the header section
        if (line.front() != ' ' && line.front() != '\t') {
            const auto colon = line.find(':');
            if (colon != std::string_view::npos) {
                auto name = text::trim(line.substr(0, colon));
                if (text::iequals(name, "Date")) m.date = false;
                if (text::iequals(name, "Message-ID")) m.message_id = false;
            }
        }
        if (eol == std::string_view::npos) break;
        pos = eol + 1;
    }
    return m;
}

std::string submission_fixups(const MissingHeaders& missing, std::string_view queue_id, std::string_view hostname,
                              std::time_t when) {
    std::string out;
    if (missing.date) out += "Date: " + text::rfc5322_date(when) + "\r\n";
    if (missing.message_id) {
        out += "Message-ID: <";
        out += queue_id;
        out += '@';
        out += hostname;
        out += ">\r\n";
    }
    return out;
}

}  // namespace mr::smtpd
