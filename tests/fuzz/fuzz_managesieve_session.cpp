// libFuzzer target for the ManageSieve command parser and session core
// (sieved/proto/command.hpp, session.hpp). The first byte picks the options (bit 0: clear-text
// logins allowed, bit 1: STARTTLS offered) and how the rest is cut into reads (bits 2-7:
// chunk size); the rest is what a client sends.
//
// Every asynchronous action is answered at once: the password "secret" is right, a script
// command gets "OK". Whatever the client sends:
// - the session never crashes, and its buffer stays within one command's limits;
// - every reply is made of CRLF lines (literals aside) starting with OK, NO, BYE, a
//   capability or SASL string, or a literal;
// - nothing is sent after Close; a script command is never asked for before a login.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sieved/proto/session.hpp"

namespace {

using namespace mr::sieved;

void check(bool ok) {
    if (!ok) std::abort();
}

struct World {
    Session session;
    bool closed = false;
    bool logged_in = false;
    int depth = 0;

    explicit World(SessionOptions o) : session(std::move(o)) {}

    void run(Actions actions) {
        check(++depth < 64);
        for (auto& a : actions) {
            check(!closed);
            if (auto* s = std::get_if<Send>(&a)) {
                check(s->bytes.ends_with("\r\n"));
                const char c = s->bytes.front();
                check(c == 'O' || c == 'N' || c == 'B' || c == '"' || c == '{');
            } else if (std::holds_alternative<Close>(a)) {
                closed = true;
            } else if (std::holds_alternative<StartTls>(a)) {
                run(session.on_tls_ready());
            } else if (auto* v = std::get_if<VerifyPassword>(&a)) {
                run(session.on_password_checked(v->password == "secret"));
            } else if (std::holds_alternative<LoggedIn>(a)) {
                logged_in = true;
            } else if (std::holds_alternative<RunScriptCommand>(a)) {
                check(logged_in);
                run(session.on_script_reply("OK\r\n"));
            }
        }
        --depth;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    SessionOptions o;
    o.insecure_auth_allowed = (data[0] & 1) != 0;
    o.tls_available = (data[0] & 2) != 0;
    o.max_failures = 1000;
    o.limits.max_literal = 4096;
    o.limits.max_line = 1024;
    const std::size_t chunk = (data[0] >> 2) + 1u;
    World w(o);
    w.run(w.session.start());
    std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
    while (!in.empty() && !w.closed) {
        const std::size_t n = std::min(chunk, in.size());
        w.run(w.session.on_bytes(in.substr(0, n)));
        in.remove_prefix(n);
    }
    return 0;
}
