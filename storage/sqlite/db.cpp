// Db, Transaction and migrations; see db.hpp for the invariants.
#include "storage/sqlite/db.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>

namespace mr::storage::sqlite {

namespace {

const char* synchronous_pragma(Durability d) {
    return d == Durability::Full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
}

// SQLite's own busy timeout sleeps 1, 2, 5, 10, ... up to 100 ms between tries, so a
// writer that finds the lock held by a commit of about a millisecond (smtpd's group
// commit and deliverd's updates share the queue database) often sleeps far longer than
// the commit lasted. Retry every quarter millisecond instead, for the same total time.
int retry_soon(void*, int tries) {
    constexpr long kStepUs = 250;
    if (tries * kStepUs >= kBusyTimeoutMs * 1000L) return 0;
    std::this_thread::sleep_for(std::chrono::microseconds(kStepUs));
    return 1;
}

}  // namespace

Result<Db> Db::open(const std::filesystem::path& file, Durability durability) {
    // SQLite would create the file 0644 (less the umask), and it gives the -wal, -shm and
    // -journal files the database file's mode: creating it 0600 first keeps password
    // hashes and message metadata private whatever umask the caller runs with.
    if (const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600); fd >= 0) ::close(fd);
    sqlite3* raw = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
    Db db(raw, durability);  // owns raw even on failure (sqlite3_open_v2 may allocate it)
    if (rc != SQLITE_OK) {
        return Error::internal("sqlite open " + file.string() + ": " +
                               (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_handler(raw, retry_soon, nullptr);
    // journal_mode returns a row; exec() ignores it. WAL is persistent in the file.
    // Switching a new database to WAL needs an exclusive lock, and SQLite answers BUSY at
    // once, without the busy handler, to a connection that would otherwise deadlock with
    // another one reading the same fresh header: several processes opening a new store
    // together (deliverd and imapd, or the concurrency test's children) retry for a while.
    for (int attempt = 0;; ++attempt) {
        auto r = db.exec("PRAGMA journal_mode=WAL");
        if (r) break;
        const int code = sqlite3_errcode(raw) & 0xff;
        if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || attempt >= 4000) return r.error();
        std::this_thread::sleep_for(std::chrono::microseconds(250));
    }
    if (auto r = db.exec("PRAGMA foreign_keys=ON"); !r) return r.error();
    if (auto r = db.exec(synchronous_pragma(durability)); !r) return r.error();
    // A damaged or foreign file fails here rather than on the first real query.
    if (auto r = db.exec("SELECT count(*) FROM sqlite_schema"); !r) return r.error();
    return db;
}

Db::Db(Db&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), durability_(other.durability_), cache_(std::move(other.cache_)) {
    other.cache_.clear();
}

Db& Db::operator=(Db&& other) noexcept {
    if (this != &other) {
        close();
        db_ = std::exchange(other.db_, nullptr);
        durability_ = other.durability_;
        cache_ = std::move(other.cache_);
        other.cache_.clear();
    }
    return *this;
}

Db::~Db() { close(); }

void Db::close() {
    for (auto& [sql, c] : cache_) sqlite3_finalize(c.stmt);
    cache_.clear();
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
}

Error Db::error(std::string_view what) const {
    return Error::internal(std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : "no database"));
}

Result<void> Db::exec(std::string_view sql) {
    char* message = nullptr;
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string m = message ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        return Error::internal("sqlite: " + m + " in: " + text.substr(0, 80));
    }
    return {};
}

Result<Statement> Db::prepare(std::string_view sql) {
    auto found = cache_.find(sql);
    if (found != cache_.end() && !found->second.in_use) {
        found->second.in_use = true;
        return Statement(db_, found->second.stmt, &found->second.in_use);
    }
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
        return Error::internal("sqlite prepare: " + std::string(sqlite3_errmsg(db_)) +
                               " in: " + std::string(sql.substr(0, 80)));
    }
    if (found != cache_.end() || cache_.size() >= kMaxCachedStatements || !stmt) return Statement(db_, stmt);
    Cached& c = cache_.emplace(std::string(sql), Cached{stmt, true}).first->second;
    return Statement(db_, stmt, &c.in_use);
}

