// Session: the SMTP protocol core, sans-I/O (DESIGN.md "Protocol cores are sans-I/O").
//
// The server glue feeds it the bytes read from the connection and the results of the work
// it asked for; it returns Actions: bytes to send and work to do (look up a sender or a
// recipient, check a password, enqueue a message, start TLS, wait, hang up). It frames the
// input itself (text::LineBuffer for commands and BDAT counts; for DATA text::DotUnstuffer,
// a LineBuffer under text::kDataLines plus the dot rule), so unit tests drive it byte by
// byte with any chunking.
//
// Invariants:
// - Input is processed strictly in order. While an asynchronous action is outstanding
//   (busy()), later input is kept, unprocessed, and resumes when the result is handed back:
//   pipelined commands (RFC 2920) are answered in order, one reply each.
// - The end of DATA is CR LF "." CR LF and nothing else (text::DotUnstuffer). Smuggling
//   policy: a message whose data contains a bare CR or bare LF is refused with 554 5.6.0 after
//   the real end of data, and so is one with a line over 998 octets or over the size limit
//   (552 5.3.4); the session stays usable. So no byte sequence other than CRLF.CRLF can end a
//   message, and no message that another MTA might split differently is ever accepted. The
//   same checks apply to BDAT content (ChunkInspector), which may be relayed later by DATA.
// - 250 after the data is sent only from on_enqueued() with a queue id, i.e. once the glue
//   reports the message durable. A session that ends before that (hang-up mid-DATA) has
//   asked for nothing to be queued.
// - After STARTTLS the session forgets everything (RFC 3207 §4.2, rfc3207.txt:222): EHLO,
//   transaction, buffered input.
// - Submission role: no MAIL before AUTH (530 5.7.0), AUTH only over TLS unless plaintext is
//   allowed (530 5.7.0, RFC 3207 / RFC 4954 §4), MAIL FROM only for addresses the user owns
//   (553 5.7.1), and, unless [submission] allow_any_from, every From: header address owned
//   by the user too (553 5.7.1 after the data, nothing queued; the same ownership rule,
//   Directory::may_send_as). Inbound role: no AUTH, recipients only in our domains (554 5.7.1).
// - Limits: recipients per message (452 4.5.3), errors per session and commands without a
//   transaction (then 421 and hang up), failed logins (growing delay, then 421).
// - Quota: a local user whose mailbox is at or over quota is refused at RCPT (452 4.2.2,
//   the transaction goes on); a message larger than the room left to any local recipient
//   is refused after the data (552 5.2.2) and nothing is queued. deliverd checks again at
//   delivery (the room may shrink meanwhile), so this only spares a queue entry and a bounce.
// - Passwords pass through VerifyPassword only; nothing here logs them.
// - Bounded memory per message (issue: a few hundred large or slow messages pinned GiBs):
//   a message is kept in memory only up to options.spool_threshold octets. Past that, the
//   session hands its bytes, in order and exactly once, to the glue in SpoolAppend actions
//   (the first one carries SpoolStart: what the glue writes before them) and keeps in
//   memory only the header section, up to the threshold, for the From: check and the
//   submission fix-ups; Enqueue then says `spooled`. Why actions rather than a sink
//   interface the core calls: an append is blocking I/O, so it is asynchronous work like a
//   lookup: the session waits (busy) until on_spooled(), which is also the back-pressure
//   that keeps the next bytes unread in the socket, and it stays testable byte by byte.
//   A message that will not be queued after spooling began (refused, RSET, EHLO, a
//   failed append, the data deadline) gets one SpoolDiscard; a session that just ends
//   leaves the spool to the glue, which discards it with the connection.
// - Checks on the data are the same whether or not it was spooled: they run on the stream
//   (DotUnstuffer, ChunkInspector), the size is counted, the quota compares sizes, and the
//   From: check reads the kept header section. A submission message whose header section
//   does not end within spool_threshold octets is refused (553 5.7.1) when From: is
//   checked: a From: past that point could not be seen.
// - Data deadline: from DATA (or the first BDAT) to the end of data, at most
//   options.data_deadline, and after options.data_rate_grace at least data_min_rate octets
//   a second on average; otherwise 421 4.4.2 (RFC 3463 X.4.2), nothing queued, session
//   closed. The time comes from the caller (on_bytes with `now`, on_tick), never a clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/text/message_data.hpp"
#include "common/text/line_buffer.hpp"
#include "common/text/sasl.hpp"
#include "common/util/result.hpp"
#include "smtpd/proto/chunk_inspector.hpp"
#include "smtpd/proto/command.hpp"
#include "smtpd/proto/reply.hpp"
#include "smtpd/proto/trace.hpp"

