#include "common/dns/reverse_dns.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace mr::dns {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

bool same_address(const std::string& a, const std::string& b) {
    unsigned char x[16], y[16];
    const int family = a.find(':') != std::string::npos ? AF_INET6 : AF_INET;
    if (inet_pton(family, a.c_str(), x) != 1 || inet_pton(family, b.c_str(), y) != 1) return false;
    return std::memcmp(x, y, family == AF_INET6 ? 16 : 4) == 0;
}

bool is_global(int family, const void* addr) {
    if (family == AF_INET) {
        const auto* b = static_cast<const unsigned char*>(addr);
        return !(b[0] == 127 || b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168) ||
                 (b[0] == 169 && b[1] == 254) || b[0] == 0);
    }
    const auto* b = static_cast<const unsigned char*>(addr);
    static constexpr unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b, kLoopback, 16) == 0 || std::memcmp(b, kMapped, 12) == 0) return false;
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
    if ((b[0] & 0xfe) == 0xfc) return false;                   // fc00::/7 unique-local
    return std::any_of(b, b + 16, [](unsigned char c) { return c != 0; });
}

}  // namespace

bool is_global_ipv6(const std::string& ip) {
    unsigned char b[16];
    return inet_pton(AF_INET6, ip.c_str(), b) == 1 && is_global(AF_INET6, b);
}

std::string reverse_dns_problem(DnsClient& dns, const std::string& ip, const std::string& hostname) {
    const auto ptr = dns.lookup(reverse_name(ip), RecordType::PTR);
    if (ptr.status == DnsAnswer::Status::TempFail) return "no DNS answer for the PTR of " + ip;
    if (ptr.records.empty()) return ip + " has no PTR record";
    const std::string want = lower(hostname);
    bool named = false;
    for (const auto& name : ptr.records) named |= lower(name) == want;
    if (!named) return "the PTR of " + ip + " names " + ptr.records.front() + ", not " + hostname;
    const bool v6 = ip.find(':') != std::string::npos;
    const auto forward = dns.lookup(hostname, v6 ? RecordType::AAAA : RecordType::A);
    for (const auto& a : forward.records) {
        if (same_address(a, ip)) return {};
    }
    return hostname + " has no " + (v6 ? "AAAA" : "A") + " record for " + ip;
}

std::optional<std::string> outbound_ipv6_source() {
    const int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::nullopt;
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    to.sin6_port = htons(25);
    inet_pton(AF_INET6, "2001:4860:4860::8888", &to.sin6_addr);  // any global address will do
    std::optional<std::string> out;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0) {
        sockaddr_in6 local{};
        socklen_t len = sizeof local;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0 && is_global(AF_INET6, &local.sin6_addr)) {
            char buf[INET6_ADDRSTRLEN] = {};
            inet_ntop(AF_INET6, &local.sin6_addr, buf, sizeof buf);
            out = buf;
        }
    }
    ::close(fd);
    return out;
}

std::vector<std::string> global_addresses() {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return out;
    for (auto* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr) continue;
        const int family = i->ifa_addr->sa_family;
        const void* addr = nullptr;
        if (family == AF_INET) addr = &reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr;
        if (family == AF_INET6) addr = &reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr;
        if (addr == nullptr || !is_global(family, addr)) continue;
        char buf[INET6_ADDRSTRLEN] = {};
        inet_ntop(family, addr, buf, sizeof buf);
        if (std::find(out.begin(), out.end(), buf) == out.end()) out.emplace_back(buf);
    }
    freeifaddrs(list);
    return out;
}

}  // namespace mr::dns
