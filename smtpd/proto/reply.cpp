#include "smtpd/proto/reply.hpp"

namespace mr::smtpd {

std::string Reply::format() const {
    std::string out = std::to_string(code);
    out += ' ';
    if (!enhanced.empty()) {
        out += enhanced;
        out += ' ';
    }
    out += text;
    out += "\r\n";
    return out;
}

std::string format_multiline(int code, const std::vector<std::string>& lines) {
    std::string out;
    const std::string prefix = std::to_string(code);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += prefix;
        out += i + 1 == lines.size() ? ' ' : '-';
        out += lines[i];
        out += "\r\n";
    }
    return out;
}

std::string printable(std::string_view text, std::size_t max_length) {
    std::string out;
    for (char c : text.substr(0, max_length)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u >= 0x21 && u <= 0x7e) ? c : '?';
    }
    return out;
}

}  // namespace mr::smtpd