namespace mr::smtpd {

// RFC 5321 §4.5.3.1.4 (rfc5321.txt:3500) sets 512 octets with CRLF, and extensions raise it:
// SIZE +26 (RFC 1870), DSN ENVID/ORCPT/NOTIFY/RET +636 (RFC 3461 §5.4), SMTPUTF8 +10,
// AUTH= +500 (RFC 4954 §5). 2048 covers them all.
inline constexpr std::size_t kMaxCommandLine = 2048 - 2;
// RFC 4954 §4 (rfc4954.txt:253): 12288 octets for AUTH and SASL responses.
inline constexpr std::size_t kMaxAuthLine = 12288 - 2;
// RFC 5321 §4.5.3.1.6: the text line limit of DATA and BDAT content (message_data.hpp).
using text::kMaxTextLine;
// Command and SASL lines (line_buffer.hpp): AUTH's limit, since one buffer frames both;
// a bare LF ends a command as CRLF would, and a bare CR reaches handle_line(), which
// answers 500 for a command (RFC 5321 §2.3.8, rfc5321.txt:763).
inline constexpr text::LinePolicy kCommandLines{kMaxAuthLine, text::BareLf::Tolerate,
                                                text::BareCr::Tolerate};

enum class Role { Inbound, Submission };

struct EnvelopeRecipient {
    std::string address;  // canonical local@domain
    std::string notify;   // RFC 3461 NOTIFY, or empty
    std::string orcpt;    // RFC 3461 ORCPT, or empty
};

struct Envelope {
    std::string sender;  // "" = null reverse-path
    std::vector<EnvelopeRecipient> recipients;
    std::string ret;    // RFC 3461 RET
    std::string envid;  // RFC 3461 ENVID
};

enum class RecipientKind { Local, Unknown, Remote };

struct RecipientCheck {
    RecipientKind kind = RecipientKind::Unknown;
    // A local user with a quota: bytes left before reaching it (0: full). nullopt: no quota.
    std::optional<std::uint64_t> quota_room;
};

// --- actions ---------------------------------------------------------------------------
struct Send {
    std::string bytes;  // complete reply lines
};
struct StartTls {};  // after the Send of "220": Connection::start_tls()
struct CheckSender {
    std::string user;
    std::string address;
};  // -> on_sender_checked(true = the user owns it)
struct CheckRecipient {
    std::string address;
};  // -> on_recipient_checked
// Submission: may `user` use each address of the message's From: header?
struct CheckHeaderFrom {
    std::string user;
    std::vector<std::string> addresses;
};  // -> on_header_from_checked(the first address not owned, or "" when all are)
struct VerifyPassword {
    std::string user;
    std::string password;  // wipe after use
};  // -> on_password_checked, or on_password_busy if the check was refused unrun
struct Enqueue {
    Envelope envelope;
    std::string message;  // as received, without the headers we add; empty when spooled
    TraceInfo trace;
    bool submission = false;  // add Date / Message-ID when missing
    // The message is the spool's content (SpoolAppend), complete: queue that file.
    bool spooled = false;
};  // -> on_enqueued(queue id)
// The first append of a spooled message: the glue picks the queue id and writes the trace
// fields smtpd adds (Received:, and for submission the missing Date / Message-ID) first,
// since the spool becomes the queued file as it is.
struct SpoolStart {
    TraceInfo trace;
    bool submission = false;
    MissingHeaders missing;  // nothing missing when the header section was too long to tell
};
struct SpoolAppend {
    std::string bytes;  // the next message bytes, in order
    std::optional<SpoolStart> start;
};  // -> on_spooled
struct SpoolDiscard {};  // the spooled message will not be queued: remove its file
struct Delay {
    std::chrono::milliseconds duration{};
};
// A failed login, before its 535: the server counts it (storage/login_failures.hpp) and
// waits the delay the policy gives (common/text/login_policy.hpp) before answering.
struct AuthFailed {
    std::string user;
};
struct LoggedIn {
    std::string user;
};
// One log line the glue writes with its connection id (warn when `warning`).
struct LogEvent {
    std::string event;
    std::vector<std::pair<std::string, std::string>> fields;
    bool warning = false;
};
struct Close {};  // flush and hang up
// A recipient refused for a reason /metrics counts ("relay", "unknown_user").
struct Rejected {
    std::string reason;
};
using Action = std::variant<Send, StartTls, CheckSender, CheckRecipient, CheckHeaderFrom, VerifyPassword, Enqueue,
                            SpoolAppend, SpoolDiscard, Delay, AuthFailed, LoggedIn, LogEvent, Close, Rejected>;
using Clock = std::chrono::steady_clock;
using Actions = std::vector<Action>;

struct SessionOptions {
    std::string hostname = "localhost";
    std::string peer_ip = "127.0.0.1";
    Role role = Role::Inbound;
    bool tls_available = false;  // STARTTLS may be offered
    bool tls_active = false;     // implicit TLS (submissions)
    std::string tls_version;     // with tls_active
    std::string tls_cipher;
    bool plaintext_auth_allowed = false;  // [auth] allow_plaintext_on_loopback and a loopback peer
    // Submission listeners unless [submission] allow_any_from: an authenticated user's
    // message must name only addresses the user owns in From:.
    bool check_header_from = false;
    std::uint64_t max_message_size = 50 * 1024 * 1024;
    std::size_t max_recipients = 100;
    unsigned max_commands_without_transaction = 100;
    unsigned max_errors = 20;
    unsigned max_auth_failures = 3;
    // [smtp] spool_threshold_bytes: message octets kept in memory before spooling.
    std::size_t spool_threshold = 256 * 1024;
    // [smtp] data_deadline_s and data_min_rate_bytes_s (0: no minimum rate).
    std::chrono::seconds data_deadline{600};
    std::uint64_t data_min_rate = 1024;
    std::chrono::seconds data_rate_grace{30};
};

class Session {
public:
    explicit Session(SessionOptions options);

