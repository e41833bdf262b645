// SessionRegistry: see session_registry.hpp for the invariants.
#include "imapd/server/session_registry.hpp"

#include <algorithm>

#include "common/text/ascii.hpp"
#include "imapd/server/imap_handler.hpp"

namespace mr::imapd::server {

std::string SessionRegistry::key(std::string_view user) { return text::to_lower(text::trim(user)); }

void SessionRegistry::add(std::string_view user, ImapHandler* handler) {
    auto& list = by_user_[key(user)];
    if (std::find(list.begin(), list.end(), handler) == list.end()) list.push_back(handler);
}

void SessionRegistry::remove(std::string_view user, ImapHandler* handler) {
    auto it = by_user_.find(key(user));
    if (it == by_user_.end()) return;
    std::erase(it->second, handler);
    if (it->second.empty()) by_user_.erase(it);
}

void SessionRegistry::wake(std::string_view user, const ImapHandler* except) {
    const std::string k = key(user);
    auto it = by_user_.find(k);
    if (it == by_user_.end()) return;
    const std::vector<ImapHandler*> targets = it->second;
    for (ImapHandler* h : targets) {
        if (h == except) continue;
        auto now = by_user_.find(k);
        if (now == by_user_.end()) return;
        if (std::find(now->second.begin(), now->second.end(), h) == now->second.end()) continue;
        h->wake();
    }
}

std::size_t SessionRegistry::sessions(std::string_view user) const {
    auto it = by_user_.find(key(user));
    return it == by_user_.end() ? 0 : it->second.size();
}

}  // namespace mr::imapd::server
