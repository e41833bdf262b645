// SMTP replies as a client reads them, and the EHLO capabilities they announce.
//
// Invariants:
// - A reply is one or more lines "NNN-text" ending with "NNN text" or "NNN"
//   (RFC 5321 §4.2, rfc5321.txt:2597). Every line of
//   one reply carries the same code; anything else is a protocol error, never guessed at.
// - A reply is bounded (kMaxReplyLines, kMaxReplyBytes) so a hostile server cannot make
//   us buffer without limit.
// - Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"

namespace mr::deliverd {

struct SmtpReply {
    int code = 0;                    // 200..599
    std::vector<std::string> lines;  // the text of each line, code and separator removed

    bool positive() const { return code >= 200 && code < 400; }
    bool transient() const { return code >= 400 && code < 500; }
    bool permanent() const { return code >= 500; }
    // "550 5.1.1 no such user" (multi-line text joined with " / "), for logs and DSNs.
    std::string text() const;
};

class SmtpReplyReader {
public:
    static constexpr std::size_t kMaxReplyLines = 128;
    static constexpr std::size_t kMaxReplyBytes = 64 * 1024;

    // One line without its CRLF. Returns the reply once its last line arrives, nullopt
    // while it continues, an error for a malformed line (then the reader is reset).
    Result<std::optional<SmtpReply>> feed(std::string_view line);
    bool in_reply() const { return !partial_.lines.empty(); }

private:
    SmtpReply partial_;
    std::size_t bytes_ = 0;
};

// What an EHLO reply offers (RFC 5321 §4.1.1.1, rfc5321.txt:1841).
struct Capabilities {
    bool esmtp = false;         // EHLO succeeded (false after a HELO fallback)
    bool starttls = false;      // RFC 3207
    bool pipelining = false;    // RFC 2920
    bool size = false;          // RFC 1870
    std::int64_t max_size = 0;  // SIZE limit; 0 = none announced
    bool eightbitmime = false;  // RFC 6152
    bool smtputf8 = false;      // RFC 6531
    bool dsn = false;           // RFC 3461
    bool auth_plain = false;    // RFC 4954 with RFC 4616
    bool auth_login = false;
};

Capabilities parse_ehlo(const SmtpReply& reply);

}  // namespace mr::deliverd