    Actions start();
    // Instead of start(): the client is refused before its greeting (a DNS blocklist
    // lists it). The greeting is "554 5.7.1 <reason>", every command but QUIT gets 503,
    // QUIT closes (RFC 5321 §3.1, rfc5321.txt:959).
    Actions start_refused(std::string reason);
    // `now` is any monotonic time; the one-argument form keeps the last time given.
    Actions on_bytes(std::string_view bytes, Clock::time_point now);
    Actions on_bytes(std::string_view bytes);
    // Checks the data deadline and rate (call it at next_data_check()).
    Actions on_tick(Clock::time_point now);
    // The result of the SpoolAppend outstanding.
    Actions on_spooled(const Result<void>& written);
    Actions on_tls_ready(std::string tls_version, std::string tls_cipher);
    Actions on_sender_checked(const Result<bool>& owned);
    Actions on_recipient_checked(const Result<RecipientCheck>& check);
    Actions on_header_from_checked(const Result<std::string>& not_owned);
    Actions on_password_checked(const Result<bool>& verdict);
    // The server refused to run the check (too many at once, password_checker.hpp): a
    // temporary failure, not a wrong password, so no failure is counted and no delay added.
    Actions on_password_busy();
    // The password was right but the user already has its maximum of logged-in connections
    // from this address (the glue's connection limits): the login is refused and the session
    // stays unauthenticated; not a failed login either.
    Actions on_login_limited();
    Actions on_enqueued(const Result<std::string>& queue_id);
    // Instead of on_enqueued: the glue's checks of the finished message (SPF/DMARC policy,
    // smtpd/server/mail_auth.hpp) refused it; `reply` is the answer to the DATA / last BDAT
    // (5xx refused, 4xx try later) and nothing was queued.
    Actions on_message_refused(const Reply& reply);
    Actions on_timeout();
    Actions on_shutdown();

    bool busy() const { return busy_; }
    bool closed() const { return closed_; }
    // Inside DATA or a BDAT chunk: the glue applies the data timeout (RFC 5321 §4.5.3.2).
    bool in_data() const { return mode_ == Mode::Data || mode_ == Mode::Bdat; }
    bool inbound() const { return options_.role == Role::Inbound; }
    // While a message's data is arriving: when on_tick() should next run.
    std::optional<Clock::time_point> next_data_check() const;
    bool in_transaction() const { return tx_.has_value(); }
    const std::string& user() const { return user_; }
    std::size_t buffered_input() const { return input_.size() - input_pos_; }

private:
    enum class Mode { Command, Data, Bdat, Sasl, Blocked };
    struct Transaction {
        MailArgs mail;
        std::vector<EnvelopeRecipient> recipients;
        bool used_bdat = false;
        std::uint64_t received = 0;  // BDAT octets so far
        bool too_big = false;
        // Accepted RCPT commands, duplicates included: the recipient limit counts commands,
        // or one address repeated would cost a lookup each without ever reaching it.
        std::size_t accepted_rcpts = 0;
        // The smallest quota room among the local recipients, and whose it is.
        std::optional<std::uint64_t> quota_room;
        std::string quota_rcpt;
        // Spooling: the header section did not end within the threshold and From: is
        // checked (refused at the end), or an append failed (451 at the end). Either way
        // the rest of the data is only counted and checked, not kept.
        bool header_overflow = false;
        bool spool_failed = false;
    };
    struct BdatChunk {
        std::uint64_t size = 0;
        bool last = false;
        std::optional<Reply> refusal;  // consumed and discarded, then this reply
    };

