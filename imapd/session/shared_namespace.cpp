// The shared namespace: see shared_namespace.hpp.
#include "imapd/session/shared_namespace.hpp"

#include "common/text/ascii.hpp"

namespace mr::imapd::session {

namespace {

// The account component of a name below "Shared/" (up to the next '/'), or "" when the
// name is not below it.
std::string_view account_part(std::string_view name) {
    if (!name.starts_with(kSharedRoot) || name.size() <= kSharedRoot.size() + 1 || name[kSharedRoot.size()] != '/')
        return {};
    std::string_view rest = name.substr(kSharedRoot.size() + 1);
    return rest.substr(0, rest.find('/'));
}

}  // namespace

bool in_shared_namespace(std::string_view name) { return account_part(name).find('@') != std::string_view::npos; }

Result<MailboxRef> resolve_mailbox(std::string_view name, std::string_view user) {
    if (!in_shared_namespace(name)) return MailboxRef{"", std::string(name)};
    const std::string_view account = account_part(name);
    std::string owner = text::to_lower(account);
    const auto at = owner.find('@');
    if (at == 0 || at + 1 == owner.size() || owner.find('@', at + 1) != std::string::npos)
        return Error::refused(ErrorCode::NoSuchMailbox, "not an account");
    const std::size_t inner_at = kSharedRoot.size() + 1 + account.size() + 1;
    if (name.size() <= inner_at) return Error::refused(ErrorCode::NoSuchMailbox, "an account in the shared namespace");
    std::string inner(name.substr(inner_at));
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

std::string client_name(const MailboxRef& ref) { return ref.shared() ? shared_name(ref.owner, ref.name) : ref.name; }

}  // namespace mr::imapd::session
