// See address.hpp.
#include "common/net/address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "common/log/log.hpp"

namespace mr::net {
namespace {

bool parse_int(std::string_view s, int max, int& out) {
    if (s.empty() || s.size() > 10) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size() && out >= 0 && out <= max;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

Result<SocketAddress> parse_listen_address(std::string_view text) {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return Error::syntax("listen address needs HOST:PORT: " + std::string(text));
    }
    std::string_view host = text.substr(0, colon);
    int port = 0;
    if (!parse_int(text.substr(colon + 1), 65535, port)) {
        return Error::syntax("bad port in listen address: " + std::string(text));
    }
    SocketAddress out;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        std::string h(host.substr(1, host.size() - 2));
        auto* sa6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
        if (inet_pton(AF_INET6, h.c_str(), &sa6->sin6_addr) != 1) {
            return Error::syntax("bad IPv6 address in listen address: " + std::string(text));
        }
        sa6->sin6_family = AF_INET6;
        sa6->sin6_port = htons(static_cast<std::uint16_t>(port));
        out.length = sizeof(sockaddr_in6);
        return out;
    }
    std::string h(host);
    auto* sa4 = reinterpret_cast<sockaddr_in*>(&out.storage);
    if (inet_pton(AF_INET, h.c_str(), &sa4->sin_addr) != 1) {
        return Error::syntax("bad IPv4 address in listen address (IPv6 needs [brackets]): " +
                             std::string(text));
    }
    sa4->sin_family = AF_INET;
    sa4->sin_port = htons(static_cast<std::uint16_t>(port));
    out.length = sizeof(sockaddr_in);
    return out;
}

std::string format_address(const sockaddr* addr, bool with_port) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (addr->sa_family == AF_INET) {
        const auto* sa4 = reinterpret_cast<const sockaddr_in*>(addr);
        inet_ntop(AF_INET, &sa4->sin_addr, buf, sizeof buf);
        std::string out(buf);
        if (with_port) out.append(":").append(std::to_string(ntohs(sa4->sin_port)));
        return out;
    }
    if (addr->sa_family == AF_INET6) {
        const auto* sa6 = reinterpret_cast<const sockaddr_in6*>(addr);
        unsigned port = ntohs(sa6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&sa6->sin6_addr)) {
            inet_ntop(AF_INET, &sa6->sin6_addr.s6_addr[12], buf, sizeof buf);
            std::string out(buf);
            if (with_port) out.append(":").append(std::to_string(port));
            return out;
        }
        inet_ntop(AF_INET6, &sa6->sin6_addr, buf, sizeof buf);
        if (!with_port) return buf;
        // Built with append(): GCC 12 -O3 reports a false -Wrestrict on chained operator+.
        std::string out = "[";
        out.append(buf).append("]:").append(std::to_string(port));
        return out;
    }
    return "unknown";
}

Result<std::vector<InheritedListener>> parse_listen_fds(std::string_view text) {
    std::vector<InheritedListener> out;
    while (!text.empty()) {
        std::size_t comma = text.find(',');
        std::string_view entry = trim(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (entry.empty()) continue;  // tolerate "a=3," and ",,"
        std::size_t eq = entry.find('=');
        int fd = -1;
        if (eq == std::string_view::npos || eq == 0 ||
            !parse_int(trim(entry.substr(eq + 1)), 1 << 30, fd)) {
            return Error::syntax("bad " + std::string(kListenFdsEnv) + " entry: " +
                                 std::string(entry));
        }
        std::string name(trim(entry.substr(0, eq)));
        if (std::any_of(out.begin(), out.end(), [fd](const InheritedListener& l) { return l.fd == fd; })) {
            return Error::syntax("duplicate fd in " + std::string(kListenFdsEnv) + ": " + std::string(entry));
        }
        out.push_back({std::move(name), fd});
    }
    return out;
}

std::vector<InheritedListener> inherited_listen_fds() {
    const char* env = std::getenv(kListenFdsEnv);
    if (env == nullptr) return {};
    auto parsed = parse_listen_fds(env);
    if (!parsed) {
        log::error("listen_fds_invalid", {log::Field("error", parsed.error().message)});
        return {};
    }
    return std::move(parsed).value();
}

Result<void> open_listeners(std::initializer_list<ListenerKind> kinds, const AddListener& add) {
    const auto inherited = inherited_listen_fds();
    if (!inherited.empty()) {
        for (const auto& [name, fd] : inherited) {
            // An init-capture, not the binding itself: clang 14 (the fuzz build) cannot
            // capture a structured binding in a lambda.
            const bool known = std::any_of(kinds.begin(), kinds.end(), [&name = name](const ListenerKind& k) { return k.name == name; });
            if (!known) {
                log::warn("unknown_listener", {{"listener", name}, {"fd", fd}});
                continue;
            }
            if (auto r = add(name, fd, ""); !r) return r;
        }
        return {};
    }
    for (const auto& kind : kinds) {
        for (const auto& endpoint : kind.endpoints) {
            if (auto r = add(std::string(kind.name), -1, endpoint); !r) return r;
        }
    }
    return {};
}

}  // namespace mr::net
