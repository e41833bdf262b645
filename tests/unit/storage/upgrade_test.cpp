#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "storage/directory.hpp"
#include "storage/mailbox_index.hpp"
#include "storage/mailbox_store.hpp"
#include "storage/sqlite/db.hpp"
#include "storage/upgrade.hpp"
#include "tests/unit/storage/index_downgrade.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;
namespace fs = std::filesystem;

namespace {

const char* const kMessage = "Subject: kept\r\n\r\nbody\r\n";

// A data dir as the current release leaves it: a directory and one user with a message.
fs::path current_data_dir(const TempDir& dir) {
    const fs::path data = dir / "data";
    fs::create_directories(data);
    REQUIRE(Directory::open(data / "directory.db").ok());
    auto store = MailboxStore::open(data / "mail" / "example.test" / "alice");
    REQUIRE(store.ok());
    REQUIRE(store->append("INBOX", kMessage).ok());
    return data;
}

fs::path index_of(const fs::path& data) { return data / "mail" / "example.test" / "alice" / index::kFileName; }

std::int64_t version_of(const fs::path& file) {
    auto v = sqlite::Db::read_schema_version(file);
    REQUIRE(v.ok());
    return *v;
}

void run_sql(const fs::path& file, const std::string& sql) {
    auto db = sqlite::Db::open(file, sqlite::Durability::Normal);
    REQUIRE(db.ok());
    REQUIRE(db->exec(sql).ok());
}

// Schema step 7 added the POP3 UIDL column: without it, the index is what release 6 wrote.
void make_index_v6(const fs::path& data) {
    run_sql(index_of(data), "ALTER TABLE messages DROP COLUMN pop3_uidl; " + std::string(mr::storage::test::kDropV9) +
                                "PRAGMA user_version = 6");
}

bool has_column(const fs::path& file, const std::string& column) {
    auto db = sqlite::Db::open(file, sqlite::Durability::Normal);
    REQUIRE(db.ok());
    auto s = db->prepare("SELECT count(*) FROM pragma_table_info('messages') WHERE name = '" + column + "'");
    REQUIRE(s.ok());
    REQUIRE(*s->step());
    return s->column_int64(0) == 1;
}

}  // namespace

TEST_CASE("upgrade: a current data dir is left alone, without a snapshot") {
    TempDir dir;
    const fs::path data = current_data_dir(dir);
    auto report = upgrade_data_dir(data);
    REQUIRE(report.ok());
    CHECK(report->databases == 2);
    CHECK(report->upgraded == 0);
    CHECK(report->snapshot.empty());
    CHECK_FALSE(fs::exists(data / kSnapshotsDir));
}

TEST_CASE("upgrade: an older index is migrated after a snapshot that keeps it as it was") {
    TempDir dir;
    const fs::path data = current_data_dir(dir);
    make_index_v6(data);
    REQUIRE(version_of(index_of(data)) == 6);

    auto report = upgrade_data_dir(data);
    REQUIRE(report.ok());
    CHECK(report->upgraded == 1);
    CHECK_FALSE(report->snapshot_reused);
    CHECK(version_of(index_of(data)) == static_cast<std::int64_t>(index::schema_version()));
    CHECK(has_column(index_of(data), "pop3_uidl"));

    // The snapshot holds the release-6 index and the message, and is a data dir of its own.
    const fs::path old_data = report->snapshot / "data";
    REQUIRE(report->snapshot.parent_path() == data / kSnapshotsDir);
    CHECK(version_of(index_of(old_data)) == 6);
    CHECK_FALSE(has_column(index_of(old_data), "pop3_uidl"));
    auto old_store = MailboxStore::open(old_data / "mail" / "example.test" / "alice");
    REQUIRE(old_store.ok());
    auto messages = old_store->messages("INBOX");
    REQUIRE(messages.ok());
    CHECK(messages->size() == 1);
    // The snapshot does not contain itself.
    CHECK_FALSE(fs::exists(old_data / kSnapshotsDir));

    // Nothing older is left: a second run does nothing and takes no second snapshot.
    auto again = upgrade_data_dir(data);
    REQUIRE(again.ok());
    CHECK(again->upgraded == 0);
    CHECK(again->snapshot.empty());
}

TEST_CASE("upgrade: interrupted after its snapshot, a rerun reuses it") {
    TempDir dir;
    const fs::path data = current_data_dir(dir);
    make_index_v6(data);
    auto first = upgrade_data_dir(data);
    REQUIRE(first.ok());
    // As if the first run had crashed between the snapshot and the migration.
    make_index_v6(data);
    auto report = upgrade_data_dir(data);
    REQUIRE(report.ok());
    CHECK(report->upgraded == 1);
    CHECK(report->snapshot_reused);
    CHECK(report->snapshot == first->snapshot);
    CHECK(version_of(index_of(data)) == static_cast<std::int64_t>(index::schema_version()));
}

TEST_CASE("upgrade: a snapshot cut short by a crash is discarded and taken again") {
    TempDir dir;
    const fs::path data = current_data_dir(dir);
    make_index_v6(data);
    const fs::path partial = data / kSnapshotsDir / (upgrade_snapshot_name() + ".partial");
    fs::create_directories(partial / "data" / "mail");
    { std::ofstream(partial / "data" / "stray") << "left by the crash"; }
    auto report = upgrade_data_dir(data);
    REQUIRE(report.ok());
    CHECK_FALSE(report->snapshot_reused);
    CHECK(report->snapshot == data / kSnapshotsDir / upgrade_snapshot_name());
    CHECK_FALSE(fs::exists(partial));
    CHECK_FALSE(fs::exists(report->snapshot / "data" / "stray"));
    CHECK(version_of(index_of(report->snapshot / "data")) == 6);
}

TEST_CASE("upgrade: a database from a later release is refused and left unchanged") {
    TempDir dir;
    const fs::path data = current_data_dir(dir);
    const auto later = static_cast<std::int64_t>(Directory::schema_version()) + 1;
    run_sql(data / "directory.db", "PRAGMA user_version = " + std::to_string(later));

    auto report = upgrade_data_dir(data);
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().kind == mr::ErrorKind::Refused);
    CHECK(report.error().message.find("directory.db") != std::string::npos);
    CHECK(report.error().message.find("downgrading is not supported") != std::string::npos);
    // Every process that opens it refuses it too, and nothing is written.
    auto opened = Directory::open(data / "directory.db");
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().message.find("newer than this mailroom") != std::string::npos);
    CHECK(version_of(data / "directory.db") == later);
    CHECK_FALSE(fs::exists(data / kSnapshotsDir));
}
