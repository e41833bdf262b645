#include "deliverd/dsn.hpp"


#include "common/mime/header_parser.hpp"
#include "common/text/ascii.hpp"
#include "common/text/mail_date.hpp"

namespace mr::deliverd {

namespace {

bool is_status_code(std::string_view s) {
    // class "." subject "." detail, RFC 3463 §2 (rfc3463.txt:119): 2/4/5 . 1-3 digits . 1-3 digits
    if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
    std::size_t i = 2;
    int dots = 0;
    std::size_t digits = 0;
    for (; i < s.size(); ++i) {
        if (s[i] == '.') {
            if (digits == 0 || ++dots > 1) return false;
            digits = 0;
        } else if (s[i] >= '0' && s[i] <= '9') {
            if (++digits > 3) return false;
        } else {
            return false;
        }
    }
    return dots == 1 && digits > 0;
}

char action_class(DsnAction a) {
    switch (a) {
        case DsnAction::Failed: return '5';
        case DsnAction::Delayed: return '4';
        case DsnAction::Delivered:
        case DsnAction::Relayed: return '2';
    }
    return '5';
}

// Keeps a diagnostic on one line of printable ASCII (a remote reply is peer data).
std::string one_line(std::string_view s) {
    std::string out;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\r' || c == '\n' || c == '\t') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else if (u >= 0x20 && u < 0x7f) {
            out += c;
        } else {
            out += '?';
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

bool is_smtp_reply(std::string_view reply) {
    return reply.size() >= 3 && reply[0] >= '2' && reply[0] <= '5' && text::is_digit(reply[1]) &&
           text::is_digit(reply[2]) && (reply.size() == 3 || reply[3] == ' ' || reply[3] == '-');
}

}  // namespace

std::string_view to_string(DsnAction action) {
    switch (action) {
        case DsnAction::Failed: return "failed";
        case DsnAction::Delayed: return "delayed";
        case DsnAction::Delivered: return "delivered";
        case DsnAction::Relayed: return "relayed";
    }
    return "failed";
}

NotifyPolicy parse_notify(std::string_view value) {
    if (value.empty()) return NotifyPolicy{};  // FAILURE,DELAY (rfc3461.txt:400)
    NotifyPolicy p{false, false, false};
    std::size_t start = 0;
    while (start <= value.size()) {
        auto comma = value.find(',', start);
        if (comma == std::string_view::npos) comma = value.size();
        const std::string word = text::to_lower(value.substr(start, comma - start));
        if (word == "success") p.success = true;
        if (word == "failure") p.failure = true;
        if (word == "delay") p.delay = true;
        start = comma + 1;
    }
    return p;  // NEVER (or nothing known) leaves all three off
}

bool should_notify(std::string_view sender, std::string_view notify, DsnAction action) {
    if (sender.empty()) return false;
    const NotifyPolicy p = parse_notify(notify);
    switch (action) {
        case DsnAction::Failed: return p.failure;
        case DsnAction::Delayed: return p.delay;
        case DsnAction::Delivered:
        case DsnAction::Relayed: return p.success;
    }
    return false;
}

std::string xtext_decode(std::string_view t) {
    // RFC 3461 §4 (rfc3461.txt:316): "+" followed by two upper-case hex digits.
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] == '+' && i + 2 < t.size() && hex(t[i + 1]) >= 0 && hex(t[i + 2]) >= 0) {
            out += static_cast<char>(hex(t[i + 1]) * 16 + hex(t[i + 2]));
            i += 2;
        } else {
            out += t[i];
        }
    }
    return out;
}

std::string status_code(DsnAction action, std::string_view reply) {
    const char cls = action_class(action);
    if (is_smtp_reply(reply) && reply.size() > 4) {
        auto rest = reply.substr(4);
        auto end = rest.find(' ');
        auto code = rest.substr(0, end);
        if (is_status_code(code) && code[0] == cls) return std::string(code);
        // A temporary condition that outlived the queue lifetime: same detail, now final.
        if (is_status_code(code) && code[0] == '4' && cls == '5') return "5" + std::string(code.substr(1));
    }
    return std::string(1, cls) + ".0.0";
}

