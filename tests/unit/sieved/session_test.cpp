#include <doctest/doctest.h>

#include "common/text/sasl.hpp"
#include "sieved/proto/session.hpp"

using namespace mr::sieved;

namespace {

std::string sent(const Actions& actions) {
    std::string out;
    for (const auto& a : actions)
        if (const auto* s = std::get_if<Send>(&a)) out += s->bytes;
    return out;
}

template <class T>
const T* find(const Actions& actions) {
    for (const auto& a : actions)
        if (const auto* t = std::get_if<T>(&a)) return t;
    return nullptr;
}

SessionOptions options(bool plaintext_ok) {
    SessionOptions o;
    o.sieve_extensions = "fileinto vacation";
    o.tls_available = true;
    o.insecure_auth_allowed = plaintext_ok;
    return o;
}

std::string plain(std::string_view user, std::string_view password) {
    return mr::text::base64_encode(std::string("\0", 1) + std::string(user) + std::string("\0", 1) + std::string(password));
}

Session logged_in() {
    Session s(options(true));
    (void)s.start();
    auto a = s.on_bytes("AUTHENTICATE \"PLAIN\" \"" + plain("bob@example.org", "pw") + "\"\r\n");
    REQUIRE(find<VerifyPassword>(a));
    auto ok = s.on_password_checked(true);
    REQUIRE(find<LoggedIn>(ok));
    return s;
}

}  // namespace

TEST_CASE("managesieve session: greeting lists the capabilities, then OK") {
    Session s(options(false));
    const std::string g = sent(s.start());
    CHECK(g.find("\"IMPLEMENTATION\" \"mailroom\"\r\n") != std::string::npos);
    CHECK(g.find("\"SASL\" \"\"\r\n") != std::string::npos);  // no clear-text login offered
    CHECK(g.find("\"SIEVE\" \"fileinto vacation\"\r\n") != std::string::npos);
    CHECK(g.find("\"STARTTLS\"\r\n") != std::string::npos);
    CHECK(g.find("\"VERSION\" \"1.0\"\r\n") != std::string::npos);
    CHECK(g.rfind("OK ", g.size() - 30) != std::string::npos);
}

TEST_CASE("managesieve session: STARTTLS drops pipelined bytes and repeats the capabilities") {
    Session s(options(false));
    (void)s.start();
    auto a = s.on_bytes("STARTTLS\r\nLISTSCRIPTS\r\n");
    CHECK(sent(a).starts_with("OK "));
    REQUIRE(find<StartTls>(a));
    CHECK(sent(a).find("LISTSCRIPTS") == std::string::npos);
    const std::string caps = sent(s.on_tls_ready());
    CHECK(caps.find("\"SASL\" \"PLAIN\"") != std::string::npos);
    CHECK(caps.find("STARTTLS") == std::string::npos);
    CHECK(caps.find("OK ") != std::string::npos);
}

TEST_CASE("managesieve session: no clear-text password without TLS") {
    Session s(options(false));
    (void)s.start();
    auto a = s.on_bytes("AUTHENTICATE \"PLAIN\" \"" + plain("bob", "pw") + "\"\r\n");
    CHECK(sent(a).starts_with("NO (ENCRYPT-NEEDED)"));
    CHECK_FALSE(find<VerifyPassword>(a));
}

TEST_CASE("managesieve session: AUTHENTICATE PLAIN with a continuation, and a wrong password") {
    Session s(options(true));
    (void)s.start();
    auto a = s.on_bytes("AUTHENTICATE \"PLAIN\"\r\n");
    CHECK(sent(a) == "\"\"\r\n");
    a = s.on_bytes("{" + std::to_string(plain("bob", "bad").size()) + "+}\r\n" + plain("bob", "bad") + "\r\n");
    const auto* v = find<VerifyPassword>(a);
    REQUIRE(v);
    CHECK(v->user == "bob");
    CHECK(v->password == "bad");
    a = s.on_password_checked(false);
    CHECK(find<AuthFailed>(a));
    CHECK(sent(a).starts_with("NO "));
    CHECK_FALSE(s.authenticated());
    // "*" aborts an exchange.
    (void)s.on_bytes("AUTHENTICATE \"PLAIN\"\r\n");
    CHECK(sent(s.on_bytes("\"*\"\r\n")).starts_with("NO "));
    // Script commands need a login.
    CHECK(sent(s.on_bytes("LISTSCRIPTS\r\n")).starts_with("NO "));
}

TEST_CASE("managesieve session: too many failures end the session") {
    Session s(options(true));
    (void)s.start();
    Actions a;
    for (int i = 0; i < 3; ++i) {
        a = s.on_bytes("AUTHENTICATE \"PLAIN\" \"" + plain("bob", "bad") + "\"\r\n");
        REQUIRE(find<VerifyPassword>(a));
        a = s.on_password_checked(false);
    }
    CHECK(sent(a).starts_with("BYE "));
    CHECK(find<Close>(a));
}

TEST_CASE("managesieve session: script commands go to the server one at a time") {
    Session s = logged_in();
    auto a = s.on_bytes("PUTSCRIPT \"a\" {5+}\r\nkeep;\r\nLISTSCRIPTS\r\n");
    const auto* run = find<RunScriptCommand>(a);
    REQUIRE(run);
    CHECK(run->command.name == "PUTSCRIPT");
    CHECK(run->command.args[1].value == "keep;");
    CHECK_FALSE(find<RunScriptCommand>(std::vector<Action>(a.begin() + 1, a.end())));
    a = s.on_script_reply("OK \"stored\"\r\n");
    CHECK(sent(a) == "OK \"stored\"\r\n");
    run = find<RunScriptCommand>(a);
    REQUIRE(run);
    CHECK(run->command.name == "LISTSCRIPTS");
}

TEST_CASE("managesieve session: argument checks, unknown commands, NOOP tags, LOGOUT") {
    Session s = logged_in();
    CHECK(sent(s.on_bytes("HAVESPACE \"a\" \"12\"\r\n")).starts_with("NO "));
    CHECK(find<RunScriptCommand>(s.on_bytes("HAVESPACE \"a\" 12\r\n")));
    (void)s.on_script_reply("OK\r\n");
    CHECK(sent(s.on_bytes("GETSCRIPT\r\n")).starts_with("NO "));
    CHECK(sent(s.on_bytes("GETSCRIPT a\r\n")).starts_with("NO "));  // a name is a string
    CHECK(sent(s.on_bytes("FROBNICATE\r\n")).starts_with("NO "));
    CHECK(sent(s.on_bytes("NOOP \"t1\"\r\n")) == "OK (TAG \"t1\") \"Done\"\r\n");
    CHECK(sent(s.on_bytes("STARTTLS\r\n")).starts_with("NO "));
    auto a = s.on_bytes("LOGOUT\r\nNOOP\r\n");
    CHECK(sent(a).starts_with("OK "));
    CHECK(find<Close>(a));
    CHECK(s.on_bytes("NOOP\r\n").empty());
}

TEST_CASE("managesieve session: a literal over the limit is BYE") {
    Session s = logged_in();
    auto a = s.on_bytes("PUTSCRIPT \"a\" {99999999+}\r\n");
    CHECK(sent(a).starts_with("BYE "));
    CHECK(find<Close>(a));
}
