// SMTP command lines and their arguments, parsed (RFC 5321 §4.1, rfc5321.txt:1620).
//
// Invariants:
// - Verbs are case-insensitive (rfc5321.txt:1632); unknown verbs become Verb::Unknown, never
//   an error here (the session answers 500 and counts it).
// - parse_mail/parse_rcpt return either the fully validated arguments or the exact reply the
//   session must send: syntax (501), unknown parameter (555, rfc5321.txt:2181), SIZE over the
//   limit (552, RFC 1870 §6.1), non-ASCII without SMTPUTF8 (553 5.6.7, RFC 6531 §3.6).
// - ESMTP values are validated here: SIZE digits, BODY 7BIT/8BITMIME (RFC 6152 §2),
//   RET FULL/HDRS, ENVID and ORCPT as xtext (RFC 3461 §4), NOTIFY NEVER or a list of
//   SUCCESS/FAILURE/DELAY (RFC 3461 §4.1). Stored values are exactly what the queue keeps.
// - Views in Command point into the caller's line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/text/address.hpp"
#include "smtpd/proto/reply.hpp"

namespace mr::smtpd {

enum class Verb { Ehlo, Helo, Mail, Rcpt, Data, Bdat, Rset, Noop, Quit, Vrfy, Expn, Help, Starttls, Auth, Unknown };

struct Command {
    Verb verb = Verb::Unknown;
    std::string_view keyword;  // as spelled by the client
    std::string_view arg;      // after the keyword and its space; trailing spaces removed
};

Command parse_command(std::string_view line);

template <class T>
using Parsed = std::variant<T, Reply>;

struct MailArgs {
    text::Address sender;
    std::optional<std::uint64_t> size;  // SIZE= (RFC 1870)
    bool smtputf8 = false;              // SMTPUTF8 (RFC 6531)
    bool eight_bit = false;             // BODY=8BITMIME (RFC 6152)
    std::string ret;                    // RET=, uppercase, or empty
    std::string envid;                  // ENVID= as received (xtext), or empty
};

struct RcptArgs {
    text::Address recipient;
    std::string notify;  // NOTIFY= uppercased, or empty
    std::string orcpt;   // ORCPT= as received, or empty
};

struct BdatArgs {
    std::uint64_t size = 0;
    bool last = false;
};

// `arg` is what follows "MAIL ", e.g. "FROM:<a@b> SIZE=10".
Parsed<MailArgs> parse_mail(std::string_view arg, std::uint64_t max_size);
// `arg` is what follows "RCPT "; smtputf8 as given on MAIL.
Parsed<RcptArgs> parse_rcpt(std::string_view arg, bool smtputf8);
// "1234" or "1234 LAST" (RFC 3030 §2, rfc3030.txt:140).
std::optional<BdatArgs> parse_bdat(std::string_view arg);

// RFC 3461 §4 (rfc3461.txt:319): xchar / "+" 2 uppercase hex digits.
bool is_xtext(std::string_view text);


}  // namespace mr::smtpd
