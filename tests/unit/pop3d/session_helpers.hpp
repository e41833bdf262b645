// Helpers shared by the pop3d session tests: drive a Session line by line, read its actions.
#pragma once

#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include "pop3d/proto/session.hpp"

namespace pop3d_test {

using namespace mr::pop3d;

// Everything the actions would write, concatenated.
inline std::string sent(const Actions& actions) {
    std::string out;
    for (const auto& a : actions) {
        if (const auto* s = std::get_if<Send>(&a)) out += s->bytes;
    }
    return out;
}

template <class T>
const T* find(const Actions& actions) {
    for (const auto& a : actions) {
        if (const auto* t = std::get_if<T>(&a)) return t;
    }
    return nullptr;
}

template <class T>
bool has(const Actions& actions) {
    return find<T>(actions) != nullptr;
}

inline bool is_err(const Actions& a) { return sent(a).rfind("-ERR", 0) == 0; }
inline bool is_ok(const Actions& a) { return sent(a).rfind("+OK", 0) == 0; }

inline SessionOptions loopback_options() {
    SessionOptions o;
    o.hostname = "mx.test";
    o.tls_available = true;
    o.insecure_auth_allowed = true;
    return o;
}

// 1: 100 octets, uid 10; 2: 200, uid 11; 3: 300, uid 12.
inline Maildrop three_messages() {
    return Maildrop{0x1234, {{10, 100}, {11, 200}, {12, 300}}};
}

// Greets, USER/PASS, password good, maildrop opened.
inline void login(Session& s, Maildrop drop = three_messages()) {
    s.start();
    s.on_line("USER alice@example.test");
    auto a = s.on_line("PASS secret");
    REQUIRE(has<VerifyPassword>(a));
    a = s.on_password_checked(true);
    REQUIRE(has<OpenMaildrop>(a));
    a = s.on_maildrop(std::move(drop));
    REQUIRE(is_ok(a));
    REQUIRE(s.state_name() == "transaction");
}

}  // namespace pop3d_test
