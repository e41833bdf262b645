// directory.db: schema, domains, users (argon2id), aliases. See directory.hpp.
#include "storage/directory.hpp"

#include <sodium.h>

#include <array>
#include <functional>
#include <mutex>
#include <system_error>

namespace mr::storage {

namespace {

// A domain as the directory stores it (validated and lower-cased the same way as the
// domain part of an address), or nullopt when it is not a domain.
std::optional<std::string> normalised_domain(std::string_view domain) {
    auto split = split_address("x@" + std::string(domain));
    if (!split) return std::nullopt;
    return split->domain;
}

// Schema version 1. Every key is lower-case (split_address did it).
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE domains (
  name TEXT PRIMARY KEY             -- lower-case domain; unique; we accept mail for it
);
CREATE TABLE users (
  address TEXT PRIMARY KEY,         -- local_part || '@' || domain, lower-case; never an alias source
  local_part TEXT NOT NULL,         -- non-empty, no '/', no leading '.': names a directory
  domain TEXT NOT NULL REFERENCES domains(name),  -- must exist while the user does
  password_hash TEXT NOT NULL,      -- crypto_pwhash_str (argon2id) string, never plain text
  quota_bytes INTEGER NOT NULL DEFAULT 0 CHECK (quota_bytes >= 0),  -- 0 = unlimited
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))      -- 0: login refused
);
CREATE TABLE aliases (
  source TEXT NOT NULL,             -- "local@domain" or catch-all "@domain"; never a user address
  target TEXT NOT NULL,             -- any address, local or external; domain lower-cased, local part as given
  domain TEXT NOT NULL REFERENCES domains(name),  -- the source's domain
  PRIMARY KEY (source, target)
);
CREATE INDEX users_domain ON users(domain);
CREATE INDEX aliases_domain ON aliases(domain);
)sql";

// v2 (issue 19, shared mailboxes): mailbox accounts (no password: password_hash is '',
// which never verifies) and the grants that let users read them (RFC 4314 ACLs). A grant
// goes with either of its users.
constexpr std::string_view kSchemaV2 = R"sql(
ALTER TABLE users ADD COLUMN mailbox_account INTEGER NOT NULL DEFAULT 0 CHECK (mailbox_account IN (0, 1));
CREATE TABLE mailbox_acl (
  owner TEXT NOT NULL REFERENCES users(address) ON DELETE CASCADE,
  mailbox TEXT NOT NULL,            -- the owner's store name; '' = every mailbox of the owner
  grantee TEXT NOT NULL REFERENCES users(address) ON DELETE CASCADE,
  rights TEXT NOT NULL,             -- canonical "lrswipkxtea" subset, never empty
  PRIMARY KEY (owner, mailbox, grantee)
);
CREATE INDEX mailbox_acl_grantee ON mailbox_acl(grantee);
)sql";

constexpr std::array<std::string_view, 2> kMigrations = {kSchemaV1, kSchemaV2};

Result<std::string> hash_password(std::string_view password) {
    if (password.empty()) return Error::syntax("empty password");
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        return Error::internal("password hashing failed (out of memory)");
    }
    return std::string(out);
}

// A hash of a random password, computed once: unknown users are verified
// against it so they cost as much time as known ones.
const std::string& dummy_hash() {
    static std::once_flag once;
    static std::string hash;
    std::call_once(once, [] {
        unsigned char random[32];
        randombytes_buf(random, sizeof random);
        char hex[2 * sizeof random + 1];
        sodium_bin2hex(hex, sizeof hex, random, sizeof random);
        auto h = hash_password(hex);
        hash = h ? *h : std::string();
    });
    return hash;
}

bool verify_hash(const std::string& hash, std::string_view password) {
    if (hash.empty()) return false;
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

// Alias targets keep their local part's case (it may matter to a remote system);
// only the domain is lower-cased.
Result<std::string> normalize_target(std::string_view target) {
    auto tgt = split_address(target);
    if (!tgt || tgt->local_part.empty()) return Error::syntax("bad alias target: " + std::string(target));
    return std::string(target.substr(0, target.rfind('@'))) + "@" + tgt->domain;
}

Result<SplitAddress> user_address(std::string_view address) {
    auto split = split_address(address);
    if (!split) return split;
    if (split->local_part.empty()) return Error::syntax("user address without local part");
    if (split->local_part == "." || split->local_part == "..") return Error::syntax("bad local part");
    return split;
}

}  // namespace

std::size_t Directory::schema_version() { return kMigrations.size(); }

Result<Directory> Directory::open(const std::filesystem::path& db_file) {
    if (sodium_init() < 0) return Error::internal("libsodium initialisation failed");
    if (db_file.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(db_file.parent_path(), ec);
        if (ec) return Error::internal("mkdir " + db_file.parent_path().string() + ": " + ec.message());
    }
    auto db = sqlite::Db::open(db_file, sqlite::Durability::Full);
    if (!db) return db.error();
    if (auto r = db->migrate(kMigrations); !r) return r.error();
    return Directory(std::move(*db));
}

