// A test driver for smtpd::Session: feeds bytes, answers every asynchronous action at once
// from a small fake directory, and records what a client and the queue would see.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "smtpd/proto/session.hpp"

namespace mr::smtpd::test {

struct Driver {
    explicit Driver(SessionOptions o = {}) : session(with_defaults(std::move(o))) { run(session.start()); }

    static SessionOptions with_defaults(SessionOptions o) {
        if (o.hostname == "localhost") o.hostname = "mx.example.test";
        return o;
    }

    Session session;
    std::string output;  // everything sent since the last take()
    std::vector<Enqueue> queued;
    std::vector<std::string> checked_recipients;
    std::vector<LogEvent> events;
    std::vector<std::chrono::milliseconds> delays;
    std::vector<std::string> failed_logins;  // AuthFailed: the glue counts them and waits
    bool closed = false;
    bool tls_started = false;
    bool hold_enqueue = false;        // leave the Enqueue unanswered
    bool fail_enqueue = false;        // answer it with an error
    std::optional<Reply> refuse_message;  // answer it as the glue's checks refusing it
    bool fail_from_check = false;     // answer CheckHeaderFrom with an error
    std::vector<std::vector<std::string>> from_checks;
    bool checker_busy = false;        // the password checker refuses every check unrun
    bool login_limited = false;       // the connection limits refuse every right AUTH
    std::map<std::string, RecipientKind> directory = {
        {"alice@example.test", RecipientKind::Local},
        {"bob@example.test", RecipientKind::Local},
        {"postmaster@mx.example.test", RecipientKind::Local},
    };
    std::map<std::string, std::uint64_t> quota_room;  // local users with a quota: bytes left
    std::map<std::string, std::string> passwords = {{"alice@example.test", "secret"}};
    std::map<std::string, std::vector<std::string>> owned = {
        {"alice@example.test", {"alice@example.test", "sales@example.test"}}};
    int next_qid = 1;
    // Spooled messages: the bytes of every SpoolAppend since the last SpoolStart.
    std::string spool;
    std::vector<SpoolStart> spool_starts;
    std::size_t spool_appends = 0;
    std::size_t spool_discards = 0;
    bool fail_spool = false;  // answer SpoolAppend with an error

    void run(Actions actions) {
        for (auto& a : actions) perform(a);
    }

    void perform(Action& a) {
        if (auto* s = std::get_if<Send>(&a)) {
            output += s->bytes;
        } else if (std::holds_alternative<Close>(a)) {
            closed = true;
        } else if (std::holds_alternative<StartTls>(a)) {
            tls_started = true;
        } else if (auto* e = std::get_if<LogEvent>(&a)) {
            events.push_back(*e);
        } else if (auto* d = std::get_if<Delay>(&a)) {
            delays.push_back(d->duration);
        } else if (auto* f = std::get_if<AuthFailed>(&a)) {
            failed_logins.push_back(f->user);
        } else if (auto* r = std::get_if<CheckRecipient>(&a)) {
            checked_recipients.push_back(r->address);
            RecipientKind kind = RecipientKind::Remote;
            const auto at = r->address.rfind('@');
            if (at != std::string::npos && r->address.substr(at + 1) == "example.test") kind = RecipientKind::Unknown;
            if (r->address.substr(at + 1) == "mx.example.test") kind = RecipientKind::Unknown;
            std::string key = r->address;
            for (char& ch : key) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
            if (auto it = directory.find(key); it != directory.end()) kind = it->second;
            if (r->address == "broken@example.test") {
                run(session.on_recipient_checked(Error::internal("db")));
                return;
            }
            std::optional<std::uint64_t> room;
            if (auto it = quota_room.find(key); it != quota_room.end()) room = it->second;
            run(session.on_recipient_checked(RecipientCheck{kind, room}));
        } else if (auto* c = std::get_if<CheckSender>(&a)) {
            bool ok = false;
            for (const auto& address : owned[c->user]) ok = ok || address == c->address;
            run(session.on_sender_checked(ok));
        } else if (auto* h = std::get_if<CheckHeaderFrom>(&a)) {
            from_checks.push_back(h->addresses);
            if (fail_from_check) {
                run(session.on_header_from_checked(Error::internal("db")));
                return;
            }
            std::string not_owned;
            for (const auto& address : h->addresses) {
                std::string key = address;
                for (char& ch : key) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
                const auto& mine = owned[h->user];
                if (not_owned.empty() && std::find(mine.begin(), mine.end(), key) == mine.end()) not_owned = address;
            }
            run(session.on_header_from_checked(not_owned));
        } else if (auto* v = std::get_if<VerifyPassword>(&a)) {
            if (checker_busy) {
                run(session.on_password_busy());
                return;
            }
            auto it = passwords.find(v->user);
            const bool ok = it != passwords.end() && it->second == v->password;
            run(ok && login_limited ? session.on_login_limited() : session.on_password_checked(ok));
        } else if (auto* sa = std::get_if<SpoolAppend>(&a)) {
            if (sa->start) {
                spool.clear();
                spool_starts.push_back(*sa->start);
            }
            spool += sa->bytes;
            ++spool_appends;
            run(session.on_spooled(fail_spool ? Result<void>(Error::internal("disk full")) : Result<void>()));
        } else if (std::holds_alternative<SpoolDiscard>(a)) {
            ++spool_discards;
        } else if (auto* q = std::get_if<Enqueue>(&a)) {
            queued.push_back(*q);
            if (hold_enqueue) return;
            if (refuse_message) {
                run(session.on_message_refused(*refuse_message));
            } else if (fail_enqueue) {
                run(session.on_enqueued(Error::internal("disk full")));
            } else {
                run(session.on_enqueued(std::string("qid") + std::to_string(next_qid++)));
            }
        }
    }

    // Sends bytes and returns (and forgets) everything the server sent meanwhile.
    std::string send(std::string_view bytes) {
        run(session.on_bytes(bytes));
        return take();
    }
    std::string send_at(std::string_view bytes, Clock::time_point now) {
        run(session.on_bytes(bytes, now));
        return take();
    }
    std::string take() {
        std::string out = std::move(output);
        output.clear();
        return out;
    }
    // Byte by byte: the result must not depend on chunking.
    std::string trickle(std::string_view bytes) {
        for (char c : bytes) run(session.on_bytes(std::string_view(&c, 1)));
        return take();
    }
    void ehlo() { REQUIRE(send("EHLO client.example\r\n").find("250 HELP") != std::string::npos); }
    void envelope(std::string_view from = "<sender@remote.example>", std::string_view to = "<alice@example.test>") {
        ehlo();
        REQUIRE(send("MAIL FROM:" + std::string(from) + "\r\n") == "250 2.1.0 Sender OK\r\n");
        REQUIRE(send("RCPT TO:" + std::string(to) + "\r\n") == "250 2.1.5 Recipient OK\r\n");
    }
};

// The first reply code in `out` ("250 ..."), or 0.
inline int code(const std::string& out) { return out.size() >= 3 ? std::stoi(out.substr(0, 3)) : 0; }

}  // namespace mr::smtpd::test
