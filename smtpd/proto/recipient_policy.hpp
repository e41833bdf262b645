// Which recipient addresses the inbound (port-25) role refuses before looking anything up.
//
// Invariants:
// - Only a plain `local@domain` reaches the directory. Every spelling that some MTA somewhere
//   would route onward instead of delivering is refused with 554 5.7.1 (no relay, RFC 5321
//   §3.6.1, rfc5321.txt:1298): `%` hacks (user%other@ours), bang paths (other!user@ours),
//   quoted local parts hiding an `@` ("user@other"@ours), address literals (user@[192.0.2.1]),
//   and a domain with a trailing dot (user@ours.), which parse_path refuses as syntax but
//   which some resolvers treat as the same domain.
// - Source routes are dropped by the path parser as RFC 5321 Appendix C says
//   (rfc5321.txt:4788): `@ourhost:user@other` is `user@other`, so it is judged by its final
//   domain like any other address (not ours: relay refused).
// - Case games need no rule: domains are lower-cased by the parser and local parts by the
//   directory, so `USER@OURS.ORG` is the same recipient as `user@ours.org`.
#pragma once

#include <optional>
#include <string_view>

#include "common/text/address.hpp"
#include "smtpd/proto/reply.hpp"

namespace mr::smtpd {

std::optional<Reply> relay_trick(const text::Address& recipient);

// A RCPT argument whose path failed to parse only because its domain ends with ".".
bool is_trailing_dot_path(std::string_view rcpt_arg, bool smtputf8);

Reply relay_denied();

}  // namespace mr::smtpd
