// The HAProxy PROXY protocol header (versions 1 and 2): what a load balancer in front of a
// listener sends first, naming the client it accepted the connection from. Spec: HAProxy's
// doc/proxy-protocol.txt (§2.1 the text form, §2.2 the binary form).
//
// Invariants:
// - Sans-I/O: parse_proxy_header() looks at the bytes received so far (from the first byte
//   of the connection) and says NeedMore, Malformed, or Parsed with the header's length;
//   the bytes after it belong to the protocol behind it. It never reads past the header.
// - Bounded: a v1 header is at most 107 bytes with its CRLF; a v2 header at most
//   kMaxProxyV2Bytes (16-byte fixed part + length). Longer is Malformed, so a caller holds
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

namespace mr::text {

inline constexpr std::size_t kMaxProxyV1Bytes = 107;
inline constexpr std::size_t kMaxProxyV2Bytes = 16 + 2048;

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

// `received`: every byte the connection has received so far, from its first.
ProxyParse parse_proxy_header(std::string_view received);

}  // namespace mr::text