Result<void> Db::run_cached(std::string_view sql) {
    auto stmt = prepare(sql);
    if (!stmt) return stmt.error();
    for (;;) {
        auto row = stmt->step();
        if (!row) return Error::internal("sqlite: " + row.error().message + " in: " + std::string(sql.substr(0, 80)));
        if (!*row) return {};
    }
}

Result<void> Db::set_durability(Durability durability) {
    if (auto r = exec(synchronous_pragma(durability)); !r) return r;
    durability_ = durability;
    return {};
}

std::int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }

Result<void> Db::migrate(std::span<const std::string_view> migrations) {
    for (;;) {
        auto tx = Transaction::begin(*this, Durability::Full);
        if (!tx) return tx.error();
        // Read inside the write transaction: two processes opening a fresh file
        // at once serialise here, and the second sees the first one's version.
        auto stmt = prepare("PRAGMA user_version");
        if (!stmt) return stmt.error();
        auto row = stmt->step();
        if (!row) return row.error();
        const auto version = static_cast<std::size_t>(stmt->column_int64(0));
        // A newer release's database: its schema may mean things this code would corrupt.
        if (version > migrations.size()) {
            return Error::refused("database " + std::string(sqlite3_db_filename(db_, "main")) + " has schema version " +
                                  std::to_string(version) + ", newer than this mailroom's " +
                                  std::to_string(migrations.size()) +
                                  ": it was written by a later release, and downgrading is not supported");
        }
        if (version == migrations.size()) return {};  // tx rolls back: nothing to do
        if (auto r = exec(migrations[version]); !r) return r;
        if (auto r = exec("PRAGMA user_version=" + std::to_string(version + 1)); !r) return r;
        if (auto r = tx->commit(); !r) return r;
    }
}

Result<std::int64_t> Db::read_schema_version(const std::filesystem::path& file) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    Db db(raw, Durability::Normal);
    if (rc != SQLITE_OK) {
        return Error::internal("sqlite open " + file.string() + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_busy_handler(raw, retry_soon, nullptr);
    auto stmt = db.prepare("PRAGMA user_version");
    if (!stmt) return stmt.error();
    auto row = stmt->step();
    if (!row) return row.error();
    return stmt->column_int64(0);
}

Result<Transaction> Transaction::begin(Db& db, Durability durability) {
    const bool switch_mode = durability != db.durability();
    if (switch_mode) {
        // PRAGMA synchronous cannot change inside a transaction, so set it first.
        if (auto r = db.run_cached(synchronous_pragma(durability)); !r) return r.error();
    }
    if (auto r = db.run_cached("BEGIN IMMEDIATE"); !r) {
        if (switch_mode) (void)db.run_cached(synchronous_pragma(db.durability()));
        return r.error();
    }
    return Transaction(&db, switch_mode);
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), restore_durability_(other.restore_durability_) {}

Transaction::~Transaction() {
    if (db_) {
        (void)db_->run_cached("ROLLBACK");
        finish();
    }
}

void Transaction::finish() {
    if (restore_durability_) (void)db_->run_cached(synchronous_pragma(db_->durability()));
    db_ = nullptr;
}

Result<void> Transaction::commit() {
    if (!db_) return Error::internal("sqlite: commit without transaction");
    if (auto r = db_->run_cached("COMMIT"); !r) {
        return r;  // the destructor rolls back
    }
    finish();
    return {};
}

Result<ReadSnapshot> ReadSnapshot::begin(Db& db) {
    if (auto r = db.run_cached("BEGIN"); !r) return r.error();
    return ReadSnapshot(&db);
}

ReadSnapshot::ReadSnapshot(ReadSnapshot&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

ReadSnapshot::~ReadSnapshot() {
    if (db_) (void)db_->run_cached("ROLLBACK");
}

}  // namespace mr::storage::sqlite
