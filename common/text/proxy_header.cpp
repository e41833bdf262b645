// See proxy_header.hpp. Section numbers are those of HAProxy's doc/proxy-protocol.txt.
#include "common/text/proxy_header.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace mr::text {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
// §2.2: the 12 bytes that open a v2 header; no text protocol starts with them.
constexpr char kV2SignatureBytes[] = "\r\n\r\n\0\r\nQUIT\n";
constexpr std::string_view kV2Signature(kV2SignatureBytes, 12);

ProxyMalformed malformed(std::string reason) { return ProxyMalformed{std::move(reason)}; }

// The address as a peer is shown: IPv4-mapped IPv6 as its IPv4 address.
std::string format_ip(int family, const unsigned char* bytes) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (family == AF_INET6) {
        in6_addr a{};
        std::memcpy(&a, bytes, sizeof a);
        if (IN6_IS_ADDR_V4MAPPED(&a)) return format_ip(AF_INET, bytes + 12);
        inet_ntop(AF_INET6, &a, buf, sizeof buf);
    } else {
        in_addr a{};
        std::memcpy(&a, bytes, sizeof a);
        inet_ntop(AF_INET, &a, buf, sizeof buf);
    }
    return buf;
}

// §2.1: decimal 0-65535, no leading zero.
bool parse_port(std::string_view text, std::uint16_t& out) {
    if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return false;
    unsigned value = 0;
    for (char ch : text) {
        if (ch < '0' || ch > '9') return false;
        value = value * 10 + static_cast<unsigned>(ch - '0');
    }
    if (value > 65535) return false;
    out = static_cast<std::uint16_t>(value);
    return true;
}

bool parse_ip(int family, std::string_view text, std::string& out) {
    unsigned char bytes[16] = {};
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return false;
    const std::string z(text);
    if (inet_pton(family, z.c_str(), bytes) != 1) return false;
    out = format_ip(family, bytes);
    return true;
}

std::vector<std::string_view> split_spaces(std::string_view line) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t sp = line.find(' ', start);
        parts.push_back(line.substr(start, sp == std::string_view::npos ? sp : sp - start));
        if (sp == std::string_view::npos) return parts;
        start = sp + 1;
    }
}

// §2.1: "PROXY" SP ( "TCP4" | "TCP6" ) SP src SP dst SP sport SP dport CRLF, or
// "PROXY UNKNOWN" followed by anything up to CRLF. `line`: the header without its CRLF.
ProxyParse parse_v1(std::string_view line) {
    if (line.size() > kMaxProxyV1Bytes - 2) return malformed("v1 header longer than 107 bytes");
    const auto parts = split_spaces(line);
    ProxyParsed parsed;
    parsed.header.version = 1;
    if (parts.size() >= 2 && parts[1] == "UNKNOWN") return parsed;  // §2.1: the rest is ignored
    if (parts.size() < 2 || (parts[1] != "TCP4" && parts[1] != "TCP6")) {
        return malformed("v1 protocol is not TCP4, TCP6 or UNKNOWN");
    }
    if (parts.size() != 6) return malformed("v1 header needs 4 fields after " + std::string(parts[1]));
    const int family = parts[1] == "TCP4" ? AF_INET : AF_INET6;
    ProxyHeader& h = parsed.header;
    if (!parse_ip(family, parts[2], h.source_ip) || !parse_ip(family, parts[3], h.dest_ip)) {
        return malformed("v1 address is not " + std::string(family == AF_INET ? "IPv4" : "IPv6"));
    }
    if (!parse_port(parts[4], h.source_port) || !parse_port(parts[5], h.dest_port)) {
        return malformed("v1 port is not 0-65535");
    }
    h.has_address = true;
    return parsed;
}

