#include "smtpd/server/smtp_handler.hpp"
#include "smtpd/server/dkim_signing.hpp"
#include "smtpd/server/mail_auth.hpp"
#include "smtpd/server/milter_check.hpp"

#include <cstdlib>
#include <ctime>
#include <utility>
#include <vector>
#include <utility>

#include "common/log/log.hpp"
#include "common/metrics/counters.hpp"
#include "common/net/thread_pool.hpp"
#include "common/text/ascii.hpp"
#include "common/text/sasl.hpp"
#include "smtpd/proto/trace.hpp"
#include "smtpd/server/directory_lookup.hpp"
#include "smtpd/server/shared_state.hpp"

namespace mr::smtpd::server {

namespace {

// What our two DKIM-Signature fields (ed25519-sha256 and rsa-sha256, folded) take, with
// room to spare: about 1.3 KiB.
constexpr std::size_t kSignatureRoom = 2048;

// log::emit takes an initializer_list; a session event has a run-time number of fields.
template <std::size_t... I>
void emit_exact(log::Level level, std::string_view event, const std::vector<log::Field>& f, std::index_sequence<I...>) {
    log::emit(level, event, {f[I]...});
}

template <std::size_t N = 0>
void emit_fields(log::Level level, std::string_view event, const std::vector<log::Field>& f) {
    constexpr std::size_t kMaxFields = 12;
    if constexpr (N < kMaxFields) {
        if (f.size() > N) return emit_fields<N + 1>(level, event, f);
    }
    emit_exact(level, event, f, std::make_index_sequence<N>{});
}

bool is_loopback(const std::string& ip) { return ip.rfind("127.", 0) == 0 || ip == "::1"; }

SessionOptions session_options(SharedState& shared, net::Connection& conn, const std::string& listener) {
    SessionOptions o = shared.session;
    o.peer_ip = conn.peer_ip();
    o.role = listener == "smtp" || listener == "smtp_proxy" ? Role::Inbound : Role::Submission;
    const bool implicit = listener == "submissions";
    o.tls_available = shared.tls_available && !implicit;
    o.tls_active = false;  // on_start reports implicit TLS once the handshake is done
    o.plaintext_auth_allowed = shared.allow_plaintext_on_loopback && is_loopback(conn.peer_ip());
    o.check_header_from = o.role == Role::Submission && !shared.allow_any_from;
    return o;
}

}  // namespace

SmtpHandler::SmtpHandler(std::shared_ptr<SharedState> shared, net::Connection& conn, std::string listener)
    : SessionDriver(conn),
      shared_(std::move(shared)),
      listener_(std::move(listener)),
      session_(session_options(*shared_, conn, listener_)) {
    shared_->handlers.insert(this);
}

SmtpHandler::~SmtpHandler() { shared_->handlers.erase(this); }

void SmtpHandler::shutdown() {
    if (closed_) return;
    queue_.clear();
    waiting_ = false;
    run(session_.on_shutdown());
}

void SmtpHandler::on_start(net::Connection& c) {
    log::info("connect", {log::conn(c.id()), {"peer", c.peer()}, {"listener", listener_}, {"tls", c.tls_version()}});
    if (c.is_tls()) (void)session_.on_tls_ready(c.tls_version(), c.tls_cipher());  // implicit TLS
    // Port-25 clients from elsewhere are looked up in the DNS blocklists before their
    // greeting (mail_auth.hpp); a listed one is refused for the whole session.
    if (session_.inbound() && shared_->mailauth && shared_->mailauth->checks_clients() &&
        !shared_->mailauth->skips(c.peer_ip())) {
        begin_async();
        const bool queued = shared_->mailauth->check_client(c.loop(), c.alive(), c.peer_ip(), [this](std::string reason) {
            if (reason.empty()) return end_async(session_.start());
            metrics::add(metrics::Slot::RejectDnsbl);
            log::warn("dnsbl_listed", {log::conn(conn_.id()), {"peer", conn_.peer_ip()}, {"reason", reason}});
            end_async(session_.start_refused(std::move(reason)));
        });
        if (!queued) end_async(session_.start());
        return;
    }
    run(session_.start());
}

void SmtpHandler::on_bytes(net::Connection& /*c*/, std::string_view chunk, std::size_t /*remaining*/) {
    run(session_.on_bytes(chunk, Clock::now()));
}

void SmtpHandler::on_tls_ready(net::Connection& c) {
    log::info("tls", {log::conn(c.id()), {"version", c.tls_version()}, {"cipher", c.tls_cipher()}});
    run(session_.on_tls_ready(c.tls_version(), c.tls_cipher()));
    if (!waiting_ && !closed_) conn_.resume_reading();
}

void SmtpHandler::on_timeout(net::Connection& c) {
    log::info("timeout", {log::conn(c.id()), {"in_data", session_.in_data()}});
    if (waiting_) {
        // Waiting for our own work (the queue): the client is not the slow one. Keep going.
        c.set_idle_timeout(shared_->command_timeout);
        return;
    }
    run(session_.on_timeout());
}

void SmtpHandler::on_closed(net::Connection& c) {
    closed_ = true;
    log::info("disconnect", {log::conn(c.id()), {"user", session_.user()}, {"in_data", session_.in_data()}});
}

void SmtpHandler::update_timeout() {
    conn_.set_idle_timeout(session_.in_data() ? shared_->data_timeout : shared_->command_timeout);
}

void SmtpHandler::arm_data_check() {
    const auto at = session_.next_data_check();
    if (!at) {
        if (data_timer_) data_timer_->stop();
        return;
    }
    if (!data_timer_) data_timer_ = std::make_unique<net::Timer>(conn_.loop());
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*at - Clock::now());
    data_timer_->start(std::max(wait, std::chrono::milliseconds(1)), [this] {
        // Waiting for our own work: end_async re-arms when it is done.
        if (closed_ || waiting_) return;
        run(session_.on_tick(Clock::now()));
    });
}

