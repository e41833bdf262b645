// See smtp_reply.hpp.
#include "deliverd/remote/smtp_reply.hpp"

#include <charconv>

#include "common/text/ascii.hpp"

namespace mr::deliverd {

std::string SmtpReply::text() const {
    std::string out = std::to_string(code);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].empty()) continue;
        out += i == 0 ? " " : " / ";
        out += lines[i];
    }
    return out;
}

Result<std::optional<SmtpReply>> SmtpReplyReader::feed(std::string_view line) {
    auto fail = [this](std::string why) -> Error {
        partial_ = {};
        bytes_ = 0;
        return Error::syntax(std::move(why));
    };
    // RFC 5321 §4.2 (rfc5321.txt:2597): Reply-line = *( Reply-code "-" [ textstring ] CRLF )
    //                                   Reply-code [ SP textstring ] CRLF
    if (line.size() < 3 || !text::is_digit(line[0]) || !text::is_digit(line[1]) ||
        !text::is_digit(line[2]) || line[0] < '2' || line[0] > '5') {
        return fail("malformed reply line: " + std::string(line.substr(0, 80)));
    }
    if (line.size() > 3 && line[3] != ' ' && line[3] != '-') {
        return fail("malformed reply line: " + std::string(line.substr(0, 80)));
    }
    int code = 0;
    std::from_chars(line.data(), line.data() + 3, code);
    if (in_reply() && code != partial_.code) {
        return fail("reply code changed inside a multi-line reply");
    }
    bytes_ += line.size();
    if (partial_.lines.size() >= kMaxReplyLines || bytes_ > kMaxReplyBytes) {
        return fail("reply too long");
    }
    partial_.code = code;
    partial_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
    if (line.size() > 3 && line[3] == '-') return std::optional<SmtpReply>();
    SmtpReply done = std::move(partial_);
    partial_ = {};
    bytes_ = 0;
    return std::optional<SmtpReply>(std::move(done));
}

Capabilities parse_ehlo(const SmtpReply& reply) {
    Capabilities caps;
    caps.esmtp = true;
    // The first line is the greeting (domain); keywords follow, one per line
    // (RFC 5321 §4.1.1.1, rfc5321.txt:1858: ehlo-line = ehlo-keyword *( SP ehlo-param )).
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        auto words = text::split_spaces(reply.lines[i]);
        if (words.empty()) continue;
        std::string keyword = text::to_upper(words[0]);
        if (keyword == "STARTTLS") {
            caps.starttls = true;
        } else if (keyword == "PIPELINING") {
            caps.pipelining = true;
        } else if (keyword == "SIZE") {
            caps.size = true;
            // RFC 1870 §4 (rfc1870.txt:132): "SIZE" [SP number]; 0 or absent = no fixed limit.
            if (words.size() > 1) {
                std::int64_t n = 0;
                auto [p, ec] = std::from_chars(words[1].data(), words[1].data() + words[1].size(), n);
                if (ec == std::errc() && p == words[1].data() + words[1].size() && n > 0) caps.max_size = n;
            }
        } else if (keyword == "8BITMIME") {
            caps.eightbitmime = true;
        } else if (keyword == "SMTPUTF8") {
            caps.smtputf8 = true;
        } else if (keyword == "DSN") {
            caps.dsn = true;
        } else if (keyword == "AUTH") {
            for (std::size_t w = 1; w < words.size(); ++w) {
                if (text::iequals(words[w], "PLAIN")) caps.auth_plain = true;
                if (text::iequals(words[w], "LOGIN")) caps.auth_login = true;
            }
        }
    }
    return caps;
}

}  // namespace mr::deliverd
