// Vacation replies (RFC 5230) at local delivery: whether one goes out, what it says, and
// the memory of whom we answered.
//
// Invariants:
//  - No reply (RFC 3834 §2, RFC 5230 §4.5 and §4.6) to the null sender <>, to
//    MAILER-DAEMON, owner-*, *-request, LISTSERV or majordomo, to a message with an
//    Auto-Submitted field other than "no", with Precedence bulk, list or junk, or with any
//    List-* field of RFC 2369/2919 (a mailing list), nor when none of the user's addresses
//    (the envelope recipient, the user, :addresses) is in To, Cc, Bcc, Resent-To, Resent-Cc
//    or Resent-Bcc.
//  - One reply per sender and handle per period (:days / :seconds): the state is
//    <user dir>/sieve/.vacation-sent (a dot name, so no script), lines
//    "<expiry> <handle hash> <sender>", expired lines dropped on each write; written by
//    rename, so a crash leaves the old or the new state. deliverd writes it for one user
//    at a time (a user's batches never run in parallel).
//  - The reply: From the user (or :from), To the original sender, Subject :subject or
//    "Auto: " + the original's, Auto-Submitted: auto-replied (RFC 3834 §5),
//    In-Reply-To and References from the original's Message-ID, sent with the null
//    envelope sender <> so it can never cause a bounce loop.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/sieve/interpreter.hpp"
#include "common/sieve/message_view.hpp"
#include "common/util/result.hpp"

namespace mr::deliverd {

struct VacationInput {
    std::string_view sender;     // envelope from, "" for <>
    std::string_view recipient;  // envelope to
    std::string_view user;       // the user's canonical address
};

// Why no reply is due; nullopt when one may go out (still subject to vacation_due()).
std::optional<std::string> vacation_suppressed(const sieve::MessageView& view, const VacationInput& in,
                                               const sieve::VacationAction& v);

// :handle, or the RFC 5230 §4.2 default: the reason, subject, from and mime together.
std::string vacation_handle(const sieve::VacationAction& v);

// True (and recorded) when `sender` has not had a reply for `handle` within the period.
Result<bool> vacation_due(const std::filesystem::path& user_dir, std::string_view handle, std::string_view sender,
                          std::uint64_t period_seconds, std::int64_t now);

// The reply message (CRLF lines), to be queued from <> to in.sender.
std::string compose_vacation_reply(const sieve::MessageView& view, const VacationInput& in,
                                   const sieve::VacationAction& v, std::int64_t now);

}  // namespace mr::deliverd
