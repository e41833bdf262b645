#include "common/milter/milter_codec.hpp"

#include <cctype>

namespace mr::milter {

namespace {

void put_u32(std::string& out, std::uint32_t v) {
    out.push_back(static_cast<char>((v >> 24) & 0xff));
    out.push_back(static_cast<char>((v >> 16) & 0xff));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
    out.push_back(static_cast<char>(v & 0xff));
}

std::uint32_t get_u32(std::string_view s) {
    const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[i])); };
    return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

// A C string of the protocol: NUL-free text, then NUL.
void put_string(std::string& out, std::string_view s) {
    for (char c : s) out.push_back(c == '\0' ? ' ' : c);
    out.push_back('\0');
}

// The next NUL-terminated field of `data` from `pos`, or nullopt when it is unterminated.
std::optional<std::string> take_string(std::string_view data, std::size_t& pos) {
    const auto nul = data.find('\0', pos);
    if (nul == std::string_view::npos) return std::nullopt;
    std::string s(data.substr(pos, nul - pos));
    pos = nul + 1;
    return s;
}

bool is_ipv6(std::string_view ip) { return ip.find(':') != std::string_view::npos; }

// Header names from a milter end up in our stored message: printable ASCII but ':'.
bool valid_header_name(std::string_view name) {
    if (name.empty() || name.size() > 998) return false;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126 || c == ':') return false;
    }
    return true;
}

Result<Response> header_change(Response r, std::string_view data, bool indexed) {
    std::size_t pos = 0;
    if (indexed) {
        if (data.size() < 4) return Error::syntax("milter header change: no index");
        r.index = get_u32(data);
        pos = 4;
    }
    auto name = take_string(data, pos);
    auto value = name ? take_string(data, pos) : std::nullopt;
    if (!value) return Error::syntax("milter header change: unterminated name or value");
    if (!valid_header_name(*name)) return Error::syntax("milter header change: bad header name");
    r.name = std::move(*name);
    r.value = std::move(*value);
    return r;
}

bool is_digits(std::string_view s) {
    if (s.empty() || s.size() > 3) return false;
    for (char c : s) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
}

// "5.7.1": class digit, then 1-3 digits, then 1-3 digits (RFC 3463 §2).
bool is_enhanced(std::string_view s, char klass) {
    if (s.size() < 5 || s[0] != klass || s[1] != '.') return false;
    const auto dot = s.find('.', 2);
    if (dot == std::string_view::npos) return false;
    return is_digits(s.substr(2, dot - 2)) && is_digits(s.substr(dot + 1));
}

}  // namespace

std::string packet(char command, std::string_view data) {
    std::string out;
    out.reserve(5 + data.size());
    put_u32(out, static_cast<std::uint32_t>(data.size() + 1));
    out.push_back(command);
    out.append(data);
    return out;
}

std::string optneg_packet(std::uint32_t actions, std::uint32_t protocol_flags) {
    std::string d;
    put_u32(d, kVersion);
    put_u32(d, actions);
    put_u32(d, protocol_flags);
    return packet(command::kOptNeg, d);
}

std::string macro_packet(char for_command, const Macros& macros) {
    std::string d(1, for_command);
    for (const auto& [name, value] : macros) {
        put_string(d, name);
        put_string(d, value);
    }
    return packet(command::kMacro, d);
}

std::string connect_packet(std::string_view host, std::string_view ip, std::uint16_t port) {
    std::string d;
    put_string(d, host);
    d.push_back(is_ipv6(ip) ? '6' : '4');
    d.push_back(static_cast<char>(port >> 8));
    d.push_back(static_cast<char>(port & 0xff));
    put_string(d, ip);
    return packet(command::kConnect, d);
}

std::string helo_packet(std::string_view helo) {
    std::string d;
    put_string(d, helo);
    return packet(command::kHelo, d);
}

std::string mail_packet(std::string_view sender) {
    std::string d;
    put_string(d, "<" + std::string(sender) + ">");
    return packet(command::kMail, d);
}

std::string rcpt_packet(std::string_view recipient) {
    std::string d;
    put_string(d, "<" + std::string(recipient) + ">");
    return packet(command::kRcpt, d);
}

std::string header_packet(std::string_view name, std::string_view value) {
    std::string d;
    put_string(d, name);
    put_string(d, value);
    return packet(command::kHeader, d);
}

std::string body_packet(std::string_view chunk) { return packet(command::kBody, chunk.substr(0, kMaxBodyChunk)); }

