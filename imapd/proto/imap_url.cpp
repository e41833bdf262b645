// IMAP URL parsing; see imap_url.hpp.
#include "imapd/proto/imap_url.hpp"

#include <limits>

#include "common/text/ascii.hpp"
#include "common/text/percent.hpp"
#include "imapd/proto/parse_internal.hpp"

namespace mr::imapd {

namespace {

bool starts_with_icase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && text::iequals(s.substr(0, prefix.size()), prefix);
}

// nz-number / number of RFC 5092 (32-bit); nullopt on anything else.
std::optional<std::uint32_t> number(std::string_view s, bool nonzero) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    std::uint64_t n = 0;
    for (char c : s) {
        if (!text::is_digit(c)) return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (n > std::numeric_limits<std::uint32_t>::max() || (nonzero && n == 0)) return std::nullopt;
    return static_cast<std::uint32_t>(n);
}

// Case-insensitive find of `what` in `s`.
std::size_t ifind(std::string_view s, std::string_view what) {
    for (std::size_t i = 0; i + what.size() <= s.size(); ++i)
        if (text::iequals(s.substr(i, what.size()), what)) return i;
    return std::string_view::npos;
}

}  // namespace

Result<ImapUrl> parse_imap_url(std::string_view url) {
    ImapUrl out;
    // imapurl = "imap://" iserver ipath-query (RFC 5092 §11); iserver = [iuserinfo "@"] host
    // [":" port]; iuserinfo = enc-user [iauth] / [enc-user] iauth.
    if (starts_with_icase(url, "imap://")) {
        url.remove_prefix(7);
        const std::size_t slash = url.find('/');
        if (slash == std::string_view::npos) return Error::syntax("IMAP URL without a message");
        std::string_view server = url.substr(0, slash);
        url.remove_prefix(slash);
        if (const std::size_t at = server.rfind('@'); at != std::string_view::npos) {
            std::string_view userinfo = server.substr(0, at);
            if (const std::size_t semi = userinfo.find(';'); semi != std::string_view::npos) {
                if (!starts_with_icase(userinfo.substr(semi), ";AUTH=")) return Error::syntax("bad IMAP URL user");
                userinfo = userinfo.substr(0, semi);
            }
            std::string user;
            if (!text::percent_decode(userinfo, user)) return Error::syntax("bad escape in IMAP URL user");
            if (!user.empty()) out.user = std::move(user);
            server.remove_prefix(at + 1);
        }
        if (server.empty()) return Error::syntax("IMAP URL without a host");
        out.host = std::string(server);
    }
    // imessagepart = icommand's "/" enc-mailbox [uidvalidity] iuid [isection] [ipartial]
    // (RFC 5092 §11); the mailbox may hold "/", so it ends at "/;UID=".
    if (url.empty() || url.front() != '/') return Error::syntax("IMAP URL must start with / or imap://");
    url.remove_prefix(1);
    const std::size_t uid_at = ifind(url, "/;UID=");
    if (uid_at == std::string_view::npos) return Error::syntax("IMAP URL without ;UID=");
    std::string_view mailbox = url.substr(0, uid_at);
    if (const std::size_t v = ifind(mailbox, ";UIDVALIDITY="); v != std::string_view::npos) {
        out.uidvalidity = number(mailbox.substr(v + 13), true);
        if (!out.uidvalidity) return Error::syntax("bad UIDVALIDITY in IMAP URL");
        mailbox = mailbox.substr(0, v);
    }
    if (mailbox.find(';') != std::string_view::npos || mailbox.find('?') != std::string_view::npos)
        return Error::syntax("bad mailbox in IMAP URL");
    if (!text::percent_decode(mailbox, out.mailbox) || out.mailbox.empty())
        return Error::syntax("bad mailbox in IMAP URL");
    url.remove_prefix(uid_at + 6);
    std::size_t end = url.find('/');
    auto uid = number(url.substr(0, end), true);
    if (!uid) return Error::syntax("bad UID in IMAP URL");
    out.uid = *uid;
    url = end == std::string_view::npos ? std::string_view() : url.substr(end);
    if (starts_with_icase(url, "/;SECTION=")) {
        url.remove_prefix(10);
        end = url.find('/');
        std::string spec;
        if (!text::percent_decode(url.substr(0, end), spec)) return Error::syntax("bad escape in IMAP URL section");
        auto section = detail::parse_section_spec(spec);
        if (!section) return section.error();
        out.section = std::move(*section);
        url = end == std::string_view::npos ? std::string_view() : url.substr(end);
    }
    if (starts_with_icase(url, "/;PARTIAL=")) {
        url.remove_prefix(10);
        const std::size_t dot = url.find('.');
        auto offset = number(url.substr(0, dot), false);
        if (!offset) return Error::syntax("bad PARTIAL in IMAP URL");
        Partial p{*offset, std::numeric_limits<std::uint32_t>::max()};
        if (dot != std::string_view::npos) {
            auto length = number(url.substr(dot + 1), true);
            if (!length) return Error::syntax("bad PARTIAL in IMAP URL");
            p.length = *length;
        }
        out.partial = p;
        url = {};
    }
    if (!url.empty()) return Error::syntax("unsupported IMAP URL component");
    return out;
}

}  // namespace mr::imapd
