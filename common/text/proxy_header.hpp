// The HAProxy PROXY protocol header (versions 1 and 2): what a load balancer in front of a
// listener sends first, naming the client it accepted the connection from. Spec: HAProxy's
// doc/proxy-protocol.txt (§2.1 the text form, §2.2 the binary form).
//
// Invariants:
// - Sans-I/O: ProxyHeaderReader takes the connection's bytes as they arrive (from its first
//   byte) and says NeedMore, Malformed, or Parsed with the header's length; the bytes after
//   it belong to the protocol behind it. It never reads past the header.
// - Framed by a LineBuffer (line_buffer.hpp): v1 is one line (kProxyV1Lines), v2 goes
//   through the byte-count mode (its 16-byte fixed part, then the length that gives). Only
//   the content of each is parsed here.
// - Bounded: a v1 header is at most 107 bytes with its CRLF; a v2 header at most
//   kMaxProxyV2Bytes (16-byte fixed part + length). Longer is Malformed, so a reader holds
//   at most that much before it decides.
// - Fails early: bytes that cannot begin either form are Malformed at once (a client that
//   talks SMTP at a PROXY port is turned away without waiting for more).
// - Addresses come back in the form net::format_address gives a peer ("192.0.2.1",
//   "2001:db8::1"), an IPv4-mapped IPv6 source as its IPv4 address, so limits and logs see
//   one spelling whatever the balancer sent.
// - v2 LOCAL, v1 UNKNOWN and v2 PROXY of family AF_UNSPEC / AF_UNIX give no address: the
//   connection keeps its real endpoints (the spec's rule for each). v2 TLVs are skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/text/line_buffer.hpp"

namespace mr::text {

inline constexpr std::size_t kMaxProxyV1Bytes = 107;
inline constexpr std::size_t kMaxProxyV2Bytes = 16 + 2048;

// §2.1: the v1 line ends with CRLF, a bare LF refuses it; a bare CR is left to the parser
// (only UNKNOWN's ignored rest may hold one). The framing holds the 107 octets less the LF,
// so that a line is refused as soon as it cannot end in time; the parser refuses the one
// that took them all for its content (106 octets and CRLF are 108).
inline constexpr LinePolicy kProxyV1Lines{kMaxProxyV1Bytes - 1, BareLf::Refuse, BareCr::Tolerate};

struct ProxyHeader {
    int version = 0;           // 1 or 2
    bool has_address = false;  // false: keep the connection's real endpoints
    std::string source_ip;     // the client, when has_address
    std::uint16_t source_port = 0;
    std::string dest_ip;  // the address the client connected to (the balancer's)
    std::uint16_t dest_port = 0;
};

struct ProxyNeedMore {};
struct ProxyMalformed {
    std::string reason;  // for the log line
};
struct ProxyParsed {
    ProxyHeader header;
    std::size_t length = 0;  // bytes of input the header took
};
using ProxyParse = std::variant<ProxyNeedMore, ProxyMalformed, ProxyParsed>;

// Reads one header off the start of a connection.
class ProxyHeaderReader {
public:
    ProxyHeaderReader();

    // Consumes header bytes from the front of `input`. On Parsed (length: the header's
    // bytes, from the first), `input` holds what followed the header; after Parsed or
    // Malformed the reader is done and is not fed again.
    ProxyParse feed(std::string_view& input);

private:
    enum class Form : std::uint8_t { Unknown, V1, V2 };
    ProxyParse read_v1(std::string_view& input);
    ProxyParse read_v2(std::string_view& input);

    LineBuffer lines_;
    Form form_ = Form::Unknown;
    std::size_t taken_ = 0;  // bytes of the header consumed so far
    std::string header_;     // v2: the bytes so far (at most kMaxProxyV2Bytes)
};

// The same over bytes in one piece: every byte the connection has received so far.
ProxyParse parse_proxy_header(std::string_view received);

}  // namespace mr::text
