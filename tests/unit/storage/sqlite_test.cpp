#include <doctest/doctest.h>

#include <sys/stat.h>

#include <array>
#include <string_view>

#include "storage/sqlite/db.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;

namespace {

std::int64_t count_rows(sqlite::Db& db) {
    auto s = db.prepare("SELECT count(*) FROM t");
    REQUIRE(s.ok());
    REQUIRE(s->step().ok());
    return s->column_int64(0);
}

constexpr std::array<std::string_view, 2> kSteps = {
    "CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB)",
    "ALTER TABLE t ADD COLUMN n INTEGER NOT NULL DEFAULT 7",
};

}  // namespace

TEST_CASE("sqlite: migrations run once and set user_version") {
    TempDir dir;
    for (int round = 0; round < 2; ++round) {
        auto db = sqlite::Db::open(dir / "a.db", sqlite::Durability::Normal);
        REQUIRE(db.ok());
        REQUIRE(db->migrate(kSteps).ok());
        auto s = db->prepare("PRAGMA user_version");
        REQUIRE(s.ok());
        REQUIRE(*s->step());
        CHECK(s->column_int64(0) == 2);
        auto mode = db->prepare("PRAGMA journal_mode");
        REQUIRE(mode.ok());
        REQUIRE(*mode->step());
        CHECK(mode->column_text(0) == "wal");
    }
}

TEST_CASE("sqlite: transaction rolls back on scope exit, commits on commit()") {
    TempDir dir;
    auto db = sqlite::Db::open(dir / "a.db", sqlite::Durability::Normal);
    REQUIRE(db.ok());
    REQUIRE(db->migrate(kSteps).ok());
    {
        auto tx = sqlite::Transaction::begin(*db);
        REQUIRE(tx.ok());
        REQUIRE(db->exec("INSERT INTO t(k, v) VALUES ('a', x'00')").ok());
    }
    CHECK(count_rows(*db) == 0);
    {
        auto tx = sqlite::Transaction::begin(*db, sqlite::Durability::Full);
        REQUIRE(tx.ok());
        REQUIRE(db->exec("INSERT INTO t(k, v) VALUES ('a', x'00')").ok());
        REQUIRE(tx->commit().ok());
    }
    CHECK(count_rows(*db) == 1);
}

TEST_CASE("sqlite: binding, blobs with NUL bytes, constraint violations") {
    TempDir dir;
    auto db = sqlite::Db::open(dir / "a.db", sqlite::Durability::Full);
    REQUIRE(db.ok());
    REQUIRE(db->migrate(kSteps).ok());
    const std::string blob("a\0b", 3);
    auto ins = db->prepare("INSERT INTO t(k, v) VALUES (?, ?)");
    REQUIRE(ins.ok());
    ins->bind(1, std::string_view("key")).bind_blob(2, blob);
    REQUIRE(ins->run().ok());
    ins->reset();
    ins->bind(1, std::string_view("key")).bind_blob(2, blob);
    auto dup = ins->run();
    CHECK_FALSE(dup.ok());
    CHECK(ins->constraint_failed());
    auto sel = db->prepare("SELECT v, n FROM t WHERE k = ?");
    REQUIRE(sel.ok());
    sel->bind(1, std::string_view("key"));
    REQUIRE(*sel->step());
    CHECK(sel->column_blob(0) == blob);
    CHECK(sel->column_int64(1) == 7);
    CHECK_FALSE(*sel->step());
}

TEST_CASE("sqlite: a file that is not a database fails to open") {
    TempDir dir;
    {
        FILE* f = std::fopen((dir / "bad.db").c_str(), "wb");
        REQUIRE(f != nullptr);
        std::fputs("this is not an SQLite database, just some text that is long enough........", f);
        std::fclose(f);
    }
    auto db = sqlite::Db::open(dir / "bad.db", sqlite::Durability::Normal);
    CHECK_FALSE(db.ok());
}

namespace {

mode_t file_mode(const std::filesystem::path& p) {
    struct stat st{};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("sqlite: a new database file, and so its -wal and -shm, are 0600 whatever the umask") {
    TempDir dir;
    const mode_t old = ::umask(022);
    {
        auto db = sqlite::Db::open(dir / "x.db", sqlite::Durability::Full);
        REQUIRE(db.ok());
        REQUIRE(db->exec("CREATE TABLE t(a)").ok());
        CHECK(file_mode(dir / "x.db") == 0600);
        CHECK(file_mode(dir / "x.db-wal") == 0600);
        CHECK(file_mode(dir / "x.db-shm") == 0600);
    }
    ::umask(old);
}

TEST_CASE("sqlite: a cached statement comes back reset and unbound; a nested one is separate") {
    TempDir dir;
    auto db = sqlite::Db::open(dir / "a.db", sqlite::Durability::Normal);
    REQUIRE(db.ok());
    REQUIRE(db->migrate(kSteps).ok());
    constexpr std::string_view kInsert = "INSERT INTO t(k, v) VALUES (?, ?)";
    constexpr std::string_view kByKey = "SELECT k FROM t WHERE k >= ? ORDER BY k";
    for (const char* k : {"a", "b", "c"}) {
        auto s = db->prepare(kInsert);
        REQUIRE(s.ok());
        REQUIRE(s->bind(1, std::string_view(k)).bind_blob(2, "x").run().ok());
    }
    CHECK(count_rows(*db) == 3);
    {
        // The outer statement is mid-way through its rows while the same text runs again.
        auto outer = db->prepare(kByKey);
        REQUIRE(outer.ok());
        outer->bind(1, std::string_view("a"));
        REQUIRE(*outer->step());
        CHECK(outer->column_text(0) == "a");
        auto inner = db->prepare(kByKey);
        REQUIRE(inner.ok());
        inner->bind(1, std::string_view("c"));
        REQUIRE(*inner->step());
        CHECK(inner->column_text(0) == "c");
        REQUIRE(*outer->step());
        CHECK(outer->column_text(0) == "b");
    }
    // Reused after a half-read run: starts from the first row, and an unbound parameter is
    // NULL again (no row matches k >= NULL).
    {
        auto again = db->prepare(kByKey);
        REQUIRE(again.ok());
        CHECK_FALSE(*again->step());
    }
    {
        auto bound = db->prepare(kByKey);
        REQUIRE(bound.ok());
        bound->bind(1, std::string_view("b"));
        REQUIRE(*bound->step());
        CHECK(bound->column_text(0) == "b");
    }
    // The half-read statement above was reset when it ended: it holds no read that would
    // keep this transaction from seeing and writing the table.
    auto tx = sqlite::Transaction::begin(*db);
    REQUIRE(tx.ok());
    REQUIRE(db->exec("DELETE FROM t").ok());
    REQUIRE(tx->commit().ok());
}
