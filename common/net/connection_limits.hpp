// Connection counting for one listener: in total and per client IP.
//
// Invariants:
// - Every successful try_acquire(ip) is matched by exactly one release(ip), made by the
//   Connection when it is finally closed (Connection::counted_), so counts cannot drift.
// - The tracker is shared by the Listener and its connections, so a Listener may be
//   destroyed (stop accepting) while its connections finish.
// - A limit of 0 means unlimited.
// - Thread-safe (one mutex): a daemon running several loops shares one tracker between the
//   Listeners of its loops (ListenerOptions::shared_limits), and connections release their
//   slot from their own loop thread.
// - "Per IP" means per IPv4 address, but per /64 for IPv6: one IPv6 host usually owns a whole
//   /64 and could otherwise open max_per_ip connections from each of its addresses.
#pragma once

#include <arpa/inet.h>

#include <cstddef>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mr::net {

class ConnectionLimits {
public:
    ConnectionLimits(std::size_t max_total, std::size_t max_per_ip)
        : max_total_(max_total), max_per_ip_(max_per_ip) {}

    enum class Verdict { Accepted, TooManyTotal, TooManyFromIp };

    // The counting key: the address itself, or "prefix::/64" for IPv6.
    static std::string key_for(const std::string& ip) {
        in6_addr a{};
        if (ip.find(':') == std::string::npos || inet_pton(AF_INET6, ip.c_str(), &a) != 1) return ip;
        std::memset(&a.s6_addr[8], 0, 8);
        char buf[INET6_ADDRSTRLEN] = {};
        inet_ntop(AF_INET6, &a, buf, sizeof buf);
        return std::string(buf) + "/64";
    }

    Verdict try_acquire(const std::string& ip) {
        std::string key = key_for(ip);
        std::lock_guard lock(mutex_);
        if (max_total_ != 0 && total_ >= max_total_) return Verdict::TooManyTotal;
        std::size_t& n = per_ip_[key];
        if (max_per_ip_ != 0 && n >= max_per_ip_) {
            if (n == 0) per_ip_.erase(key);
            return Verdict::TooManyFromIp;
        }
        ++n;
        ++total_;
        return Verdict::Accepted;
    }

    void release(const std::string& ip) {
        std::string key = key_for(ip);
        std::lock_guard lock(mutex_);
        auto it = per_ip_.find(key);
        if (it == per_ip_.end()) return;
        if (--it->second == 0) per_ip_.erase(it);  // keep the map as small as the live set
        --total_;
    }

    std::size_t total() const {
        std::lock_guard lock(mutex_);
        return total_;
    }
    std::size_t from_ip(const std::string& ip) const {
        std::string key = key_for(ip);
        std::lock_guard lock(mutex_);
        auto it = per_ip_.find(key);
        return it == per_ip_.end() ? 0 : it->second;
    }

private:
    std::size_t max_total_;
    std::size_t max_per_ip_;
    mutable std::mutex mutex_;  // guards total_ and per_ip_
    std::size_t total_ = 0;
    std::unordered_map<std::string, std::size_t> per_ip_;
};

}  // namespace mr::net
