#include "smtpd/proto/command.hpp"

#include <array>
#include <utility>

#include "common/text/ascii.hpp"
#include "common/text/esmtp_params.hpp"

namespace mr::smtpd {

namespace {

constexpr std::array<std::pair<std::string_view, Verb>, 14> kVerbs = {{
    {"EHLO", Verb::Ehlo}, {"HELO", Verb::Helo}, {"MAIL", Verb::Mail}, {"RCPT", Verb::Rcpt},
    {"DATA", Verb::Data}, {"BDAT", Verb::Bdat}, {"RSET", Verb::Rset}, {"NOOP", Verb::Noop},
    {"QUIT", Verb::Quit}, {"VRFY", Verb::Vrfy}, {"EXPN", Verb::Expn}, {"HELP", Verb::Help},
    {"STARTTLS", Verb::Starttls}, {"AUTH", Verb::Auth},
}};

// RFC 3461 §5.4 (rfc3461.txt:1046): ENVID up to 100, ORCPT up to 500 characters.
constexpr std::size_t kMaxEnvid = 100;
constexpr std::size_t kMaxOrcpt = 500;

Reply syntax(std::string text) { return Reply{501, "5.5.4", std::move(text)}; }

std::optional<std::uint64_t> parse_u64(std::string_view digits) {
    if (digits.empty() || digits.size() > 18) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : digits) {
        if (!text::is_digit(c)) return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

// "FROM:" / "TO:" then the path; one space after the colon is tolerated (common client bug,
// harmless because a path starts with "<").
std::optional<std::string_view> after_prefix(std::string_view arg, std::string_view prefix) {
    if (!text::starts_with_ci(arg, prefix)) return std::nullopt;
    arg.remove_prefix(prefix.size());
    while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);
    return arg;
}

// The path and its parameters. SMTPUTF8 is a parameter after the path, so the path is read
// permissively first and non-ASCII is refused afterwards if the parameter is absent.
struct PathAndParams {
    text::Address address;
    std::vector<text::EsmtpParam> params;
};

Parsed<PathAndParams> split_path(std::string_view arg, const text::PathOptions& base, bool smtputf8,
                                 std::string_view what) {
    text::PathOptions options = base;
    options.smtputf8 = true;
    auto path = text::parse_path_prefix(arg, options);
    if (!path) {
        return Reply{501, what == "sender" ? "5.1.7" : "5.1.3",
                     "Bad " + std::string(what) + " address syntax"};
    }
    if (!path->rest.empty() && path->rest.front() != ' ') {
        return Reply{501, "5.5.4", "Space expected after the address"};
    }
    auto params = text::parse_mail_params(path->rest, true);
    if (!params) return syntax("Bad parameter syntax");
    bool utf8 = smtputf8 || text::find_param(*params, "SMTPUTF8") != nullptr;
    if (!utf8 && (text::has_non_ascii(path->address.local_part) || text::has_non_ascii(path->address.domain))) {
        // RFC 6531 §3.5 (rfc6531.txt:466).
        return Reply{553, "5.6.7", "Non-ASCII address requires SMTPUTF8"};
    }
    for (const auto& p : *params) {
        if (p.value && !utf8 && text::has_non_ascii(*p.value)) return syntax("Non-ASCII parameter requires SMTPUTF8");
    }
    return PathAndParams{std::move(path->address), std::move(*params)};
}

bool valid_notify(std::string_view value) {
    if (text::iequals(value, "NEVER")) return true;
    if (value.empty()) return false;
    std::size_t start = 0;
    while (start <= value.size()) {
        auto comma = value.find(',', start);
        auto item = value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (!text::iequals(item, "SUCCESS") && !text::iequals(item, "FAILURE") && !text::iequals(item, "DELAY")) {
            return false;
        }
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return true;
}

}  // namespace

Command parse_command(std::string_view line) {
    Command cmd;
    const auto sp = line.find(' ');
    cmd.keyword = line.substr(0, sp);
    if (sp != std::string_view::npos) {
        cmd.arg = line.substr(sp + 1);
        while (!cmd.arg.empty() && cmd.arg.back() == ' ') cmd.arg.remove_suffix(1);
    }
    for (const auto& [name, verb] : kVerbs) {
        if (text::iequals(cmd.keyword, name)) cmd.verb = verb;
    }
    return cmd;
}

bool is_xtext(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '+') {
            if (i + 2 >= s.size()) return false;
            for (std::size_t k = i + 1; k <= i + 2; ++k) {
                const char h = s[k];
                if (!(text::is_digit(h) || (h >= 'A' && h <= 'F'))) return false;
            }
            i += 2;
        } else if (c < 33 || c > 126 || c == '=') {
            return false;
        }
    }
    return true;
}

