#include <doctest/doctest.h>

#include <cstdio>
#include <map>

#include "storage/atomic_file.hpp"
#include "storage/default_mailboxes.hpp"
#include "storage/mailbox_store.hpp"
#include "storage/reindex.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;
namespace fs = std::filesystem;

namespace {

// mailbox → (message bytes → flags): what must survive a reindex.
using Snapshot = std::map<std::string, std::map<std::string, std::uint32_t>>;

Snapshot snapshot(MailboxStore& store) {
    Snapshot out;
    // Hold each Result: a range-for over *temporary would dangle.
    auto boxes = store.list_mailboxes();
    REQUIRE(boxes.ok());
    for (const auto& box : *boxes) {
        auto& messages = out[box.name];
        auto listed = store.messages(box.name);
        REQUIRE(listed.ok());
        for (const auto& m : *listed) messages[*store.read_message(box.name, m.uid)] = m.flags;
    }
    return out;
}

void remove_index(const fs::path& user_dir) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(user_dir.string() + "/index.sqlite" + suffix);
}

Snapshot fill(const fs::path& user_dir) {
    auto store = MailboxStore::open(user_dir);
    REQUIRE(store.ok());
    REQUIRE(store->create_mailbox("Work/v1.0").ok());
    REQUIRE(store->append("INBOX", "plain").ok());
    REQUIRE(store->append("INBOX", "seen+flagged", kSeen | kFlagged).ok());
    REQUIRE(store->append("INBOX", "answered", kAnswered).ok());
    REQUIRE(store->append("Work/v1.0", "work", kSeen, std::vector<std::string>{"$Important"}).ok());
    REQUIRE(store->append("Sent", "sent", kSeen).ok());
    const std::vector<std::uint32_t> third = {3};
    REQUIRE(store->set_flags("INBOX", third, FlagOp::Add, kDeleted | kDraft).ok());
    return snapshot(*store);
}

}  // namespace

TEST_CASE("reindex: a deleted index is rebuilt on open with the same messages and flags") {
    TempDir dir;
    const auto user_dir = dir / "user";
    const Snapshot before = fill(user_dir);
    remove_index(user_dir);
    auto store = MailboxStore::open(user_dir);  // finds mail without an index: reindexes
    REQUIRE(store.ok());
    CHECK(snapshot(*store) == before);
    CHECK(store->mailbox("Sent")->special_use == "\\Sent");
    CHECK(store->mailbox("Work/v1.0").ok());
    CHECK(store->status("INBOX")->uidnext == 4);
    CHECK(store->append("INBOX", "after")->uid == 4);
}

TEST_CASE("reindex: an empty index file (crash while creating it) is rebuilt on open") {
    TempDir dir;
    const auto user_dir = dir / "user";
    const Snapshot before = fill(user_dir);
    CHECK_FALSE(index::missing(user_dir));
    remove_index(user_dir);
    CHECK(index::missing(user_dir));
    { FILE* f = std::fopen((user_dir / "index.sqlite").c_str(), "wb"); std::fclose(f); }
    CHECK(index::missing(user_dir));  // empty counts as missing: the one definition
    auto store = MailboxStore::open(user_dir);
    REQUIRE(store.ok());
    CHECK(snapshot(*store) == before);
    CHECK_FALSE(index::missing(user_dir));
}

TEST_CASE("reindex: explicit reindex salvages keywords and subscriptions, changes UIDVALIDITY") {
    TempDir dir;
    const auto user_dir = dir / "user";
    const Snapshot before = fill(user_dir);
    std::uint32_t old_uidvalidity = 0;
    {
        auto store = MailboxStore::open(user_dir);
        REQUIRE(store->subscribe("Junk", false).ok());
        old_uidvalidity = store->mailbox("INBOX")->uidvalidity;
    }
    auto report = reindex_user(user_dir);
    REQUIRE(report.ok());
    CHECK(report->salvaged_old_index);
    CHECK(report->messages == 5);
    CHECK(report->mailboxes == 7);
    auto store = MailboxStore::open(user_dir);
    REQUIRE(store.ok());
    CHECK(snapshot(*store) == before);
    CHECK(store->mailbox("INBOX")->uidvalidity > old_uidvalidity);
    CHECK_FALSE(store->mailbox("Junk")->subscribed);
    CHECK(store->messages("Work/v1.0")->front().keywords == std::vector<std::string>{"$Important"});
    bool kept_old = false;
    for (const auto& e : fs::directory_iterator(user_dir)) {
        kept_old |= e.path().filename().string().rfind("index.sqlite.old-", 0) == 0;
    }
    CHECK(kept_old);
}

