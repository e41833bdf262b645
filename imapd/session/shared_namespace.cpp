// The shared namespace: see shared_namespace.hpp.
#include "imapd/session/shared_namespace.hpp"

#include "common/text/ascii.hpp"

namespace mr::imapd::session {

bool in_shared_namespace(std::string_view name) {
    return name.starts_with(kSharedRoot) && (name.size() == kSharedRoot.size() || name[kSharedRoot.size()] == '/');
}

Result<MailboxRef> resolve_mailbox(std::string_view name, std::string_view user) {
    if (!in_shared_namespace(name)) return MailboxRef{"", std::string(name)};
    std::string_view rest = name.substr(kSharedRoot.size());
    if (rest.empty() || rest.size() == 1) return Error::refused(ErrorCode::NoSuchMailbox, "the shared namespace root");
    rest.remove_prefix(1);
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash + 1 == rest.size())
        return Error::refused(ErrorCode::NoSuchMailbox, "an account in the shared namespace");
    std::string owner = text::to_lower(rest.substr(0, slash));
    const auto at = owner.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == owner.size())
        return Error::refused(ErrorCode::NoSuchMailbox, "not an account");
    std::string inner(rest.substr(slash + 1));
    // "INBOX" in any case is the owner's INBOX (RFC 3501 §5.1, rfc3501.txt:1062).
    if (text::to_lower(inner) == "inbox") inner = "INBOX";
    if (owner == text::to_lower(user)) return MailboxRef{"", std::move(inner)};
    return MailboxRef{std::move(owner), std::move(inner)};
}

std::string shared_name(std::string_view owner, std::string_view name) {
    std::string out(kSharedRoot);
    out += '/';
    out += owner;
    out += '/';
    out += name;
    return out;
}

}  // namespace mr::imapd::session
