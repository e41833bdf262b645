// One milter conversation for one finished message, on the calling thread, with blocking
// sockets: connect, negotiate, replay the SMTP steps (connect, HELO, MAIL, RCPT, DATA,
// headers, end of headers, body, end of message), collect the end-of-message changes, quit.
//
// Invariants:
// - Every wait (connect, each write, each reply) is bounded by the timeout; SMFIR_PROGRESS
//   restarts the wait for a reply. Nothing here retries.
// - Steps the milter declined at negotiation are not sent and steps it does not answer
//   (the no-reply flags) are not waited for; macros go before each step regardless (the
//   milter does not answer them).
// - A reply that ends the transaction at any step (accept, reject, tempfail, discard, a
//   reply code, connection failure) stops the replay there.
// - The body is sent as stored, in chunks of at most 64 KiB - 1, from memory or from the
//   spool file, so a message of any size costs one chunk of memory.
// - An Error means the milter could not give a verdict (unreachable, timeout, protocol
//   violation): the caller applies its default action.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/milter/header_edits.hpp"
#include "common/milter/milter_codec.hpp"
#include "common/util/result.hpp"

namespace mr::milter {

// "inet:host:port" or "inet6:[addr]:port" (TCP; no Unix sockets).
struct ServerAddress {
    std::string host;
    std::uint16_t port = 0;
};
Result<ServerAddress> parse_server_address(std::string_view spec);

struct Transaction {
    std::string queue_id;
    std::string our_hostname;
    std::string client_ip;
    std::uint16_t client_port = 0;
    std::string helo;
    std::string sender;  // without <>; empty: the null sender
    std::vector<std::string> recipients;
    std::string user;  // logged-in user, or empty
};

struct MessageBytes {
    std::string_view header;  // the header block, with its empty line
    std::string_view body;    // the body, when in memory; else:
    std::filesystem::path file;
    std::uint64_t body_offset = 0;  // the body is file[body_offset, end)
};

struct Outcome {
    enum class Verdict { Accept, Reject, TempFail, Discard };
    Verdict verdict = Verdict::Accept;
    std::optional<ReplyCode> reply;  // the milter's own reply code (Reject / TempFail)
    std::vector<HeaderEdit> edits;
    std::optional<std::string> quarantine;  // reason
    std::string step;                       // where the verdict came ("eom", "rcpt", ...)
    int unrequested = 0;                    // modifications we did not offer, ignored
};

Result<Outcome> run_conversation(const ServerAddress& server, std::chrono::milliseconds timeout,
                                 const Transaction& t, const MessageBytes& message);

}  // namespace mr::milter