Result<std::optional<Packet>> PacketReader::next() {
    if (buffer_.size() < 4) return std::optional<Packet>();
    const std::uint32_t length = get_u32(buffer_);
    if (length == 0 || length > kMaxPacket) {
        return Error::syntax("milter packet length " + std::to_string(length) + " out of range");
    }
    if (buffer_.size() < 4 + std::size_t{length}) return std::optional<Packet>();
    Packet p;
    p.command = buffer_[4];
    p.data = buffer_.substr(5, length - 1);
    buffer_.erase(0, 4 + std::size_t{length});
    return std::optional<Packet>(std::move(p));
}

Result<Negotiation> parse_optneg(std::string_view data) {
    if (data.size() < 12) return Error::syntax("milter OPTNEG reply shorter than 12 bytes");
    return Negotiation{get_u32(data), get_u32(data.substr(4)), get_u32(data.substr(8))};
}

Result<Negotiation> agree(const Negotiation& offered, const Negotiation& answer) {
    // libmilter answers with its own version (2 to 6); below 2 there were no options.
    if (answer.version < 2 || answer.version > offered.version) {
        return Error::syntax("milter protocol version " + std::to_string(answer.version) + " not supported");
    }
    return Negotiation{answer.version, answer.actions & offered.actions, answer.protocol_flags & offered.protocol_flags};
}

Result<ReplyCode> parse_reply_code(std::string_view text) {
    ReplyCode r;
    bool first = true;
    while (!text.empty()) {
        auto eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() && text.empty()) break;
        if (line.size() < 3 || !is_digits(line.substr(0, 3))) return Error::syntax("milter reply code without a code");
        const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (code < 400 || code > 599) return Error::syntax("milter reply code " + std::to_string(code) + " not 4xx/5xx");
        if (!first && code != r.code) return Error::syntax("milter reply code changes between lines");
        if (line.size() > 3 && line[3] != ' ' && line[3] != '-') return Error::syntax("milter reply code malformed");
        std::string_view rest = line.size() > 4 ? line.substr(4) : std::string_view();
        const auto sp = rest.find(' ');
        const std::string_view word = rest.substr(0, sp);
        std::string enhanced;
        if (is_enhanced(word, line[0])) {
            enhanced = std::string(word);
            rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
        }
        if (first) {
            r.code = code;
            r.enhanced = std::move(enhanced);
        }
        if (!rest.empty()) {
            if (!r.text.empty()) r.text += ' ';
            r.text += rest;
        }
        first = false;
    }
    if (first) return Error::syntax("milter reply code empty");
    return r;
}

Result<Response> parse_response(const Packet& p) {
    Response r;
    r.command = p.command;
    using K = Response::Kind;
    switch (p.command) {
    case 'a': r.kind = K::Accept; return r;
    case 'c': r.kind = K::Continue; return r;
    case 'r': r.kind = K::Reject; return r;
    case 't': r.kind = K::TempFail; return r;
    case 'd': r.kind = K::Discard; return r;
    case 'p': r.kind = K::Progress; return r;
    case 'l': r.kind = K::Skip; return r;
    case 'f': r.kind = K::ConnFail; return r;
    case 's': r.kind = K::ConnFail; return r;  // SMFIR_SHUTDOWN: the same for one message
    case 'y': {
        std::size_t pos = 0;
        auto text = take_string(p.data, pos);
        if (!text) return Error::syntax("milter reply code unterminated");
        auto code = parse_reply_code(*text);
        if (!code) return code.error();
        r.kind = K::ReplyCode;
        r.reply = std::move(*code);
        return r;
    }
    case 'h': r.kind = K::AddHeader; return header_change(std::move(r), p.data, false);
    case 'i': r.kind = K::InsHeader; return header_change(std::move(r), p.data, true);
    case 'm': r.kind = K::ChgHeader; return header_change(std::move(r), p.data, true);
    case 'q': {
        std::size_t pos = 0;
        auto reason = take_string(p.data, pos);
        r.kind = K::Quarantine;
        r.reason = reason ? std::move(*reason) : std::string(p.data);
        return r;
    }
    case 'O': {
        auto n = parse_optneg(p.data);
        if (!n) return n.error();
        r.kind = K::OptNeg;
        r.negotiation = *n;
        return r;
    }
    case '+': case '-': case '2': case 'e': case 'b':
        r.kind = K::Unrequested;
        return r;
    default:
        return Error::syntax("unknown milter response '" + std::string(1, std::isprint(static_cast<unsigned char>(p.command)) ? p.command : '?') + "'");
    }
}

}  // namespace mr::milter
