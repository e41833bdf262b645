// libFuzzer target for the SMTP session core (smtpd/proto/session.hpp), which frames its
// own input. Seeds: the client lines of tests/dialogs/smtp/ (seeds_from_dialogs.py).
//
// The first byte picks the listener (inbound or submission, TLS or not, plaintext logins
// allowed or not, the From: check) and how the rest is cut into reads; every asynchronous
// action is answered at once from a fixed world: alice@example.test (password "secret",
// owns sales@example.test, 1 KiB of quota room) and bob@example.test are local; other
// domains are remote. Whatever the client sends:
// - the session never crashes and every reply is whole CRLF lines of the form
//   "NNN[-  ]text" (RFC 5321 §4.2 (rfc5321.txt:2588)), with 2xx-5xx codes;
// - a message is queued only with a sender, at least one recipient, each of them local
//   unless the session is authenticated (no open relay), and at most max_recipients;
// - past the (small, here) spool threshold the message goes out in SpoolAppend actions,
//   the first one starting the spool; a spooled message is queued empty and marked so, and
//   a spool is discarded at most once and only after it was started;
// - once it has said Close it says nothing more.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtpd/proto/session.hpp"

namespace {

using namespace mr::smtpd;

void check(bool ok) {
    if (!ok) std::abort();
}

void check_replies(const std::string& bytes) {
    check(bytes.size() >= 6 && bytes.ends_with("\r\n"));
    std::size_t start = 0;
    while (start < bytes.size()) {
        const auto end = bytes.find("\r\n", start);
        check(end != std::string::npos);
        const std::string_view line(bytes.data() + start, end - start);
        check(line.size() >= 3 && line[0] >= '2' && line[0] <= '5');
        check(line[1] >= '0' && line[1] <= '9' && line[2] >= '0' && line[2] <= '9');
        check(line.size() == 3 || line[3] == ' ' || line[3] == '-');
        check(line.find('\r') == std::string_view::npos && line.find('\n') == std::string_view::npos);
        start = end + 2;
    }
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return s;
}

bool is_local(const std::string& address) {
    const auto a = lower(address);
    return a == "alice@example.test" || a == "bob@example.test" || a.starts_with("alice+") ||
           a.starts_with("bob+");
}

struct World {
    Session session;
    SessionOptions options;
    bool closed = false;
    bool authenticated = false;
    bool spooling = false;  // a SpoolStart was seen and neither queued nor discarded since
    std::size_t spooled = 0;
    int depth = 0;

    explicit World(SessionOptions o) : session(o), options(o) {}

    void run(Actions actions) {
        check(++depth < 64);  // answers do not chain without end
        for (auto& a : actions) {
            check(!closed);
            if (auto* s = std::get_if<Send>(&a)) {
                check_replies(s->bytes);
            } else if (std::holds_alternative<Close>(a)) {
                closed = true;
            } else if (std::holds_alternative<StartTls>(a)) {
                run(session.on_tls_ready("TLSv1.3", "TLS_AES_128_GCM_SHA256"));
            } else if (auto* c = std::get_if<CheckSender>(&a)) {
                run(session.on_sender_checked(lower(c->address) == "alice@example.test" ||
                                              lower(c->address) == "sales@example.test"));
            } else if (auto* r = std::get_if<CheckRecipient>(&a)) {
                RecipientCheck rc;
                const auto at = r->address.rfind('@');
                const auto domain = at == std::string::npos ? std::string() : lower(r->address.substr(at + 1));
                if (is_local(r->address)) {
                    rc.kind = RecipientKind::Local;
                    if (lower(r->address).starts_with("alice")) rc.quota_room = 1024;
                } else {
                    rc.kind = domain == "example.test" ? RecipientKind::Unknown : RecipientKind::Remote;
                }
                run(session.on_recipient_checked(rc));
            } else if (auto* h = std::get_if<CheckHeaderFrom>(&a)) {
                std::string not_owned;
                for (const auto& address : h->addresses) {
                    const auto l = lower(address);
                    if (not_owned.empty() && l != "alice@example.test" && l != "sales@example.test") not_owned = address;
                }
                run(session.on_header_from_checked(not_owned));
            } else if (auto* v = std::get_if<VerifyPassword>(&a)) {
                const bool ok = v->user == "alice@example.test" && v->password == "secret";
                authenticated = authenticated || ok;
                run(session.on_password_checked(ok));
            } else if (auto* sp = std::get_if<SpoolAppend>(&a)) {
                check(sp->start.has_value() != spooling);  // the first append, and only it, starts
                spooling = true;
                spooled += sp->bytes.size();
                check(spooled <= options.max_message_size + 4096);
                run(session.on_spooled({}));
            } else if (std::holds_alternative<SpoolDiscard>(a)) {
                check(spooling);
                spooling = false;
                spooled = 0;
            } else if (auto* q = std::get_if<Enqueue>(&a)) {
                const auto& env = q->envelope;
                check(!env.recipients.empty());
                check(env.recipients.size() <= options.max_recipients);
                for (const auto& rcpt : env.recipients) check(authenticated || is_local(rcpt.address));
                check(q->spooled == spooling);
                if (q->spooled) check(q->message.empty());
                spooling = false;
                spooled = 0;
                run(session.on_enqueued(std::string("0123456789abcdef012345")));
            }
            if (closed) break;
        }
        --depth;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t flags = data[0];
    SessionOptions o;
    o.hostname = "mx.example.test";
    o.role = (flags & 1) ? Role::Submission : Role::Inbound;
    o.tls_available = (flags & 2) != 0;
    o.tls_active = (flags & 4) != 0;
    o.plaintext_auth_allowed = (flags & 8) != 0;
    o.check_header_from = (flags & 16) != 0;
    o.max_message_size = 4096;
    o.max_recipients = 5;
    o.spool_threshold = 512;
    World w(o);
    w.run(w.session.start());
    // Reads of 1 to 8 bytes, or all at once: the replies must not depend on how TCP cut it.
    const std::size_t step = (flags >> 5) == 0 ? size : (flags >> 5);
    std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
    while (!in.empty() && !w.closed) {
        const auto n = std::min(step, in.size());
        w.run(w.session.on_bytes(in.substr(0, n)));
        in.remove_prefix(n);
    }
    if (!w.closed) w.run(w.session.on_timeout());
    return 0;
}