// The timers follow the session: its state after each run of its actions.
void SmtpHandler::after_run() {
    if (!closed_) {
        update_timeout();
        arm_data_check();
    } else if (data_timer_) {
        data_timer_->stop();
    }
}

void SmtpHandler::perform(Action& action) {
    std::visit(
        [this](auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, Send>) {
                conn_.write(a.bytes);
            } else if constexpr (std::is_same_v<T, StartTls>) {
                start_tls();
            } else if constexpr (std::is_same_v<T, CheckSender>) {
                check_sender(a);
            } else if constexpr (std::is_same_v<T, CheckRecipient>) {
                check_recipient(a);
            } else if constexpr (std::is_same_v<T, CheckHeaderFrom>) {
                check_header_from(a);
            } else if constexpr (std::is_same_v<T, VerifyPassword>) {
                verify_password(*shared_->auth, listener_, session_, a.user, a.password);
            } else if constexpr (std::is_same_v<T, Enqueue>) {
                enqueue(a);
            } else if constexpr (std::is_same_v<T, SpoolAppend>) {
                spool_append(a);
            } else if constexpr (std::is_same_v<T, SpoolDiscard>) {
                spool_.reset();  // the last holder removes the file
            } else if constexpr (std::is_same_v<T, Delay>) {
                delay(a.duration);
            } else if constexpr (std::is_same_v<T, AuthFailed>) {
                login_failed(*shared_->auth, a.user);
            } else if constexpr (std::is_same_v<T, LoggedIn>) {
                log::info("login", {log::conn(conn_.id()), {"user", a.user}});
            } else if constexpr (std::is_same_v<T, LogEvent>) {
                // Field keys must outlive the call: they are the event's own strings.
                std::vector<log::Field> fields;
                fields.reserve(a.fields.size() + 2);
                fields.emplace_back(log::conn(conn_.id()));
                fields.emplace_back("peer", conn_.peer_ip());
                for (const auto& [k, v] : a.fields) fields.emplace_back(k, v);
                emit_fields(a.warning ? log::Level::Warn : log::Level::Info, a.event, fields);
            } else if constexpr (std::is_same_v<T, Close>) {
                close_after_flush();
            } else if constexpr (std::is_same_v<T, Rejected>) {
                metrics::add(a.reason == "relay" ? metrics::Slot::RejectRelay : metrics::Slot::RejectUnknownUser);
            }
        },
        action);
}

