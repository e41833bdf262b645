// Connection counting: per listener, in total and (before login) per client address; per
// daemon, logged-in connections per (user, client address).
//
// Why two counts per address (hardening issue): a whole office often reaches the server
// from one NAT address, each Thunderbird with several IMAP connections, so a bound on every
// connection from an address either locks the office out or is too high to stop a client
// that holds many sockets open without logging in (slow-loris). So:
// - ConnectionLimits (one per listening socket) bounds all its connections (max_total) and
//   the not-yet-logged-in ones from one address (max_unauthenticated_per_ip). A logged-in
//   connection leaves the per-address count but stays in the total.
// - LoginLimits (one per daemon, shared by its listeners) bounds the logged-in connections
//   of one user from one address (Dovecot's mail_max_userip_connections). Over it the login
//   is refused and the connection stays unauthenticated.
// - ConnectionSlot is what one connection holds, from accept to close; it moves the
//   connection from one count to the other at login and gives back what it holds exactly
//   once.
//
// Invariants:
// - Every accepted try_acquire(ip) is matched by exactly one release: release(ip) while the
//   connection is unauthenticated, release_logged_in() once logged_in(ip) moved it; every
//   granted LoginLimits::try_acquire by one LoginLimits::release. ConnectionSlot makes those
//   calls (Connection::slot_ releases when the connection is finally closed), so counts
//   cannot drift, whether the connection closes before login, after it, or its login was
//   refused by a limit.
// - A release that matches nothing (a bug elsewhere) frees nobody else's slot and never
//   wraps a count.
// - The trackers are shared by Listeners and their connections (shared_ptr), so a Listener
//   may be destroyed (stop accepting) while its connections finish.
// - A limit of 0 means unlimited.
// - Thread-safe (one mutex each): a daemon running several loops shares them between the
//   Listeners of its loops (ListenerOptions::shared_limits, ::logins), and connections
//   release from their own loop thread. A ConnectionSlot itself belongs to one connection
//   and is used from its loop thread only.
// - "Per IP" means per IPv4 address, but per /64 for IPv6: one IPv6 host usually owns a whole
//   /64 and could otherwise open max_per_ip connections from each of its addresses.
#pragma once

#include <arpa/inet.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace mr::net {

class ConnectionLimits {
public:
    ConnectionLimits(std::size_t max_total, std::size_t max_unauthenticated_per_ip)
        : max_total_(max_total), max_per_ip_(max_unauthenticated_per_ip) {}

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

    // A new connection, unauthenticated.
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

    // One unauthenticated connection from ip has logged in: it no longer counts against the
    // address, only in the total. False (and nothing changed) if ip holds none.
    bool logged_in(const std::string& ip) {
        std::string key = key_for(ip);
        std::lock_guard lock(mutex_);
        auto it = per_ip_.find(key);
        if (it == per_ip_.end()) return false;
        if (--it->second == 0) per_ip_.erase(it);
        ++logged_in_;
        return true;
    }

    // A logged-in connection from ip is unauthenticated again (IMAP UNAUTHENTICATE): it
    // counts against the address again. Never refused: the connection exists already.
    void logged_out(const std::string& ip) {
        std::string key = key_for(ip);
        std::lock_guard lock(mutex_);
        if (logged_in_ == 0) return;
        --logged_in_;
        ++per_ip_[key];
    }

    // An unauthenticated connection from ip has closed.
    void release(const std::string& ip) {
        std::string key = key_for(ip);
        std::lock_guard lock(mutex_);
        auto it = per_ip_.find(key);
        if (it == per_ip_.end()) return;
        if (--it->second == 0) per_ip_.erase(it);  // keep the map as small as the live set
        --total_;
    }

    // A logged-in connection has closed.
    void release_logged_in() {
        std::lock_guard lock(mutex_);
        if (logged_in_ == 0) return;
        --logged_in_;
        --total_;
    }

    std::size_t total() const {
        std::lock_guard lock(mutex_);
        return total_;
    }
    // Unauthenticated connections from ip (its /64 for IPv6).
    std::size_t from_ip(const std::string& ip) const {
        std::string key = key_for(ip);
        std::lock_guard lock(mutex_);
        auto it = per_ip_.find(key);
        return it == per_ip_.end() ? 0 : it->second;
    }
    std::size_t logged_in_total() const {
        std::lock_guard lock(mutex_);
        return logged_in_;
    }

private:
    std::size_t max_total_;
    std::size_t max_per_ip_;
    mutable std::mutex mutex_;  // guards total_, logged_in_ and per_ip_
    std::size_t total_ = 0;      // all connections: unauthenticated + logged in
    std::size_t logged_in_ = 0;  // of total_
    std::unordered_map<std::string, std::size_t> per_ip_;  // unauthenticated only
};

