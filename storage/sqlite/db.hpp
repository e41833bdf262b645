// A thin RAII layer over SQLite: Db (one connection), Statement (one prepared
// statement), Transaction (BEGIN IMMEDIATE ... COMMIT, rolled back on scope exit)
// and schema migrations by PRAGMA user_version.
//
// Invariants and decisions:
// - Every database is opened in WAL mode with foreign_keys=ON and a busy timeout
//   (kBusyTimeoutMs), so readers never block writers and several processes
//   (smtpd, deliverd, imapd, pop3d, the CLI) can share one file.
// - Every write goes through Transaction, which starts with BEGIN IMMEDIATE: the
//   write lock is taken up front (waiting up to the busy timeout), so a
//   read-then-write transaction can never fail half-way with SQLITE_BUSY.
// - Durability is chosen per database and, where it matters, per transaction:
//     Durability::Full   synchronous=FULL: the WAL is fsync'd at every commit, so a
//                        commit that returned survives power loss. Used where the
//                        commit is a promise to someone else: queue.db (250 to DATA),
//                        directory.db (rare admin writes), and index transactions
//                        that create, move or remove message files.
//     Durability::Normal synchronous=NORMAL: in WAL mode the database stays
//                        consistent after a crash, but the last commits may be
//                        rolled back by a power loss. Used for index transactions
//                        that only change flags: losing the last flag change is
//                        acceptable, and the Maildir file name carries flags anyway.
// - A Db is used by one thread at a time (SQLite's default serialized mode would
//   allow more, but the store objects above are not shared between threads).
// - Db keeps the statements it prepared (up to kMaxCachedStatements, by SQL text) and
//   hands one out again once the Statement that used it has ended (reset, bindings
//   cleared): the store's queries are a few dozen fixed texts run for every IMAP command,
//   and compiling them again each time (sqlite3_prepare_v2, ~10-30 µs each) was most of
//   a short command's CPU (issue 18's stress load). A text whose statement is still in
//   use (a nested query) gets a fresh, uncached statement.
// - Nothing here throws; every failure is an Error::internal carrying SQLite's
//   message, except constraint violations, which callers may map to Refused.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/util/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace mr::storage::sqlite {

inline constexpr int kBusyTimeoutMs = 5000;
inline constexpr std::size_t kMaxCachedStatements = 64;

enum class Durability { Normal, Full };

class Statement;

class Db {
public:
    // Opens (creating if needed) the database file with the pragmas above;
    // `durability` is the connection default.
    static Result<Db> open(const std::filesystem::path& file, Durability durability);

    Db(Db&& other) noexcept;
    Db& operator=(Db&& other) noexcept;
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    ~Db();

    // Runs one or more SQL statements that return no rows.
    Result<void> exec(std::string_view sql);
    // One statement, from the cache when its text was prepared before (see above).
    Result<Statement> prepare(std::string_view sql);
    // Runs one SQL statement that returns no rows, through the statement cache
    // (BEGIN, COMMIT, PRAGMA synchronous=...: the statements around every transaction).
    Result<void> run_cached(std::string_view sql);

    // Applies migrations[i] for every i >= PRAGMA user_version, each in its own
    // transaction together with the user_version bump. migrations[0] creates the
    // schema; appending a step is the only way to change it. A database whose version
    // is beyond the last step (written by a later release) is refused, never changed.
    Result<void> migrate(std::span<const std::string_view> migrations);

    // PRAGMA user_version of an existing file, read without changing it (no migration).
    static Result<std::int64_t> read_schema_version(const std::filesystem::path& file);

    Result<void> set_durability(Durability durability);
    Durability durability() const { return durability_; }

    std::int64_t last_insert_rowid() const;
    int changes() const;
    Error error(std::string_view what) const;
    sqlite3* handle() const { return db_; }

private:
    explicit Db(sqlite3* db, Durability durability) : db_(db), durability_(durability) {}
    void close();
    struct Cached {
        sqlite3_stmt* stmt = nullptr;
        bool in_use = false;  // a Statement holds it; cleared when that Statement ends
    };
    struct TextHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    sqlite3* db_ = nullptr;
    Durability durability_ = Durability::Full;
    // Node-based: a Cached stays where it is when the map grows or the Db is moved, so a
    // Statement may point at its in_use flag.
    std::unordered_map<std::string, Cached, TextHash, std::equal_to<>> cache_;
};

class Statement {
public:
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are 1-based, like SQLite's. Binding returns *this so calls chain;
    // a bind failure (a programming error: wrong index) is reported by step().
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind_null(int index);

    // true: a row is available; false: done.
    Result<bool> step();
    // Steps a statement that returns no rows (INSERT/UPDATE/DELETE).
    Result<void> run();
    void reset();

    std::int64_t column_int64(int index) const;
    std::string column_text(int index) const;
    std::string column_blob(int index) const;
    bool column_is_null(int index) const;
    // Length of a text or blob column without copying it (hot loops that skip empty values).
    std::size_t column_bytes(int index) const;

    // SQLITE_CONSTRAINT* from the last step(): the caller maps it to Refused.
    bool constraint_failed() const { return constraint_failed_; }

private:
    friend class Db;
    Statement(sqlite3* db, sqlite3_stmt* stmt, bool* cached_in_use = nullptr)
        : db_(db), stmt_(stmt), cached_in_use_(cached_in_use) {}
    void note_bind(int rc);
    void release();  // back to the Db's cache (reset, unbound), or finalized
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    bool* cached_in_use_ = nullptr;  // the cache entry's flag; null: finalize at the end
    int bind_error_ = 0;
    bool constraint_failed_ = false;
};

// Steps `stmt` to its end and gives read(stmt) of every row, in order.
template <class Read>
auto collect_rows(Statement& stmt, Read read) -> Result<std::vector<decltype(read(stmt))>> {
    std::vector<decltype(read(stmt))> out;
    for (;;) {
        auto row = stmt.step();
        if (!row) return row.error();
        if (!*row) return out;
        out.push_back(read(stmt));
    }
}

// Column 0 of every row as text.
inline std::string first_column_text(const Statement& stmt) { return stmt.column_text(0); }

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit()
// succeeded. With Durability::Full the transaction commits with synchronous=FULL
// even on a Normal connection (and restores the connection default afterwards).
class Transaction {
public:
    static Result<Transaction> begin(Db& db, Durability durability);
    static Result<Transaction> begin(Db& db) { return begin(db, db.durability()); }

    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    Result<void> commit();

private:
    Transaction(Db* db, bool restore) : db_(db), restore_durability_(restore) {}
    void finish();
    Db* db_ = nullptr;
    bool restore_durability_ = false;
};

// A read snapshot: BEGIN (deferred) ... ROLLBACK. In WAL mode every read inside
// sees the same commit, so e.g. "changed rows" and "highestmodseq" agree.
class ReadSnapshot {
public:
    static Result<ReadSnapshot> begin(Db& db);
    ReadSnapshot(ReadSnapshot&& other) noexcept;
    ReadSnapshot& operator=(ReadSnapshot&&) = delete;
    ReadSnapshot(const ReadSnapshot&) = delete;
    ReadSnapshot& operator=(const ReadSnapshot&) = delete;
    ~ReadSnapshot();

private:
    explicit ReadSnapshot(Db* db) : db_(db) {}
    Db* db_ = nullptr;
};

}  // namespace mr::storage::sqlite
