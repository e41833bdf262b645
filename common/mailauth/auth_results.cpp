#include "common/mailauth/auth_results.hpp"

#include "common/mime/header_parser.hpp"
#include "common/text/ascii.hpp"

namespace mr::mailauth {

namespace {

// RFC 2045 token characters: anything else is quoted.
std::string value(std::string_view v) {
    bool token = !v.empty();
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || std::string_view("()<>,;:\\\"/[]?=").find(c) != std::string_view::npos) {
            // '@' and '.' are fine in a token; '/' and '=' are not (base64 of header.b).
            token = false;
        }
    }
    if (token) return std::string(v);
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\r' || c == '\n') continue;
        out += c;
    }
    return out + "\"";
}

std::string comment(std::string_view text) {
    if (text.empty()) return {};
    std::string out = " (";
    for (char c : text) {
        if (c == '(' || c == ')' || c == '\\') out += '\\';
        if (c == '\r' || c == '\n') continue;
        out += c;
    }
    return out + ")";
}

}  // namespace

std::string authserv_id_of(std::string_view raw_value) {
    std::string_view v = raw_value;
    std::size_t i = 0;
    // Leading whitespace and comments ("(forged)") are skipped.
    for (;;) {
        while (i < v.size() && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n')) ++i;
        if (i < v.size() && v[i] == '(') {
            const auto close = v.find(')', i);
            if (close == std::string_view::npos) return {};
            i = close + 1;
            continue;
        }
        break;
    }
    std::size_t end = i;
    while (end < v.size() && v[end] != ';' && v[end] != ' ' && v[end] != '\t' && v[end] != '\r' && v[end] != '\n') {
        ++end;
    }
    std::string id(v.substr(i, end - i));
    if (id.size() >= 2 && id.front() == '"' && id.back() == '"') id = id.substr(1, id.size() - 2);
    return text::to_lower(id);
}

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The value cut at each ';' that is outside comments and quoted strings (RFC 8601 §2.2:
// CFWS may stand almost anywhere), with the comments left out.
std::vector<std::string> statements(std::string_view v) {
    std::vector<std::string> out(1);
    int depth = 0;
    bool quoted = false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        if ((quoted || depth > 0) && c == '\\') {
            if (!quoted) ++i;  // an escaped character of a comment is still comment
            else if (i + 1 < v.size()) out.back() += v.substr(i++, 2);
            continue;
        }
        if (quoted) {
            out.back() += c;
            quoted = c != '"';
        } else if (c == '(') {
            ++depth;
        } else if (depth > 0) {
            depth -= c == ')';
        } else if (c == '"') {
            quoted = true;
            out.back() += c;
        } else if (c == ';') {
            out.emplace_back();
        } else {
            out.back() += c;
        }
    }
    return out;
}

}  // namespace

std::optional<std::string> method_result(std::string_view raw_value, std::string_view method) {
    const auto parts = statements(raw_value);
    for (std::size_t n = 1; n < parts.size(); ++n) {  // parts[0] is the authserv-id
        std::string_view p = parts[n];
        std::size_t i = 0;
        while (i < p.size() && is_wsp(p[i])) ++i;
        std::size_t end = i;
        while (end < p.size() && p[end] != '=' && p[end] != '/' && !is_wsp(p[end])) ++end;
        if (!text::iequals(p.substr(i, end - i), method)) continue;
        i = p.find('=', end);
        if (i == std::string_view::npos) continue;
        ++i;
        while (i < p.size() && is_wsp(p[i])) ++i;
        end = i;
        while (end < p.size() && !is_wsp(p[end])) ++end;
        if (end > i) return text::to_lower(p.substr(i, end - i));
    }
    return std::nullopt;
}

std::string authentication_results_field(const AuthResults& r) {
    std::vector<std::string> parts;
    {
        std::string spf = "spf=" + std::string(spf_result_name(r.spf.result));
        spf += comment(r.spf.result == SpfResult::Fail && !r.spf.explanation.empty() ? r.spf.explanation
                                                                                      : r.spf.problem);
        spf += r.spf_from_helo ? " smtp.helo=" : " smtp.mailfrom=";
        spf += value(r.spf_identity);
        parts.push_back(std::move(spf));
    }
    if (r.dkim.empty()) {
        parts.emplace_back("dkim=none");
    }
    for (const auto& d : r.dkim) {
        std::string dkim = "dkim=" + d.result + comment(d.reason);
        if (!d.domain.empty()) dkim += " header.d=" + value(d.domain);
        if (!d.selector.empty()) dkim += " header.s=" + value(d.selector);
        if (!d.b.empty()) dkim += " header.b=" + value(d.b);
        parts.push_back(std::move(dkim));
    }
    {
        std::string dmarc = "dmarc=" + std::string(dmarc_result_name(r.dmarc.result));
        if (r.dmarc.result == DmarcResult::Pass || r.dmarc.result == DmarcResult::Fail) {
            dmarc += " (p=" + std::string(dmarc_policy_name(r.dmarc.policy)) +
                     " dis=" + std::string(dmarc_policy_name(r.dmarc.applied)) + ")";
        } else {
            dmarc += comment(r.dmarc.problem);
        }
        if (!r.dmarc.from_domain.empty()) dmarc += " header.from=" + value(r.dmarc.from_domain);
        parts.push_back(std::move(dmarc));
    }
    {
        std::string arc = "arc=" + std::string(arc_verdict_name(r.arc.result));
        if (r.arc.result == ArcVerdict::Pass) {
            arc += " (i=" + std::to_string(r.arc.instance) + ")";
            arc += " header.oldest-pass=" + std::to_string(r.arc.oldest_pass);
        } else if (r.arc.result == ArcVerdict::Fail) {
            arc += comment(r.arc.reason);
        }
        parts.push_back(std::move(arc));
    }
    std::string out = "Authentication-Results: " + r.authserv_id;
    for (const auto& p : parts) out += ";\r\n\t" + p;
    return out + "\r\n";
}

std::string remove_our_results(std::string_view message, std::string_view authserv_id, int& removed) {
    removed = 0;
    const std::string ours = text::to_lower(authserv_id);
    std::string out;
    std::size_t copied = 0;
    mime::HeaderScanner scan(message);
    std::vector<std::pair<std::size_t, std::size_t>> cut;  // [start, end) of fields to drop
    std::vector<mime::HeaderFieldView> fields;
    while (auto f = scan.next()) fields.push_back(*f);
    const std::size_t body = scan.body_start();
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const auto& f = fields[i];
        if (!mime::header_name_equals(f.name, "Authentication-Results")) continue;
        if (authserv_id_of(f.raw_value) != ours) continue;
        // The field runs to the next field's start, or to the empty line.
        std::size_t end = i + 1 < fields.size() ? fields[i + 1].offset : body;
        if (i + 1 >= fields.size()) {
            // Up to the end of this field's last line, not the empty line after it.
            const std::size_t value_end = static_cast<std::size_t>(f.raw_value.data() - message.data()) + f.raw_value.size();
            end = std::min(end, value_end);
            if (end < message.size() && message[end] == '\r') ++end;
            if (end < message.size() && message[end] == '\n') ++end;
        }
        cut.emplace_back(f.offset, end);
    }
    for (const auto& [start, end] : cut) {
        out.append(message.substr(copied, start - copied));
        copied = end;
        ++removed;
    }
    out.append(message.substr(copied));
    return out;
}

}  // namespace mr::mailauth