std::uint16_t be16(const unsigned char* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

// §2.2: signature (12), version and command (1), family and transport (1), length (2,
// network order), then `length` bytes: the address block and TLVs. `fixed`: the first 16
// bytes; the length of the rest, or why the header is refused.
std::variant<std::size_t, ProxyMalformed> v2_length(std::string_view fixed) {
    const auto* b = reinterpret_cast<const unsigned char*>(fixed.data());
    if ((b[12] >> 4) != 2) return malformed("v2 version is not 2");
    if ((b[12] & 0x0f) > 1) return malformed("v2 command is not LOCAL or PROXY");
    const std::size_t length = be16(b + 14);
    if (16 + length > kMaxProxyV2Bytes) return malformed("v2 header longer than " + std::to_string(kMaxProxyV2Bytes) + " bytes");
    return length;
}

// `header`: the whole v2 header, its fixed part accepted by v2_length().
ProxyParse parse_v2(std::string_view header) {
    const auto* b = reinterpret_cast<const unsigned char*>(header.data());
    const unsigned command = b[12] & 0x0f;
    const std::size_t length = header.size() - 16;
    ProxyParsed parsed;
    parsed.header.version = 2;
    // §2.2: LOCAL (a health check of the balancer itself) keeps the real endpoints, whatever
    // the family byte says.
    if (command == 0) return parsed;
    const unsigned family = b[13] >> 4;
    const unsigned transport = b[13] & 0x0f;
    if (family == 0 || family == 3) return parsed;  // AF_UNSPEC, AF_UNIX: nothing to use
    if (family != 1 && family != 2) return malformed("v2 address family is unknown");
    if (transport != 1) return malformed("v2 transport is not STREAM");
    const std::size_t ip_len = family == 1 ? 4 : 16;
    if (length < 2 * ip_len + 4) return malformed("v2 address block shorter than its family needs");
    const unsigned char* a = b + 16;
    const int af = family == 1 ? AF_INET : AF_INET6;
    ProxyHeader& h = parsed.header;
    h.source_ip = format_ip(af, a);
    h.dest_ip = format_ip(af, a + ip_len);
    h.source_port = be16(a + 2 * ip_len);
    h.dest_port = be16(a + 2 * ip_len + 2);
    h.has_address = true;
    return parsed;  // TLVs after the address block are skipped
}

// Whether `received` could still become `prefix` (it is a prefix of it, or starts with it).
bool could_be(std::string_view received, std::string_view prefix) {
    const std::size_t n = std::min(received.size(), prefix.size());
    return received.substr(0, n) == prefix.substr(0, n);
}

}  // namespace

ProxyHeaderReader::ProxyHeaderReader() : lines_(kProxyV1Lines) {}

ProxyParse ProxyHeaderReader::feed(std::string_view& input) {
    if (form_ == Form::Unknown) {
        if (input.empty()) return ProxyNeedMore{};
        if (input.front() == kV2Signature.front()) {
            form_ = Form::V2;
            (void)lines_.expect_raw(16);  // at the first byte: a line boundary
        } else {
            form_ = Form::V1;
        }
    }
    // Fails early: each byte of the signature or of "PROXY " is checked as it arrives.
    const std::string_view opening = form_ == Form::V2 ? kV2Signature : kV1Prefix;
    if (taken_ < opening.size() && !could_be(input, opening.substr(taken_)))
        return malformed("no PROXY protocol header");
    return form_ == Form::V2 ? read_v2(input) : read_v1(input);
}

ProxyParse ProxyHeaderReader::read_v1(std::string_view& input) {
    const std::size_t before = input.size();
    const LineEvent event = lines_.next(input);
    taken_ += before - input.size();
    if (const auto* line = std::get_if<Line>(&event)) {
        ProxyParse result = parse_v1(line->text);
        if (auto* parsed = std::get_if<ProxyParsed>(&result)) parsed->length = taken_;
        return result;
    }
    if (std::holds_alternative<RefusedLine>(event)) return malformed("v1 header not ended by CRLF");
    if (std::holds_alternative<LineTooLong>(event)) return malformed("v1 header longer than 107 bytes");
    return ProxyNeedMore{};
}

ProxyParse ProxyHeaderReader::read_v2(std::string_view& input) {
    while (true) {
        const std::size_t before = input.size();
        const LineEvent event = lines_.next(input);
        taken_ += before - input.size();
        const auto* chunk = std::get_if<RawChunk>(&event);
        if (!chunk) return ProxyNeedMore{};
        header_.append(chunk->bytes);
        if (!chunk->last) continue;
        if (header_.size() == 16) {
            const auto length = v2_length(header_);
            if (const auto* bad = std::get_if<ProxyMalformed>(&length)) return *bad;
            if (std::get<std::size_t>(length) > 0) {
                (void)lines_.expect_raw(std::get<std::size_t>(length));  // after a block: a line boundary
                continue;
            }
        }
        ProxyParse result = parse_v2(header_);
        if (auto* parsed = std::get_if<ProxyParsed>(&result)) parsed->length = taken_;
        return result;
    }
}

ProxyParse parse_proxy_header(std::string_view received) {
    ProxyHeaderReader reader;
    return reader.feed(received);
}

}  // namespace mr::text