TEST_CASE("reindex: subscriptions without a mailbox are kept (schema v8)") {
    TempDir dir;
    const auto user_dir = dir / "user";
    {
        auto store = MailboxStore::open(user_dir);
        REQUIRE(store->create_mailbox("Gone").ok());
        REQUIRE(store->subscribe("Gone", true).ok());
        REQUIRE(store->delete_mailbox("Gone").ok());
        REQUIRE(store->create_mailbox("Vanished").ok());
        REQUIRE(store->subscribe("Vanished", true).ok());
    }
    fs::remove_all(user_dir / ".Vanished");  // its folder lost outside the store
    REQUIRE(reindex_user(user_dir).ok());
    auto store = MailboxStore::open(user_dir);
    REQUIRE(store.ok());
    CHECK(*store->lost_subscriptions() == std::vector<std::string>{"Gone", "Vanished"});
    CHECK(store->mailbox("Vanished").error().code == mr::ErrorCode::NoSuchMailbox);
}

TEST_CASE("reindex: crash leftovers (file in tmp/, file in new/ without a row)") {
    TempDir dir;
    const auto user_dir = dir / "user";
    fill(user_dir);
    // A crash before the rename: bytes in tmp/. A crash after the rename but
    // before the index commit: a complete file in new/ the index does not know.
    REQUIRE(write_file_atomically(user_dir / "tmp", "1.Mhalf.host", "half a mess").ok());
    REQUIRE(write_file_atomically(user_dir / "new", "2000000000.Mwhole.host,S=5", "whole").ok());
    {
        auto store = MailboxStore::open(user_dir);
        CHECK(store->status("INBOX")->messages == 3);  // the index alone does not see it
    }
    auto report = reindex_user(user_dir);
    REQUIRE(report.ok());
    CHECK(report->removed_tmp_files == 1);
    CHECK(report->messages == 6);
    auto store = MailboxStore::open(user_dir);
    auto inbox = store->messages("INBOX");
    REQUIRE(inbox->size() == 4);
    CHECK(*store->read_message("INBOX", inbox->back().uid) == "whole");  // newest time prefix last
    CHECK(inbox->back().flags == 0);
    CHECK(fs::is_empty(user_dir / "tmp"));
}

TEST_CASE("reindex: a damaged index is replaced") {
    TempDir dir;
    const auto user_dir = dir / "user";
    const Snapshot before = fill(user_dir);
    remove_index(user_dir);
    {
        FILE* f = std::fopen((user_dir / "index.sqlite").c_str(), "wb");
        REQUIRE(f != nullptr);
        for (int i = 0; i < 100; ++i) std::fputs("garbage garbage garbage garbage ", f);
        std::fclose(f);
    }
    CHECK_FALSE(MailboxStore::open(user_dir).ok());
    auto report = reindex_user(user_dir);
    REQUIRE(report.ok());
    CHECK_FALSE(report->salvaged_old_index);
    CHECK_FALSE(report->warnings.empty());
    auto store = MailboxStore::open(user_dir);
    REQUIRE(store.ok());
    CHECK(snapshot(*store) == before);
    CHECK(reindex_user(dir / "nobody").error().kind == mr::ErrorKind::Refused);
}

TEST_CASE("reindex: an old index without the schema gets a warning; the defaults come from one list") {
    TempDir dir;
    const auto user_dir = dir / "user";
    fill(user_dir);
    remove_index(user_dir);
    {
        auto other = mr::storage::sqlite::Db::open(user_dir / "index.sqlite", mr::storage::sqlite::Durability::Normal);
        REQUIRE(other.ok());
        REQUIRE(other->exec("CREATE TABLE unrelated (x INTEGER)").ok());
    }
    auto report = reindex_user(user_dir);
    REQUIRE(report.ok());
    CHECK_FALSE(report->salvaged_old_index);
    CHECK(report->warnings == std::vector<std::string>{"old index has no usable schema"});
    auto store = MailboxStore::open(user_dir);
    REQUIRE(store.ok());
    for (const auto& d : kDefaultMailboxes) {
        CAPTURE(d.name);
        auto box = store->mailbox(d.name);
        REQUIRE(box.ok());
        CHECK(box->special_use == d.special_use);
    }
    CHECK(store->mailbox("Work/v1.0")->special_use.empty());
}

TEST_CASE("reindex: what the old index carries is read without migrating it") {
    TempDir dir;
    const auto user_dir = dir / "user";
    fill(user_dir);
    auto old = mr::storage::sqlite::Db::open(user_dir / "index.sqlite", mr::storage::sqlite::Durability::Normal);
    REQUIRE(old.ok());
    auto rows = index::read_old_index(*old);
    REQUIRE(rows.ok());
    CHECK(rows->mailboxes.size() == kDefaultMailboxes.size() + 1);  // + Work/v1.0
    REQUIRE(rows->keywords.size() == 1);
    CHECK(rows->keywords.front().second == "$Important");
    CHECK(rows->last_uidvalidity > 0);
}