void SmtpHandler::check_sender(CheckSender& a) {
    begin_async();
    net::run_off_loop(
        conn_.loop(), conn_.alive(),
        [db = shared_->directory_db, user = std::move(a.user), address = std::move(a.address)] {
            return server::check_sender(db, user, address);
        },
        [this](Result<bool> owned) {
            if (!owned) log::error("directory_error", {log::conn(conn_.id()), {"error", owned.error().message}});
            end_async(session_.on_sender_checked(owned));
        });
}

// The same ownership rule as MAIL FROM (check_sender), once per From: address.
void SmtpHandler::check_header_from(CheckHeaderFrom& a) {
    begin_async();
    net::run_off_loop(
        conn_.loop(), conn_.alive(),
        [db = shared_->directory_db, user = std::move(a.user), addresses = std::move(a.addresses)] {
            return first_not_owned(db, user, addresses);
        },
        [this](Result<std::string> not_owned) {
            if (!not_owned) log::error("directory_error", {log::conn(conn_.id()), {"error", not_owned.error().message}});
            end_async(session_.on_header_from_checked(not_owned));
        });
}

void SmtpHandler::check_recipient(CheckRecipient& a) {
    begin_async();
    net::run_off_loop(
        conn_.loop(), conn_.alive(),
        [db = shared_->directory_db, data_dir = shared_->data_dir, address = std::move(a.address)] {
            return lookup_recipient(db, data_dir, address);
        },
        [this](Result<RecipientCheck> check) {
            if (!check) log::error("directory_error", {log::conn(conn_.id()), {"error", check.error().message}});
            end_async(session_.on_recipient_checked(check));
        });
}

// The Received: field names the queue id, so the id is chosen here, before the commit.
void SmtpHandler::enqueue(Enqueue& a) {
    begin_async();
    QueuedMessage m;
    if (a.spooled && spool_) {
        // The trace fields went first into the file (spool_append).
        m.id = spool_->id();
        m.spool = std::move(spool_);
    } else {
        spool_.reset();
        m.id = storage::Queue::new_id();
        const std::time_t now = std::time(nullptr);
        const std::string& host = shared_->session.hostname;
        std::string head = received_header(a.trace, host, m.id, now);
        if (a.submission) head += submission_fixups(find_missing_headers(a.message), m.id, host, now);
        // Room for the DKIM-Signature fields signing puts on top, so they go in place.
        const std::size_t room = a.submission && shared_->dkim_keys ? kSignatureRoom : 0;
        m.bytes.reserve(head.size() + a.message.size() + room);
        m.bytes = std::move(head);
        m.bytes += a.message;
        a.message = std::string();
    }
    m.sender = std::move(a.envelope.sender);
    for (auto& r : a.envelope.recipients) {
        storage::QueueRecipient q;
        q.address = std::move(r.address);
        q.dsn_notify = std::move(r.notify);
        q.orcpt = std::move(r.orcpt);
        m.recipients.push_back(std::move(q));
    }
    m.params.dsn_ret = std::move(a.envelope.ret);
    m.params.dsn_envid = std::move(a.envelope.envid);
    if (a.submission && shared_->dkim_keys) return sign_then_queue(std::move(m));
    if (!a.submission && shared_->mailauth && !shared_->mailauth->skips(a.trace.peer_ip)) {
        return check_then_queue(std::move(m), a.trace);
    }
    if (!a.submission) return filter_then_queue(std::move(m), a.trace);
    queue(std::move(m));
}

// SPF, DMARC and Authentication-Results (mail_auth.hpp); the From domain's policy may
// refuse the message or send it to Junk. Checked at once when the DNS cache answers it all,
// else on the checker's workers, where the milters are then asked too (one hand-off, and a
// spooled message read once).
void SmtpHandler::check_then_queue(QueuedMessage m, const TraceInfo& trace) {
    // An in-memory message travels in the request and comes back in the verdict: not copied.
    MailAuthRequest request{trace.peer_ip, trace.helo, m.sender, m.id, std::move(m.bytes), m.spool, std::time(nullptr)};
    if (auto verdict = shared_->mailauth->check_now(request)) return on_mail_auth(std::move(m), trace, std::move(*verdict));
    auto message = std::make_shared<QueuedMessage>(std::move(m));
    auto miltered = std::make_shared<std::optional<MilterVerdict>>();
    AfterCheck after;
    if (shared_->milters) {
        after = [milters = shared_->milters, asked = milter_request(*message, trace), miltered](
                    MailAuthVerdict& verdict, const SpoolCopy* copy) {
            MilterRequest r = asked;
            r.copy = copy;
            if (!r.spool) r.message = std::move(verdict.message);
            *miltered = milters->check_here(std::move(r));
            if (!asked.spool) verdict.message = std::move((*miltered)->message);
        };
    }
    const bool queued = shared_->mailauth->check(
        conn_.loop(), conn_.alive(), std::move(request),
        [this, message, trace, miltered](MailAuthVerdict verdict) {
            on_mail_auth(std::move(*message), trace, std::move(verdict), std::move(*miltered));
        },
        std::move(after));
    if (queued) return;
    log::warn("mailauth_busy", {log::conn(conn_.id()), log::qid(message->id)});
    end_async(session_.on_message_refused(Reply{451, "4.3.2", "Too busy to check the message, try again later"}));
}

