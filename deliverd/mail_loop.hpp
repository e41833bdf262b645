// Mail loop detection and the trace headers local delivery adds.
//
// Invariants:
// - Only the header block is read (up to the first empty line); a message without
//   one is treated as all header, never as an error.
// - More than kMaxReceived Received: fields, or a Delivered-To: equal to the target
//   address (compared case-insensitively), means the message is looping: it is
//   bounced instead of being delivered again. RFC 5321 §6.3 (rfc5321.txt:4065)
//   suggests a threshold of 100 for relays; the issue asks for 30 at final
//   delivery, where a loop usually means a forwarding alias pointing back.
// - The added headers go on top, before the existing ones, like all trace
//   information (RFC 5321 §4.4, rfc5321.txt:3156).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mr::deliverd {

inline constexpr std::size_t kMaxReceived = 30;

struct TraceSummary {
    std::size_t received = 0;
    std::vector<std::string> delivered_to;  // lower-cased addresses
};

TraceSummary scan_trace_headers(std::string_view message);

// A reason ("too many Received: headers (31)", "Delivered-To: x already present")
// when delivering `message` to `target` would continue a loop; nullopt otherwise.
std::optional<std::string> loop_reason(const TraceSummary& trace, std::string_view target);

// "Return-Path: <sender>\r\nDelivered-To: target\r\n" (RFC 5321 §4.4, rfc5321.txt:3300).
std::string trace_prefix(std::string_view sender, std::string_view target);

}  // namespace mr::deliverd
