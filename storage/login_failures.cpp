// LoginFailures; see login_failures.hpp for the invariants.
#include "storage/login_failures.hpp"

#include <array>
#include <limits>
#include <string>

#include "common/text/ascii.hpp"

namespace mr::storage {

namespace {

constexpr int kAddress = 0;
constexpr int kAccount = 1;

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE failures (
    kind     INTEGER NOT NULL,   -- 0 client address, 1 account
    key      TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_ms  INTEGER NOT NULL,   -- Unix time in ms of the newest failure
    PRIMARY KEY (kind, key)
);
CREATE INDEX failures_by_age ON failures(last_ms);
)sql";

constexpr std::array<std::string_view, 1> kMigrations = {kSchemaV1};

}  // namespace

std::size_t LoginFailures::schema_version() { return kMigrations.size(); }

Result<LoginFailures> LoginFailures::open(const std::filesystem::path& data_dir, std::size_t max_entries) {
    auto db = sqlite::Db::open(data_dir / kFileName, sqlite::Durability::Normal);
    if (!db) return db.error();
    if (auto r = db->migrate(kMigrations); !r) return r.error();
    return LoginFailures(std::move(*db), max_entries == 0 ? 1 : max_entries);
}

Result<text::FailureRecord> LoginFailures::get(int kind, std::string_view key) {
    auto s = db_.prepare("SELECT failures, last_ms FROM failures WHERE kind = ? AND key = ?");
    if (!s) return s.error();
    s->bind(1, kind).bind(2, key);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return text::FailureRecord{};
    const std::int64_t n = s->column_int64(0);
    const auto max = static_cast<std::int64_t>(std::numeric_limits<unsigned>::max());
    return text::FailureRecord{static_cast<unsigned>(n < 0 ? 0 : n > max ? max : n), s->column_int64(1)};
}

Result<text::FailureRecord> LoginFailures::bump(int kind, std::string_view key, const text::LoginPolicy& policy,
                                                std::int64_t now_ms) {
    auto before = get(kind, key);
    if (!before) return before.error();
    const text::FailureRecord after = text::add_failure(policy, *before, now_ms);
    auto s = db_.prepare(
        "INSERT INTO failures(kind, key, failures, last_ms) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(kind, key) DO UPDATE SET failures = excluded.failures, last_ms = excluded.last_ms");
    if (!s) return s.error();
    s->bind(1, kind).bind(2, key).bind(3, static_cast<std::int64_t>(after.failures)).bind(4, after.last_ms);
    if (auto r = s->run(); !r) return r.error();
    return after;
}

Result<text::LoginHistory> LoginFailures::lookup(std::string_view address_key, std::string_view account) {
    auto snapshot = sqlite::ReadSnapshot::begin(db_);
    if (!snapshot) return snapshot.error();
    auto address = get(kAddress, address_key);
    if (!address) return address.error();
    auto user = get(kAccount, text::to_lower(account));
    if (!user) return user.error();
    return text::LoginHistory{*address, *user};
}

Result<text::LoginHistory> LoginFailures::record(std::string_view address_key, std::string_view account,
                                                 const text::LoginPolicy& policy, std::int64_t now_ms) {
    auto tx = sqlite::Transaction::begin(db_);
    if (!tx) return tx.error();
    auto address = bump(kAddress, address_key, policy, now_ms);
    if (!address) return address.error();
    auto user = bump(kAccount, text::to_lower(account), policy, now_ms);
    if (!user) return user.error();
    // Oldest last failure first; the rows just written are the newest, so they stay.
    auto evict = db_.prepare(
        "DELETE FROM failures WHERE rowid IN (SELECT rowid FROM failures ORDER BY last_ms, rowid "
        "LIMIT max(0, (SELECT count(*) FROM failures) - ?))");
    if (!evict) return evict.error();
    evict->bind(1, static_cast<std::int64_t>(max_entries_));
    if (auto r = evict->run(); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return text::LoginHistory{*address, *user};
}

std::size_t LoginFailures::size() {
    auto s = db_.prepare("SELECT count(*) FROM failures");
    if (!s) return 0;
    auto row = s->step();
    if (!row || !*row) return 0;
    return static_cast<std::size_t>(s->column_int64(0));
}

}  // namespace mr::storage