Parsed<MailArgs> parse_mail(std::string_view arg, std::uint64_t max_size) {
    auto rest = after_prefix(arg, "FROM:");
    if (!rest) return syntax("Syntax: MAIL FROM:<address>");
    auto split = split_path(*rest, text::PathOptions{false, true, false}, false, "sender");
    if (auto* r = std::get_if<Reply>(&split)) return std::move(*r);
    auto& pp = std::get<PathAndParams>(split);
    MailArgs out;
    out.sender = std::move(pp.address);
    for (const auto& p : pp.params) {
        const std::string value = p.value.value_or("");
        if (p.keyword == "SIZE") {  // RFC 1870 §6 (rfc1870.txt:186)
            auto n = parse_u64(value);
            if (!n) return syntax("Bad SIZE value");
            if (*n > max_size) return Reply{552, "5.3.4", "Message size exceeds fixed maximum message size"};
            out.size = n;
        } else if (p.keyword == "BODY") {  // RFC 6152 §2 (rfc6152.txt:94)
            if (text::iequals(value, "8BITMIME")) {
                out.eight_bit = true;
            } else if (!text::iequals(value, "7BIT")) {
                return syntax("BODY must be 7BIT or 8BITMIME");
            }
        } else if (p.keyword == "SMTPUTF8") {
            if (p.value) return syntax("SMTPUTF8 takes no value");
            out.smtputf8 = true;
        } else if (p.keyword == "RET") {  // RFC 3461 §4.3
            if (!text::iequals(value, "FULL") && !text::iequals(value, "HDRS")) return syntax("RET must be FULL or HDRS");
            out.ret = text::to_upper(value);
        } else if (p.keyword == "ENVID") {  // RFC 3461 §4.4
            if (value.empty() || value.size() > kMaxEnvid || !is_xtext(value)) return syntax("Bad ENVID value");
            out.envid = value;
        } else if (p.keyword == "AUTH") {  // RFC 4954 §5: accepted, not trusted
            if (value.empty() || !is_xtext(value)) return syntax("Bad AUTH value");
        } else {
            return Reply{555, "5.5.4", "Unsupported MAIL parameter " + printable(p.keyword, 32)};
        }
    }
    return out;
}

Parsed<RcptArgs> parse_rcpt(std::string_view arg, bool smtputf8) {
    auto rest = after_prefix(arg, "TO:");
    if (!rest) return syntax("Syntax: RCPT TO:<address>");
    auto split = split_path(*rest, text::PathOptions{false, false, true}, smtputf8, "recipient");
    if (auto* r = std::get_if<Reply>(&split)) return std::move(*r);
    auto& pp = std::get<PathAndParams>(split);
    RcptArgs out;
    out.recipient = std::move(pp.address);
    for (const auto& p : pp.params) {
        const std::string value = p.value.value_or("");
        if (p.keyword == "NOTIFY") {  // RFC 3461 §4.1 (rfc3461.txt:348)
            if (!valid_notify(value)) return syntax("Bad NOTIFY value");
            out.notify = text::to_upper(value);
        } else if (p.keyword == "ORCPT") {  // RFC 3461 §4.2 (rfc3461.txt:412)
            const auto semi = value.find(';');
            if (semi == std::string::npos || semi == 0 || value.size() > kMaxOrcpt ||
                !is_xtext(std::string_view(value).substr(semi + 1))) {
                return syntax("Bad ORCPT value");
            }
            out.orcpt = value;
        } else {
            return Reply{555, "5.5.4", "Unsupported RCPT parameter " + printable(p.keyword, 32)};
        }
    }
    return out;
}

std::optional<BdatArgs> parse_bdat(std::string_view arg) {
    const auto sp = arg.find(' ');
    auto n = parse_u64(arg.substr(0, sp));
    if (!n) return std::nullopt;
    BdatArgs out{*n, false};
    if (sp != std::string_view::npos) {
        auto marker = text::trim(arg.substr(sp + 1));
        if (!text::iequals(marker, "LAST")) return std::nullopt;
        out.last = true;
    }
    return out;
}

}  // namespace mr::smtpd