Result<bool> Directory::exists(std::string_view sql, std::string_view key) {
    auto stmt = db_.prepare(sql);
    if (!stmt) return stmt.error();
    stmt->bind(1, key);
    return stmt->step();
}

namespace {

// Runs a statement that writes; a constraint it breaks (the row exists, or others still
// refer to it) is the caller's Refused `why`, any other failure the database's.
Result<void> run_or_refuse(sqlite::Statement& stmt, const std::string& why) {
    if (auto r = stmt.run(); !r) {
        if (stmt.constraint_failed()) return Error::refused(why);
        return r;
    }
    return {};
}

}  // namespace

Result<void> Directory::change_domain(std::string_view domain, std::string_view sql, std::string_view conflict) {
    auto name = normalised_domain(domain);
    if (!name) return Error::syntax("bad domain: " + std::string(domain));
    auto stmt = db_.prepare(sql);
    if (!stmt) return stmt.error();
    stmt->bind(1, *name);
    if (auto r = run_or_refuse(*stmt, std::string(conflict) + *name); !r) return r;
    if (db_.changes() == 0) return Error::refused("no such domain: " + *name);
    return {};
}

Result<void> Directory::add_domain(std::string_view domain) {
    return change_domain(domain, "INSERT INTO domains(name) VALUES (?)", "domain exists: ");
}

Result<void> Directory::remove_domain(std::string_view domain) {
    return change_domain(domain, "DELETE FROM domains WHERE name = ?", "domain still has users or aliases: ");
}

Result<std::vector<std::string>> Directory::list_domains() {
    auto stmt = db_.prepare("SELECT name FROM domains ORDER BY name");
    if (!stmt) return stmt.error();
    return sqlite::collect_rows(*stmt, sqlite::first_column_text);
}

Result<bool> Directory::has_domain(std::string_view domain) {
    auto name = normalised_domain(domain);
    if (!name) return false;
    return exists("SELECT 1 FROM domains WHERE name = ?", *name);
}

Result<void> Directory::add_user(std::string_view address, std::string_view password,
                                 std::int64_t quota_bytes) {
    if (password.empty()) return Error::syntax("empty password");
    return insert_user(address, password, quota_bytes);
}

Result<void> Directory::add_mailbox_account(std::string_view address, std::int64_t quota_bytes) {
    return insert_user(address, {}, quota_bytes);
}

// An empty password makes a mailbox account: its hash is '', which verify_password never
// accepts.
Result<void> Directory::insert_user(std::string_view address, std::string_view password,
                                    std::int64_t quota_bytes) {
    auto split = user_address(address);
    if (!split) return split.error();
    if (quota_bytes < 0) return Error::syntax("negative quota");
    const std::string key = split->local_part + "@" + split->domain;
    // Check before hashing: a refused add should not cost an argon2 run.
    auto domain = has_domain(split->domain);
    if (!domain) return domain.error();
    if (!*domain) return Error::refused("unknown domain: " + split->domain);
    auto alias = exists("SELECT 1 FROM aliases WHERE source = ?", key);
    if (!alias) return alias.error();
    if (*alias) return Error::refused("address is an alias: " + key);
    std::string hash;
    if (!password.empty()) {
        auto hashed = hash_password(password);
        if (!hashed) return hashed.error();
        hash = std::move(hashed.value());
    }
    auto stmt = db_.prepare(
        "INSERT INTO users(address, local_part, domain, password_hash, quota_bytes, enabled, mailbox_account)"
        " VALUES (?, ?, ?, ?, ?, 1, ?)");
    if (!stmt) return stmt.error();
    stmt->bind(1, key).bind(2, split->local_part).bind(3, split->domain).bind(4, hash).bind(5, quota_bytes);
    stmt->bind(6, std::int64_t{password.empty() ? 1 : 0});
    return run_or_refuse(*stmt, "user exists: " + key);
}

namespace {

// UPDATE/DELETE on one user; Refused when no row matched.
Result<void> change_user(sqlite::Db& db, std::string_view sql, std::string_view address,
                         const std::function<void(sqlite::Statement&)>& bind_rest) {
    auto split = user_address(address);
    if (!split) return split.error();
    const std::string key = split->local_part + "@" + split->domain;
    auto stmt = db.prepare(sql);
    if (!stmt) return stmt.error();
    stmt->bind(1, key);
    bind_rest(*stmt);
    if (auto r = stmt->run(); !r) return r;
    if (db.changes() == 0) return Error::refused("no such user: " + key);
    return {};
}

}  // namespace

Result<void> Directory::remove_user(std::string_view address) {
    return change_user(db_, "DELETE FROM users WHERE address = ?", address, [](auto&) {});
}

Result<void> Directory::set_password(std::string_view address, std::string_view password) {
    auto hash = hash_password(password);
    if (!hash) return hash.error();
    return change_user(db_, "UPDATE users SET password_hash = ?2 WHERE address = ?1", address,
                       [&](sqlite::Statement& s) { s.bind(2, *hash); });
}