void SmtpHandler::on_mail_auth(QueuedMessage m, const TraceInfo& trace, MailAuthVerdict verdict,
                               std::optional<MilterVerdict> miltered) {
    const char* action = "accept";
    switch (verdict.action) {
    case MailAuthVerdict::Action::Accept: break;
    case MailAuthVerdict::Action::Junk: action = "junk"; break;
    case MailAuthVerdict::Action::Reject: action = "reject"; break;
    case MailAuthVerdict::Action::TempFail: action = "tempfail"; break;
    }
    if (!verdict.error.empty()) {
        log::error("mailauth_failed", {log::conn(conn_.id()), log::qid(m.id), {"error", verdict.error}});
    }
    log::info("mailauth", {log::conn(conn_.id()), log::qid(m.id), {"result", verdict.summary}, {"action", action}});
    if (verdict.action == MailAuthVerdict::Action::Reject) {
        metrics::add(verdict.refused_by_dmarc ? metrics::Slot::RejectDmarc : metrics::Slot::RejectSpf);
    }
    if (verdict.action == MailAuthVerdict::Action::Reject || verdict.action == MailAuthVerdict::Action::TempFail) {
        m.spool.reset();  // the last holder removes the file
        return end_async(session_.on_message_refused(verdict.reply));
    }
    if (verdict.action == MailAuthVerdict::Action::Junk) m.params.folder = "Junk";
    if (!m.spool && !verdict.message.empty()) m.bytes = std::move(verdict.message);
    if (miltered) return on_milter(std::move(m), std::move(*miltered));
    filter_then_queue(std::move(m), trace);
}

void SmtpHandler::filter_then_queue(QueuedMessage m, const TraceInfo& trace) {
    if (shared_->milters) return milter_then_queue(std::move(m), trace);
    queue(std::move(m));
}

// What the milters are told of a message (its bytes or spool apart).
MilterRequest SmtpHandler::milter_request(const QueuedMessage& m, const TraceInfo& trace) const {
    MilterRequest request;
    auto& t = request.transaction;
    t.queue_id = m.id;
    t.our_hostname = shared_->session.hostname;
    t.client_ip = trace.peer_ip;
    if (conn_.peer_ip() == trace.peer_ip) {
        const std::string& peer = conn_.peer();
        const auto colon = peer.rfind(':');
        if (colon != std::string::npos) t.client_port = static_cast<std::uint16_t>(std::atoi(peer.c_str() + colon + 1));
    }
    t.helo = trace.helo;
    t.sender = m.sender;
    for (const auto& r : m.recipients) t.recipients.push_back(r.address);
    t.user = trace.user;
    request.spool = m.spool;
    return request;
}

// The milters' verdict (milter_check.hpp): refused, discarded, sent to Junk, or queued with
// their header changes. Loopback clients are asked about too: a milter is the operator's
// own policy, not a check of the sender's domain.
void SmtpHandler::milter_then_queue(QueuedMessage m, const TraceInfo& trace) {
    MilterRequest request = milter_request(m, trace);
    request.message = std::move(m.bytes);  // comes back in the verdict
    auto message = std::make_shared<QueuedMessage>(std::move(m));
    const bool queued = shared_->milters->check(conn_.loop(), conn_.alive(), std::move(request),
                                                [this, message](MilterVerdict verdict) {
                                                    on_milter(std::move(*message), std::move(verdict));
                                                });
    if (queued) return;
    log::warn("milter_busy", {log::conn(conn_.id()), log::qid(message->id)});
    end_async(session_.on_message_refused(Reply{451, "4.3.2", "Too busy to check the message, try again later"}));
}

