// Directory: the domains, users and aliases of this installation (directory.db).
//
// On disk: data_dir/directory.db (SQLite, WAL, synchronous=FULL: admin writes are
// rare and each is a promise to the operator); a user's mail lives in
// data_dir/mail/<domain>/<local_part>/ (see user_mail_dir).
//
// Invariants:
// - Domains and addresses are stored lower-case. Domains are compared
//   case-insensitively (RFC 5321 §2.4, rfc5321.txt:865); local parts are
//   case-sensitive in theory but every real mail system treats them as
//   case-insensitive, so they are lower-cased for storage *and* lookup: "Bob@x"
//   and "bob@x" are the same user, and two users cannot differ only by case.
// - A user's domain and an alias's domain exist in `domains` (foreign keys), so a
//   domain with users or aliases cannot be removed.
// - An address is either a user or an alias source, never both.
// - Password hashes are libsodium argon2id strings (crypto_pwhash_str with the
//   INTERACTIVE limits); the plain password is never stored or logged.
// - Address parsing here is deliberately minimal (split at the last '@', reject
//   control characters, spaces and '/'); the full RFC 5321 parser is in common/text.
//   '/' and a leading '.' are refused in local parts because the local part
//   names a directory on disk.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"
#include "common/text/acl_rights.hpp"
#include "storage/sqlite/db.hpp"

namespace mr::storage {

struct User {
    std::string address;     // local_part@domain, lower-case
    std::string local_part;
    std::string domain;
    std::int64_t quota_bytes = 0;  // 0 = unlimited
    bool enabled = true;           // false: cannot log in (mail is still accepted)
    bool mailbox_account = false;  // info@, sales@: no password, read through grants only
};

// One ACL entry (RFC 4314): what `grantee` may do with `owner`'s mailbox. Stored in
// directory.db (mailbox_acl), so every daemon sees the same grants.
struct MailboxGrant {
    std::string owner;    // the account whose mail it is
    std::string mailbox;  // store name ("INBOX", "Sales/2026"); "" = every mailbox of the owner
    std::string grantee;  // a user of the owner's domain
    text::AclRights rights;
};

struct Alias {
    std::string source;                // "local@domain", or "@domain" for a catch-all
    std::vector<std::string> targets;  // local or external addresses, sorted
};

struct Resolution {
    enum Kind { LocalUser, Alias, NotFound, NotLocal } kind = NotFound;
    std::string user_address;          // LocalUser: the user's canonical address
    std::vector<std::string> targets;  // Alias: one level of expansion
};

// The address split at its last '@', domain and local part lower-cased.
struct SplitAddress {
    std::string local_part;  // may be empty only for a catch-all "@domain"
    std::string domain;
};
Result<SplitAddress> split_address(std::string_view address);

// data_dir/mail/<domain>/<local_part> for a valid address (lower-cased).
std::filesystem::path user_mail_dir(const std::filesystem::path& data_dir, std::string_view address);

// The subaddress separator: "user+tag@domain" reaches "user@domain".
inline constexpr char kSubaddressSeparator = '+';

class Directory {
public:
    static Result<Directory> open(const std::filesystem::path& db_file);
    // How many schema steps this release knows (PRAGMA user_version of a current file).
    static std::size_t schema_version();

    Result<void> add_domain(std::string_view domain);
    Result<void> remove_domain(std::string_view domain);  // Refused while users/aliases remain
    Result<std::vector<std::string>> list_domains();
    Result<bool> has_domain(std::string_view domain);

    Result<void> add_user(std::string_view address, std::string_view password,
                          std::int64_t quota_bytes = 0);
    // A mailbox account (info@, sales@): receives mail like a user, has no password, so it
    // never logs in; users reach it through grants (directory_acl.cpp).
    Result<void> add_mailbox_account(std::string_view address, std::int64_t quota_bytes = 0);
    Result<void> remove_user(std::string_view address);
    Result<void> set_password(std::string_view address, std::string_view password);
    Result<void> set_enabled(std::string_view address, bool enabled);
    Result<void> set_quota(std::string_view address, std::int64_t quota_bytes);
    Result<std::vector<User>> list_users();
    Result<std::optional<User>> find_user(std::string_view address);

    // Slow on purpose (argon2id). Unknown users cost the same as known ones: the
    // password is checked against a dummy hash, so timing does not reveal whether
    // an address exists. A disabled user never verifies.
    Result<bool> verify_password(std::string_view address, std::string_view password);

    Result<void> add_alias(std::string_view source, std::string_view target);
    // Without a target, removes every target of the source.
    Result<void> remove_alias(std::string_view source,
                              std::optional<std::string_view> target = std::nullopt);
    Result<std::vector<Alias>> list_aliases();

    // What mail to `address` reaches, one level deep, in this order: a user with
    // exactly that address; an alias with exactly that source; the same two for
    // the address without its "+tag"; the domain's catch-all alias "@domain".
    // NotLocal: the domain is not ours. NotFound: ours, but nobody is there.
    Result<Resolution> resolve(std::string_view address);

    // Whether `user` may use `address` as its envelope sender (smtpd submission): the
    // user's own address, the same with a "+tag", or an alias source (with or without
    // "+tag") that has the user among its targets. Catch-all aliases grant nothing.
    // Defined in directory_owned.cpp.
    // A user granted "p" on a mailbox account's every mailbox (`mailroom mailbox share
    // --send-as`) may send as that account too.
    Result<bool> may_send_as(std::string_view user, std::string_view address);

    // Grants (directory_acl.cpp). Owner and grantee must be users of the same domain; a
    // mailbox of "" is the owner's every mailbox. Empty rights remove the grant.
    Result<void> set_grant(std::string_view owner, std::string_view mailbox, std::string_view grantee,
                           text::AclRights rights);
    // The owner's grants (mailbox "" first, then by mailbox and grantee).
    Result<std::vector<MailboxGrant>> grants_of(std::string_view owner);
    // What others granted `grantee`, by owner and mailbox.
    Result<std::vector<MailboxGrant>> grants_to(std::string_view grantee);
    // `grantee`'s rights on owner's `mailbox`: all for the owner; else the grant for that
    // mailbox if there is one, else the owner-wide grant ("" mailbox), else none.
    Result<text::AclRights> rights_on(std::string_view grantee, std::string_view owner, std::string_view mailbox);
    // A mailbox was deleted or renamed: its own grants go or follow (children too).
    Result<void> rename_grants(std::string_view owner, std::string_view from, std::optional<std::string_view> to);

private:
    explicit Directory(sqlite::Db db) : db_(std::move(db)) {}
    Result<std::optional<User>> find_exact(std::string_view address);
    Result<void> insert_user(std::string_view address, std::string_view password, std::int64_t quota_bytes);
    Result<std::vector<std::string>> alias_targets(std::string_view source);
    Result<bool> exists(std::string_view sql, std::string_view key);
    // Runs `sql` on one domain row (? = the normalised name): a broken constraint is
    // Refused `conflict` + name, no row changed is Refused "no such domain".
    Result<void> change_domain(std::string_view domain, std::string_view sql, std::string_view conflict);
    sqlite::Db db_;
};

}  // namespace mr::storage
