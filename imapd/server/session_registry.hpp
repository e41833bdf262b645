// SessionRegistry: which IMAP sessions of this process belong to which user, so a change
// can wake them (issue 6 push: EXISTS within a second of a delivery or of another
// session's STORE/EXPUNGE/APPEND/COPY/MOVE). Loop thread only.
//
// Invariants:
// - A handler is registered from its login until it closes; the registry holds plain
//   pointers and never outlives a registered handler's removal (~ImapHandler removes it).
// - Users are keyed by their address in lower case: deliverd's wake-up datagrams carry the
//   canonical address, clients may log in with any case.
// - wake() tolerates handlers closing (and leaving the registry) while it runs: it walks
//   a copy and skips those no longer registered.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mr::imapd::server {

class ImapHandler;

class SessionRegistry {
public:
    void add(std::string_view user, ImapHandler* handler);
    void remove(std::string_view user, ImapHandler* handler);
    // Asks every session of `user` except `except` to look for changes.
    void wake(std::string_view user, const ImapHandler* except = nullptr);
    std::size_t sessions(std::string_view user) const;

private:
    static std::string key(std::string_view user);
    std::unordered_map<std::string, std::vector<ImapHandler*>> by_user_;
};

}  // namespace mr::imapd::server