std::string compose_dsn(const DsnInput& in) {
    bool any_failed = false;
    bool any_delayed = false;
    for (const auto& r : in.recipients) {
        any_failed = any_failed || r.action == DsnAction::Failed;
        any_delayed = any_delayed || r.action == DsnAction::Delayed;
    }
    std::string boundary = in.boundary;
    while (in.original.find(boundary) != std::string_view::npos) boundary += "=_";

    const std::string subject = any_failed    ? "Undelivered Mail Returned to Sender"
                                : any_delayed ? "Delayed Mail (still being retried)"
                                              : "Successful Mail Delivery Report";
    std::string m;
    m += "From: Mail Delivery System <MAILER-DAEMON@" + in.reporting_mta + ">\r\n";
    m += "To: <" + in.original_sender + ">\r\n";
    m += "Subject: " + subject + "\r\n";
    m += "Date: " + text::rfc5322_date(in.now) + "\r\n";
    m += "Message-ID: <" + in.queue_id + "." + std::to_string(in.now) + ".dsn@" + in.reporting_mta + ">\r\n";
    m += "Auto-Submitted: auto-replied\r\n";  // RFC 3834: no vacation replies to this
    m += "MIME-Version: 1.0\r\n";
    m += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" + boundary + "\"\r\n";
    m += "\r\nThis is a MIME-encapsulated delivery status notification.\r\n";

    // Part 1: for a person.
    m += "\r\n--" + boundary + "\r\n";
    m += "Content-Type: text/plain; charset=us-ascii\r\nContent-Description: Notification\r\n\r\n";
    m += "This is the mail system at " + in.reporting_mta + ".\r\n\r\n";
    if (any_failed) {
        m += "Your message could not be delivered to one or more recipients.\r\n"
             "It is attached below. The mail system gave up on these:\r\n\r\n";
    } else if (any_delayed) {
        m += "Your message has not been delivered yet to one or more recipients.\r\n"
             "The mail system will keep trying; you do not need to send it again.\r\n\r\n";
    } else {
        m += "Your message was delivered as you asked to be told:\r\n\r\n";
    }
    for (const auto& r : in.recipients) {
        m += "<" + r.final_recipient + ">: " + std::string(to_string(r.action));
        if (!r.remote_mta.empty()) m += ", host " + one_line(r.remote_mta) + " said:";
        if (!r.reply.empty()) m += " " + one_line(r.reply);
        if (r.action == DsnAction::Delayed && r.retry_until > 0) {
            m += " (will retry until " + text::rfc5322_date(r.retry_until) + ")";
        }
        m += "\r\n";
    }

    // Part 2: RFC 3464 §2.1 fields, per-message then one block per recipient.
    m += "\r\n--" + boundary + "\r\n";
    m += "Content-Type: message/delivery-status\r\nContent-Description: Delivery report\r\n\r\n";
    if (!in.envid.empty()) m += "Original-Envelope-Id: " + one_line(xtext_decode(in.envid)) + "\r\n";
    m += "Reporting-MTA: dns; " + in.reporting_mta + "\r\n";
    m += "X-Mailroom-Queue-ID: " + in.queue_id + "\r\n";
    m += "Arrival-Date: " + text::rfc5322_date(in.arrival) + "\r\n";
    for (const auto& r : in.recipients) {
        m += "\r\n";
        if (!r.orcpt.empty()) {
            std::string orcpt = one_line(xtext_decode(r.orcpt));
            if (orcpt.find(';') == std::string::npos) orcpt = "rfc822; " + orcpt;
            m += "Original-Recipient: " + orcpt + "\r\n";
        }
        m += "Final-Recipient: rfc822; " + r.final_recipient + "\r\n";
        m += "Action: " + std::string(to_string(r.action)) + "\r\n";
        m += "Status: " + status_code(r.action, r.reply) + "\r\n";
        if (!r.remote_mta.empty()) {
            std::string host = one_line(r.remote_mta);
            if (auto b = host.find('['); b != std::string::npos && b > 0) host = host.substr(0, b);
            m += "Remote-MTA: dns; " + host + "\r\n";
        }
        if (!r.reply.empty()) {
            m += std::string("Diagnostic-Code: ") + (is_smtp_reply(r.reply) ? "smtp; " : "x-mailroom; ") +
                 one_line(r.reply) + "\r\n";
        }
        m += "Last-Attempt-Date: " + text::rfc5322_date(in.now) + "\r\n";
        if (r.action == DsnAction::Delayed && r.retry_until > 0) {
            m += "Will-Retry-Until: " + text::rfc5322_date(r.retry_until) + "\r\n";
        }
    }

    // Part 3: the original (RFC 3461 §6.2: full only for failures with RET=FULL).
    m += "\r\n--" + boundary + "\r\n";
    if (any_failed && text::iequals(in.ret, "FULL")) {
        m += "Content-Type: message/rfc822\r\nContent-Description: Undelivered message\r\n\r\n";
        m += in.original;
        if (!in.original.empty() && !in.original.ends_with("\r\n")) m += "\r\n";
    } else {
        m += "Content-Type: text/rfc822-headers\r\nContent-Description: Message headers\r\n\r\n";
        std::string_view headers = mime::header_section(in.original);
        // The part's own content ends before the boundary line's CRLF: drop the
        // empty line that separated the original's header from its body.
        while (headers.ends_with("\r\n\r\n")) headers.remove_suffix(2);
        m += headers;
        if (!headers.empty() && !headers.ends_with("\r\n")) m += "\r\n";
    }
    m += "\r\n--" + boundary + "--\r\n";
    return m;
}

}  // namespace mr::deliverd
