// SmtpHandler: drives one smtpd::Session from one net::Connection and performs its actions.
//
// Invariants:
// - The connection hands over every byte (net::HandlerFrames): the session frames lines
//   (text::LineBuffer under kCommandLines), DATA and BDAT itself, so the exact bytes of the
//   stream, bare CR and LF included, reach the smuggling checks.
// - Actions run in order from one queue. An asynchronous action (lookup, password check,
//   enqueue, delay) pauses reading and the queue until its result is handed back; so the
//   session never gets bytes while it waits, and its own buffer holds at most one read.
// - Pool jobs get their inputs by value and are dropped on return if the connection has gone
//   (Connection::alive()); the queue writer does the same with its callbacks.
// - Password checks go to the process's PasswordChecker (common/net/password_checker.hpp);
//   one it refuses is answered at once as busy: a temporary failure, not a failed login.
// - The idle timeout follows the session: data_timeout inside DATA/BDAT, command_timeout
//   otherwise (RFC 5321 §4.5.3.2, rfc5321.txt:3610). While a message's data arrives, a
//   second timer calls Session::on_tick at Session::next_data_check() (the data deadline
//   and minimum rate); the session gets the time from here, with every read too.
// - A spooled message's file (storage::QueueSpool) is held here from its first append
//   until Enqueue hands it to the queue writer, or SpoolDiscard or the end of the
//   connection drops it (and so removes the file).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/net/connection.hpp"
#include "common/net/session_driver.hpp"
#include "common/net/timer.hpp"
#include "smtpd/proto/session.hpp"
#include "smtpd/server/mail_auth.hpp"
#include "smtpd/server/milter_check.hpp"
#include "storage/queue_spool.hpp"

namespace mr::smtpd::server {

struct SharedState;
struct QueuedMessage;

class SmtpHandler final : public net::ConnectionHandler, private net::SessionDriver<SmtpHandler, Action> {
public:
    SmtpHandler(std::shared_ptr<SharedState> shared, net::Connection& conn, std::string listener);
    ~SmtpHandler() override;

    void on_start(net::Connection& c) override;
    void on_bytes(net::Connection& c, std::string_view chunk, std::size_t remaining) override;
    void on_tls_ready(net::Connection& c) override;
    void on_timeout(net::Connection& c) override;
    void on_closed(net::Connection& c) override;
    // The server is stopping: 421 4.3.2 and hang up (RFC 5321 §3.8, rfc5321.txt:1640).
    void shutdown();

private:
    friend class net::SessionDriver<SmtpHandler, Action>;
    void perform(Action& action);
    void after_run();
    void when_free() {}
    void update_timeout();
    void arm_data_check();

    void check_sender(CheckSender& a);
    void check_recipient(CheckRecipient& a);
    void check_header_from(CheckHeaderFrom& a);
    void queue(QueuedMessage m);
    void sign_then_queue(QueuedMessage m);
    void check_then_queue(QueuedMessage m, const TraceInfo& trace);
    void on_mail_auth(QueuedMessage m, const TraceInfo& trace, MailAuthVerdict verdict,
                      std::optional<MilterVerdict> miltered = std::nullopt);
    MilterRequest milter_request(const QueuedMessage& m, const TraceInfo& trace) const;
    void milter_then_queue(QueuedMessage m, const TraceInfo& trace);
    void on_milter(QueuedMessage m, MilterVerdict verdict);
    // Port-25 mail after its SPF/DMARC checks: to the milters when there are any, else queued.
    void filter_then_queue(QueuedMessage m, const TraceInfo& trace);
    void enqueue(Enqueue& a);
    void spool_append(SpoolAppend& a);

    std::shared_ptr<SharedState> shared_;
    std::string listener_;
    Session session_;
    std::unique_ptr<net::Timer> data_timer_;
    std::shared_ptr<storage::QueueSpool> spool_;
};

}  // namespace mr::smtpd::server