Result<void> Directory::set_enabled(std::string_view address, bool enabled) {
    return change_user(db_, "UPDATE users SET enabled = ?2 WHERE address = ?1", address,
                       [&](sqlite::Statement& s) { s.bind(2, std::int64_t{enabled ? 1 : 0}); });
}

Result<void> Directory::set_quota(std::string_view address, std::int64_t quota_bytes) {
    if (quota_bytes < 0) return Error::syntax("negative quota");
    return change_user(db_, "UPDATE users SET quota_bytes = ?2 WHERE address = ?1", address,
                       [&](sqlite::Statement& s) { s.bind(2, quota_bytes); });
}

namespace {

constexpr std::string_view kUserColumns =
    "SELECT address, local_part, domain, quota_bytes, enabled, mailbox_account FROM users";

User read_user(const sqlite::Statement& s) {
    return User{s.column_text(0), s.column_text(1), s.column_text(2), s.column_int64(3),
                s.column_int64(4) != 0, s.column_int64(5) != 0};
}

}  // namespace

Result<std::vector<User>> Directory::list_users() {
    auto stmt = db_.prepare(std::string(kUserColumns) + " ORDER BY domain, local_part");
    if (!stmt) return stmt.error();
    return sqlite::collect_rows(*stmt, read_user);
}

Result<std::optional<User>> Directory::find_exact(std::string_view key) {
    auto stmt = db_.prepare(std::string(kUserColumns) + " WHERE address = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, key);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return std::optional<User>();
    return std::optional<User>(read_user(*stmt));
}

Result<std::optional<User>> Directory::find_user(std::string_view address) {
    auto split = user_address(address);
    if (!split) return std::optional<User>();
    return find_exact(split->local_part + "@" + split->domain);
}

Result<bool> Directory::verify_password(std::string_view address, std::string_view password) {
    std::string hash;
    bool enabled = false;
    if (auto split = user_address(address)) {
        auto stmt = db_.prepare("SELECT password_hash, enabled FROM users WHERE address = ?");
        if (!stmt) return stmt.error();
        stmt->bind(1, split->local_part + "@" + split->domain);
        auto row = stmt->step();
        if (!row) return row.error();
        if (*row) {
            hash = stmt->column_text(0);
            enabled = stmt->column_int64(1) != 0;
        }
    }
    if (hash.empty()) {
        (void)verify_hash(dummy_hash(), password);  // same cost as a real check
        return false;
    }
    const bool match = verify_hash(hash, password);
    return match && enabled;
}

Result<void> Directory::add_alias(std::string_view source, std::string_view target) {
    auto src = split_address(source);
    if (!src) return src.error();
    auto tgt = normalize_target(target);
    if (!tgt) return tgt.error();
    const std::string key = src->local_part + "@" + src->domain;
    auto domain = has_domain(src->domain);
    if (!domain) return domain.error();
    if (!*domain) return Error::refused("unknown domain: " + src->domain);
    auto user = find_exact(key);
    if (!user) return user.error();
    if (*user) return Error::refused("address is a user: " + key);
    auto stmt = db_.prepare("INSERT INTO aliases(source, target, domain) VALUES (?, ?, ?)");
    if (!stmt) return stmt.error();
    stmt->bind(1, key).bind(2, *tgt).bind(3, src->domain);
    return run_or_refuse(*stmt, "alias exists: " + key + " -> " + std::string(target));
}

Result<void> Directory::remove_alias(std::string_view source, std::optional<std::string_view> target) {
    auto src = split_address(source);
    if (!src) return src.error();
    const std::string key = src->local_part + "@" + src->domain;
    auto stmt = db_.prepare(target ? "DELETE FROM aliases WHERE source = ? AND target = ?"
                                   : "DELETE FROM aliases WHERE source = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, key);
    if (target) {
        auto tgt = normalize_target(*target);
        if (!tgt) return tgt.error();
        stmt->bind(2, *tgt);
    }
    if (auto r = stmt->run(); !r) return r;
    if (db_.changes() == 0) return Error::refused("no such alias: " + key);
    return {};
}

Result<std::vector<std::string>> Directory::alias_targets(std::string_view source) {
    auto stmt = db_.prepare("SELECT target FROM aliases WHERE source = ? ORDER BY target");
    if (!stmt) return stmt.error();
    stmt->bind(1, source);
    return sqlite::collect_rows(*stmt, sqlite::first_column_text);
}

Result<std::vector<Alias>> Directory::list_aliases() {
    auto stmt = db_.prepare("SELECT source, target FROM aliases ORDER BY source, target");
    if (!stmt) return stmt.error();
    std::vector<Alias> out;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) return out;
        std::string source = stmt->column_text(0);
        if (out.empty() || out.back().source != source) out.push_back(Alias{source, {}});
        out.back().targets.push_back(stmt->column_text(1));
    }
}

}  // namespace mr::storage