void SmtpHandler::on_milter(QueuedMessage m, MilterVerdict verdict) {
    const char* action = "accept";
    switch (verdict.action) {
    case MilterVerdict::Action::Accept: break;
    case MilterVerdict::Action::Junk: action = "junk"; break;
    case MilterVerdict::Action::Reject: action = "reject"; break;
    case MilterVerdict::Action::TempFail: action = "tempfail"; break;
    case MilterVerdict::Action::Discard: action = "discard"; break;
    }
    if (!verdict.error.empty()) {
        log::warn("milter_failed", {log::conn(conn_.id()), log::qid(m.id), {"error", verdict.error}});
    }
    log::info("milter", {log::conn(conn_.id()), log::qid(m.id), {"result", verdict.summary}, {"action", action}});
    switch (verdict.action) {
    case MilterVerdict::Action::Reject:
    case MilterVerdict::Action::TempFail:
        m.spool.reset();  // the last holder removes the file
        return end_async(session_.on_message_refused(verdict.reply));
    case MilterVerdict::Action::Discard:
        // The client hears 250 as the milter asked; the message goes nowhere.
        m.spool.reset();
        metrics::add(metrics::Slot::MessagesReceived);
        return end_async(session_.on_enqueued(Result<std::string>(m.id)));
    case MilterVerdict::Action::Junk: m.params.folder = "Junk"; break;
    case MilterVerdict::Action::Accept: break;
    }
    if (!m.spool && !verdict.message.empty()) m.bytes = std::move(verdict.message);
    queue(std::move(m));
}

void SmtpHandler::queue(QueuedMessage m) {
    shared_->writer->submit(std::move(m), conn_.alive(),
                            [this](Result<std::string> id) {
                                if (id) metrics::add(metrics::Slot::MessagesReceived);
                                end_async(session_.on_enqueued(id));
                            });
}

// Signed once, before the commit, so that retries and every recipient carry the same
// signatures (dkim_signing.hpp); a message that cannot be signed is queued unsigned, with a
// log line. The signing runs on the commit batch's pool thread (before_commit): a hand-off
// of its own to the pool and back cost smtpd ~3.5 more thread switches per message and
// 0.05-0.15 ms more CPU (bench/mailauth_bench.py), a third of what the two signatures cost.
void SmtpHandler::sign_then_queue(QueuedMessage m) {
    m.before_commit = [keys = shared_->dkim_keys, conn = conn_.id()](QueuedMessage& message) {
        const std::time_t now = std::time(nullptr);
        auto outcome = message.spool ? dkim_sign_spool(*keys, *message.spool, now) : dkim_sign(*keys, message.bytes, now);
        if (!outcome) {
            log::error("dkim_sign_failed", {log::conn(conn), log::qid(message.id), {"error", outcome.error().message}});
        } else if (!outcome->fields.empty()) {
            if (!message.spool) message.bytes.insert(0, outcome->fields);
            log::info("dkim_signed", {log::conn(conn), log::qid(message.id), {"domain", outcome->domain}});
        }
    };
    queue(std::move(m));
}

// The spool becomes the queue's msg/<id> as it is, so its first bytes are the trace fields
// the in-memory path adds at enqueue (their time is that of the first append).
void SmtpHandler::spool_append(SpoolAppend& a) {
    begin_async();
    std::string bytes = std::move(a.bytes);
    if (a.start) {
        spool_ = std::make_shared<storage::QueueSpool>(shared_->data_dir, storage::Queue::new_id());
        const std::time_t now = std::time(nullptr);
        const std::string& host = shared_->session.hostname;
        std::string head = received_header(a.start->trace, host, spool_->id(), now);
        if (a.start->submission) head += submission_fixups(a.start->missing, spool_->id(), host, now);
        bytes.insert(0, head);
    }
    if (!spool_) return end_async(session_.on_spooled(Error::internal("append without a spool")));
    shared_->spools->append(spool_, std::move(bytes), conn_.alive(), [this](Result<void> written) {
        if (!written) log::error("spool_error", {log::conn(conn_.id()), {"error", written.error().message}});
        end_async(session_.on_spooled(written));
    });
}

}  // namespace mr::smtpd::server
