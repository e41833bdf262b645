// Server side of the SASL mechanisms PLAIN (RFC 4616) and LOGIN, sans-I/O.
//
// The protocol layer (SMTP AUTH RFC 4954, POP3 AUTH RFC 5034, IMAP
// AUTHENTICATE) frames lines; this class only sees the base64 text of the
// initial response and of each client line, and answers with the next
// server challenge (base64, to be sent as "334 <text>" / "+ <text>"), the
// decoded credentials, or a failure. Invariants:
//  - Every client line must be strict base64 (RFC 4954 §4, rfc4954.txt:235:
//    undecodable input is rejected with 501, never ignored): padding
//    required, no whitespace, nothing after the padding.
//  - "*" as a client line aborts (rfc4954.txt:193): Failed{is_abort = true}.
//    As an initial response "*" is simply not base64 (rfc4954.txt:735).
//  - "=" as initial response means "present but empty" (rfc4954.txt:216).
//  - A decoded response longer than kMaxSaslResponse bytes fails without
//    being decoded: a client cannot make us allocate more than that.
//  - The password lives only in the Done value handed out; the decoded
//    buffers it came from are wiped with sodium_memzero. The caller should
//    secure_wipe() Done::password once the hash check is over, and never log
//    client lines of an exchange.
//  - After Done or Failed the exchange is over: further steps fail.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/util/result.hpp"

namespace mr::text {

constexpr std::size_t kMaxSaslResponse = 1024;

struct SaslChallenge {
    std::string base64;  // may be empty: the "334 " empty challenge
};
struct SaslDone {
    std::string authzid;  // empty: derive it from authcid (RFC 4616 §2)
    std::string authcid;
    std::string password;
};
struct SaslFailed {
    std::string reason;     // safe to log: never contains client data
    bool is_abort = false;  // the client sent "*"
};
using SaslStep = std::variant<SaslChallenge, SaslDone, SaslFailed>;

class SaslServer {
public:
    enum class Mechanism { Plain, Login };

    // RFC 4422 §3.1 (rfc4422.txt:428) spells names in uppercase; any case is
    // accepted since clients type "auth plain". Unknown names are
    // Refused (SMTP 504, rfc4954.txt:179).
    static Result<SaslServer> create(std::string_view mechanism);

    SaslServer(SaslServer&& other) noexcept;
    SaslServer& operator=(SaslServer&& other) noexcept;
    SaslServer(const SaslServer&) = delete;
    SaslServer& operator=(const SaslServer&) = delete;
    ~SaslServer();

    Mechanism mechanism() const { return mechanism_; }
    bool finished() const { return state_ == State::Finished; }

    // Begins the exchange; `initial_response` is the base64 argument of
    // "AUTH <mech> <initial-response>", if the client sent one.
    SaslStep start(std::optional<std::string_view> initial_response = std::nullopt);
    // One client line (base64, or "*"), after a challenge.
    SaslStep step(std::string_view client_line);

private:
    enum class State { New, AwaitPlain, AwaitLoginUser, AwaitLoginPassword, Finished };

    explicit SaslServer(Mechanism m) : mechanism_(m) {}
    SaslStep on_plain(std::string& message);
    SaslStep on_login_user(std::string& user);
    SaslStep on_login_password(std::string& password);
    SaslStep fail(std::string reason, bool is_abort = false);

    Mechanism mechanism_;
    State state_ = State::New;
    std::string login_user_;  // LOGIN only, between the two challenges
};

// Strict base64 (original alphabet, padded) via libsodium.
Result<std::string> base64_decode(std::string_view text, std::size_t max_decoded);
std::string base64_encode(std::string_view bytes);

// Overwrites the whole buffer (capacity, not just size) and empties it.
void secure_wipe(std::string& secret);

}  // namespace mr::text
