// Grants on mailboxes (RFC 4314 ACLs) in directory.db's mailbox_acl table (schema v2).
// Invariants: owner and grantee are existing users of one domain (sharing stays inside an
// organisation); rights are stored in canonical order and never empty (empty = no row).
#include "storage/directory.hpp"

namespace mr::storage {

namespace {

MailboxGrant read_grant(const sqlite::Statement& s) {
    auto rights = text::AclRights::parse(s.column_text(3));
    return MailboxGrant{s.column_text(0), s.column_text(1), s.column_text(2), rights ? rights.value() : text::AclRights()};
}

// The canonical key of a user address, or a Syntax error.
Result<std::string> user_key(std::string_view address) {
    auto split = split_address(address);
    if (!split || split->local_part.empty()) return Error::syntax("bad address: " + std::string(address));
    return split->local_part + "@" + split->domain;
}

constexpr std::string_view kGrantColumns = "SELECT owner, mailbox, grantee, rights FROM mailbox_acl ";

}  // namespace

Result<void> Directory::set_grant(std::string_view owner, std::string_view mailbox, std::string_view grantee,
                                  text::AclRights rights) {
    auto o = user_key(owner);
    if (!o) return o.error();
    auto g = user_key(grantee);
    if (!g) return g.error();
    for (const auto& key : {o.value(), g.value()}) {
        auto user = find_exact(key);
        if (!user) return user.error();
        if (!*user) return Error::refused("no such user: " + key);
    }
    if (o.value() == g.value()) return Error::refused("the owner always has every right");
    if (o->substr(o->rfind('@')) != g->substr(g->rfind('@')))
        return Error::refused("mailboxes are shared only within a domain: " + g.value());
    auto stmt = db_.prepare(rights.empty()
                                ? "DELETE FROM mailbox_acl WHERE owner = ?1 AND mailbox = ?2 AND grantee = ?3"
                                : "INSERT INTO mailbox_acl(owner, mailbox, grantee, rights) VALUES (?1, ?2, ?3, ?4)"
                                  " ON CONFLICT(owner, mailbox, grantee) DO UPDATE SET rights = excluded.rights");
    if (!stmt) return stmt.error();
    stmt->bind(1, o.value()).bind(2, mailbox).bind(3, g.value());
    if (!rights.empty()) stmt->bind(4, rights.to_string());
    return stmt->run();
}

Result<std::vector<MailboxGrant>> Directory::grants_of(std::string_view owner) {
    auto o = user_key(owner);
    if (!o) return o.error();
    auto stmt = db_.prepare(std::string(kGrantColumns) + "WHERE owner = ? ORDER BY mailbox, grantee");
    if (!stmt) return stmt.error();
    stmt->bind(1, o.value());
    return sqlite::collect_rows(*stmt, read_grant);
}

Result<std::vector<MailboxGrant>> Directory::grants_to(std::string_view grantee) {
    auto g = user_key(grantee);
    if (!g) return std::vector<MailboxGrant>{};
    auto stmt = db_.prepare(std::string(kGrantColumns) + "WHERE grantee = ? ORDER BY owner, mailbox");
    if (!stmt) return stmt.error();
    stmt->bind(1, g.value());
    return sqlite::collect_rows(*stmt, read_grant);
}

Result<text::AclRights> Directory::rights_on(std::string_view grantee, std::string_view owner, std::string_view mailbox) {
    auto g = user_key(grantee);
    auto o = user_key(owner);
    if (!g || !o) return text::AclRights();
    if (g.value() == o.value()) return text::AclRights::all();
    // The mailbox's own grant wins over the owner-wide one (ORDER BY: '' sorts first).
    auto stmt = db_.prepare(
        "SELECT rights FROM mailbox_acl WHERE owner = ?1 AND grantee = ?2 AND mailbox IN (?3, '')"
        " ORDER BY mailbox DESC LIMIT 1");
    if (!stmt) return stmt.error();
    stmt->bind(1, o.value()).bind(2, g.value()).bind(3, mailbox);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return text::AclRights();
    auto rights = text::AclRights::parse(stmt->column_text(0));
    return rights ? rights.value() : text::AclRights();
}

Result<void> Directory::rename_grants(std::string_view owner, std::string_view from,
                                      std::optional<std::string_view> to) {
    auto o = user_key(owner);
    if (!o) return o.error();
    if (from.empty()) return {};  // the owner-wide grants belong to no one mailbox
    const std::string prefix = std::string(from) + "/";
    auto stmt = db_.prepare(
        to ? "UPDATE OR REPLACE mailbox_acl SET mailbox = ?4 || substr(mailbox, length(?2) + 1)"
             " WHERE owner = ?1 AND (mailbox = ?2 OR substr(mailbox, 1, length(?3)) = ?3)"
           : "DELETE FROM mailbox_acl WHERE owner = ?1 AND (mailbox = ?2 OR substr(mailbox, 1, length(?3)) = ?3)");
    if (!stmt) return stmt.error();
    stmt->bind(1, o.value()).bind(2, from).bind(3, prefix);
    if (to) stmt->bind(4, *to);
    return stmt->run();
}

}  // namespace mr::storage
