// libFuzzer target for the POP3 session core (pop3d/proto/session.hpp), framed by
// LineBuffer as pop3d frames a connection's bytes. Seeds: the client lines of
// tests/dialogs/pop3/ (tests/fuzz/seeds_from_dialogs.py).
//
// Every asynchronous action is answered at once from a fixed world: one account
// (alice@example.test / "secret") with three messages. Whatever the client sends:
// - the session never crashes and never asks for a message outside the maildrop;
// - everything it sends is whole CRLF lines, with no bare CR or LF (RFC 1939 §3
//   (rfc1939.txt:137): responses are lines terminated by CRLF);
// - every reply to a command starts with "+OK", "-ERR" or, during SASL, "+ ";
// - once it has said Close it says nothing more.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/text/line_buffer.hpp"
#include "pop3d/proto/session.hpp"

namespace {

using namespace mr::pop3d;

void check(bool ok) {
    if (!ok) std::abort();
}

void check_lines(const std::string& bytes) {
    check(bytes.size() >= 2 && bytes.ends_with("\r\n"));
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (bytes[i] == '\n') check(i > 0 && bytes[i - 1] == '\r');
        if (bytes[i] == '\r') check(i + 1 < bytes.size() && bytes[i + 1] == '\n');
    }
}

Maildrop three_messages() { return Maildrop{7, {{10, 100}, {11, 200}, {12, 300}}}; }

struct World {
    Session session;
    bool closed = false;
    int depth = 0;

    explicit World(SessionOptions o) : session(std::move(o)) {}

    void run(Actions actions) {
        check(++depth < 16);  // answers do not chain without end
        for (auto& a : actions) {
            check(!closed);
            if (auto* s = std::get_if<Send>(&a)) {
                check_lines(s->bytes);
                check(s->bytes.starts_with("+") || s->bytes.starts_with("-ERR"));
            } else if (std::holds_alternative<Close>(a)) {
                closed = true;
            } else if (std::holds_alternative<StartTls>(a)) {
                run(session.on_tls_ready());
            } else if (auto* v = std::get_if<VerifyPassword>(&a)) {
                run(session.on_password_checked(v->user == "alice@example.test" && v->password == "secret"));
            } else if (std::holds_alternative<OpenMaildrop>(a)) {
                run(session.on_maildrop(three_messages()));
            } else if (auto* m = std::get_if<SendMessage>(&a)) {
                check(m->number >= 1 && m->number <= 3);
                check(m->uid == 9 + m->number);
                check(m->ok_line.starts_with("+OK"));
                check_lines(m->ok_line);
                run(session.on_message_sent());
            } else if (auto* e = std::get_if<Expunge>(&a)) {
                for (auto uid : e->uids) check(uid >= 10 && uid <= 12);
                run(session.on_expunged({}));
            }
            if (closed) break;
        }
        --depth;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    SessionOptions o;
    o.hostname = "mx.test";
    o.tls_available = (data[0] & 1) != 0;
    o.tls_active = (data[0] & 2) != 0;
    o.insecure_auth_allowed = (data[0] & 4) != 0;
    World w(o);
    w.run(w.session.start());
    mr::text::LineBuffer framing(kCommandLines);
    std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
    while (!w.closed) {
        auto ev = framing.next(in);
        if (std::holds_alternative<mr::text::NeedMore>(ev)) break;
        if (auto* line = std::get_if<mr::text::Line>(&ev)) {
            w.run(w.session.on_line(line->text));
        } else if (std::holds_alternative<mr::text::LineTooLong>(ev)) {
            w.run(w.session.on_line_too_long());
        }
    }
    if (!w.closed) w.run(w.session.on_timeout());
    return 0;
}