    void process(Actions& out);
    void handle_line(const text::Line& line, Actions& out);
    void handle_too_long(Actions& out);
    void dispatch(const Command& cmd, Actions& out);

    // session.cpp: replies, greeting, EHLO, small commands
    void send(Actions& out, std::string bytes);
    void reply(Actions& out, const Reply& r, std::string_view command = {});
    std::string refusal_;  // start_refused: the reason every command is answered 503
    void close(Actions& out);
    void ehlo(const Command& cmd, Actions& out);
    bool count_junk(Actions& out);
    void reset_transaction();

    // session_mail.cpp: MAIL, RCPT, DATA, BDAT, enqueue
    void mail(const Command& cmd, Actions& out);
    void rcpt(const Command& cmd, Actions& out);
    void data(const Command& cmd, Actions& out);
    void bdat(const Command& cmd, Actions& out);
    void bdat_bytes(std::string_view bytes, bool last, Actions& out);
    void finish_bdat(Actions& out);
    void finish_data(Actions& out);
    bool spool_out(Actions& out, bool final);
    void start_spool(Actions& out);
    void flush_spool_discard(Actions& out);
    bool check_data_pace(Actions& out);
    void refuse_message(Actions& out, const Reply& r, std::string_view reason, std::uint64_t size);
    void accept_message(Actions& out, std::uint64_t size);
    void enqueue(Actions& out, std::uint64_t size);
    TraceInfo trace_info() const;
    void log_transaction(Actions& out, std::string_view result, std::uint64_t size, std::string_view qid,
                         std::string_view detail);

    // session_auth.cpp: STARTTLS, AUTH
    void starttls(const Command& cmd, Actions& out);
    void auth(const Command& cmd, Actions& out);
    void sasl_step(text::SaslStep step, Actions& out);
    void auth_failure(Actions& out, std::string user);
    Actions auth_not_done(const Reply& r);
    bool auth_allowed() const { return tls_active_ || options_.plaintext_auth_allowed; }

    SessionOptions options_;
    text::LineBuffer lines_{kCommandLines};
    text::DotUnstuffer unstuffer_;
    ChunkInspector inspector_;
    std::string input_;
    std::size_t input_pos_ = 0;
    Mode mode_ = Mode::Command;
    bool busy_ = false;
    bool closed_ = false;
    bool tls_active_ = false;
    std::string tls_version_;
    std::string tls_cipher_;
    std::string helo_;
    bool esmtp_ = false;
    std::string user_;
    std::string pending_user_;
    std::optional<text::SaslServer> sasl_;
    std::optional<Transaction> tx_;
    std::optional<MailArgs> pending_mail_;
    std::optional<RcptArgs> pending_rcpt_;
    std::string pending_rcpt_address_;  // as it will be queued
    BdatChunk chunk_;
    std::string message_;  // the message, or once spooling its bytes not yet appended
    bool spooling_ = false;
    bool discard_spool_ = false;  // SpoolDiscard owed (reset_transaction while spooling)
    std::string head_;             // spooling: the header section (up to spool_threshold)
    enum class AfterSpool { Nothing, FinishData, FinishBdat };
    AfterSpool after_spool_ = AfterSpool::Nothing;
    Clock::time_point now_{};
    std::optional<Clock::time_point> data_since_;  // DATA or the first BDAT
    std::uint64_t data_bytes_ = 0;                 // octets received since
    std::uint64_t enqueue_size_ = 0;
    bool checking_from_ = false;  // CheckHeaderFrom outstanding for the message in message_
    unsigned errors_ = 0;
    unsigned junk_ = 0;
    unsigned auth_failures_ = 0;
};

}  // namespace mr::smtpd