// Logged-in connections per (user, client address) of one daemon. `user` is the canonical
// (lower-case) login name.
class LoginLimits {
public:
    explicit LoginLimits(std::size_t max_per_user_address) : max_(max_per_user_address) {}

    bool try_acquire(const std::string& user, const std::string& ip) {
        std::string key = key_of(user, ip);
        std::lock_guard lock(mutex_);
        std::size_t& n = counts_[key];
        if (max_ != 0 && n >= max_) {
            if (n == 0) counts_.erase(key);
            return false;
        }
        ++n;
        return true;
    }

    void release(const std::string& user, const std::string& ip) {
        std::string key = key_of(user, ip);
        std::lock_guard lock(mutex_);
        auto it = counts_.find(key);
        if (it == counts_.end()) return;
        if (--it->second == 0) counts_.erase(it);
    }

    std::size_t count(const std::string& user, const std::string& ip) const {
        std::string key = key_of(user, ip);
        std::lock_guard lock(mutex_);
        auto it = counts_.find(key);
        return it == counts_.end() ? 0 : it->second;
    }
    std::size_t max() const { return max_; }

private:
    // NUL cannot occur in a user name that passed a password check, nor in an address.
    static std::string key_of(const std::string& user, const std::string& ip) {
        return user + '\0' + ConnectionLimits::key_for(ip);
    }

    std::size_t max_;
    mutable std::mutex mutex_;  // guards counts_
    std::unordered_map<std::string, std::size_t> counts_;
};

// The counts one connection holds. Made for a connection its listener accepted
// (ConnectionLimits::try_acquire returned Accepted); empty otherwise. Move-only: exactly one
// owner gives the slot back, by release() or its destructor.
class ConnectionSlot {
public:
    ConnectionSlot() = default;
    ConnectionSlot(std::shared_ptr<ConnectionLimits> limits, std::shared_ptr<LoginLimits> logins, std::string ip)
        : limits_(std::move(limits)), logins_(std::move(logins)), ip_(std::move(ip)) {}
    ~ConnectionSlot() { release(); }
    ConnectionSlot(ConnectionSlot&& o) noexcept { *this = std::move(o); }
    ConnectionSlot& operator=(ConnectionSlot&& o) noexcept {
        if (this != &o) {
            release();
            limits_ = std::move(o.limits_);
            logins_ = std::move(o.logins_);
            ip_ = std::move(o.ip_);
            user_ = std::move(o.user_);
            logged_in_ = std::exchange(o.logged_in_, false);
            o.limits_.reset();
            o.logins_.reset();
        }
        return *this;
    }
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;

    // The connection logged in as `user`: it takes a (user, address) slot and leaves the
    // unauthenticated count. False, and nothing changed, when the user already has the
    // maximum from this address (or the slot is empty or already logged in).
    bool log_in(const std::string& user) {
        if (!limits_ || logged_in_) return false;
        if (logins_ && !logins_->try_acquire(user, ip_)) return false;
        if (!limits_->logged_in(ip_)) {  // cannot happen while the slot is held; stay exact
            if (logins_) logins_->release(user, ip_);
            return false;
        }
        user_ = user;
        logged_in_ = true;
        return true;
    }

    // The connection is unauthenticated again: the (user, address) slot is given back and
    // the connection counts against its address as before log_in. Nothing when not logged in.
    void log_out() {
        if (!limits_ || !logged_in_) return;
        if (logins_) logins_->release(user_, ip_);
        limits_->logged_out(ip_);
        user_.clear();
        logged_in_ = false;
    }

    // Gives back whatever is held; the slot is empty afterwards. Idempotent.
    void release() {
        if (!limits_) return;
        if (logged_in_) {
            limits_->release_logged_in();
            if (logins_) logins_->release(user_, ip_);
        } else {
            limits_->release(ip_);
        }
        limits_.reset();
        logins_.reset();
        logged_in_ = false;
    }

    bool held() const { return limits_ != nullptr; }
    bool logged_in() const { return logged_in_; }
    // Over its bound, what log_in refused: the bound (0 if logins are not bounded).
    std::size_t max_per_user_address() const { return logins_ ? logins_->max() : 0; }

private:
    std::shared_ptr<ConnectionLimits> limits_;
    std::shared_ptr<LoginLimits> logins_;  // null: logins are not bounded per user
    std::string ip_;
    std::string user_;
    bool logged_in_ = false;
};

}  // namespace mr::net
