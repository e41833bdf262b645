#include <doctest/doctest.h>

#include <array>
#include <ctime>
#include <fstream>
#include <vector>

#include "storage/queue.hpp"
#include "storage/sqlite/db.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::ErrorKind;
using mr::storage::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::vector<QueueRecipient> rcpts(std::initializer_list<const char*> addresses) {
    std::vector<QueueRecipient> out;
    for (const char* a : addresses) out.push_back(QueueRecipient{a, RecipientState::Pending, 0, 0, "", "", ""});
    return out;
}

// Every octet value, so a blob or file that altered a byte (NUL, CR, LF, 0xff) shows.
std::string message_of_size(std::size_t n) {
    std::string out(n, '\0');
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
    return out;
}

std::int64_t count(const fs::path& data_dir, const std::string& sql) {
    auto db = sqlite::Db::open(data_dir / "queue" / "queue.db", sqlite::Durability::Full);
    REQUIRE(db.ok());
    auto s = db->prepare(sql);
    REQUIRE(s.ok());
    REQUIRE(*s->step());
    return s->column_int64(0);
}

std::int64_t blobs(const fs::path& data_dir) { return count(data_dir, "SELECT count(*) FROM bodies"); }

// The schema as shipped before V3 (bodies): a queue.db of an older release.
constexpr std::string_view kOldV1 = R"sql(
CREATE TABLE entries (id TEXT PRIMARY KEY, sender TEXT NOT NULL, received INTEGER NOT NULL,
  size INTEGER NOT NULL, dsn_ret TEXT NOT NULL DEFAULT '', dsn_envid TEXT NOT NULL DEFAULT '',
  lease_until INTEGER NOT NULL DEFAULT 0);
CREATE TABLE recipients (entry_id TEXT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
  address TEXT NOT NULL, state INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 3),
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '', dsn_notify TEXT NOT NULL DEFAULT '',
  orcpt TEXT NOT NULL DEFAULT '', PRIMARY KEY (entry_id, address)) WITHOUT ROWID;
CREATE INDEX recipients_due ON recipients(state, next_attempt);
)sql";
constexpr std::string_view kOldV2 = R"sql(
ALTER TABLE recipients ADD COLUMN warned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recipients ADD COLUMN bounce INTEGER NOT NULL DEFAULT 0;
)sql";

}  // namespace

TEST_CASE("queue: enqueue is durable and survives reopening") {
    TempDir dir;
    std::string id;
    {
        auto q = Queue::open(dir.path());
        REQUIRE(q.ok());
        auto r = rcpts({"a@example.org", "b@remote.net", "a@example.org"});
        r[1].dsn_notify = "SUCCESS,FAILURE";
        r[1].orcpt = "rfc822;b@remote.net";
        auto got = q->enqueue("sender@example.org", r, "Subject: hi\r\n\r\nbody\r\n", {"HDRS", "env-1"});
        REQUIRE(got.ok());
        id = *got;
        CHECK(id.size() == 22);
        CHECK_FALSE(fs::exists(dir / "queue" / "msg" / id));  // small: inline in queue.db
        CHECK(q->enqueue("", {}, "x").error().kind == ErrorKind::Syntax);  // no recipients
    }
    auto q = Queue::open(dir.path());
    REQUIRE(q.ok());
    auto entry = q->show(id);
    REQUIRE(entry.ok());
    REQUIRE(entry->has_value());
    const QueueEntry& e = **entry;
    CHECK(e.sender == "sender@example.org");
    CHECK(e.size == 21);
    CHECK(e.dsn_ret == "HDRS");
    CHECK(e.dsn_envid == "env-1");
    REQUIRE(e.recipients.size() == 2);  // the duplicate collapsed
    CHECK(e.recipients[1].address == "b@remote.net");
    CHECK(e.recipients[1].dsn_notify == "SUCCESS,FAILURE");
    CHECK(e.recipients[1].orcpt == "rfc822;b@remote.net");
    CHECK(*q->read_message(id) == "Subject: hi\r\n\r\nbody\r\n");
    CHECK(q->show("../../etc/passwd").error().kind == ErrorKind::Syntax);
    CHECK_FALSE(q->show("0000000000000000000000")->has_value());
}

TEST_CASE("queue: batch enqueue, ids sort by time, null sender") {
    TempDir dir;
    auto q = Queue::open(dir.path());
    REQUIRE(q.ok());
    std::vector<EnqueueRequest> batch;
    for (int i = 0; i < 5; ++i) {
        batch.push_back(EnqueueRequest{i == 0 ? "" : "s@example.org", rcpts({"r@example.org"}), "msg", {}});
    }
    auto ids = q->enqueue_batch(batch);
    REQUIRE(ids.ok());
    REQUIRE(ids->size() == 5);
    auto listed = q->list();
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 5);
    for (std::size_t i = 0; i < 5; ++i) CHECK(listed->at(i).id == ids->at(i));  // time order
    CHECK(listed->front().sender.empty());
}

TEST_CASE("queue: lease, mark delivered/deferred/failed, remove when final") {
    TempDir dir;
    auto q = Queue::open(dir.path());
    REQUIRE(q.ok());
    const std::int64_t now = std::time(nullptr);
    auto id = q->enqueue("s@example.org", rcpts({"a@x.org", "b@y.org", "c@z.org"}), "m");
    REQUIRE(id.ok());

    auto due = q->lease_due(now, 300, 10);
    REQUIRE(due.ok());
    REQUIRE(due->size() == 1);
    CHECK(due->front().lease_until == now + 300);
    CHECK(q->lease_due(now, 300, 10)->empty());  // leased: nobody else gets it

    REQUIRE(q->mark_delivered(*id, "a@x.org").ok());
    REQUIRE(q->mark_deferred(*id, "b@y.org", now + 600, "451 try later").ok());
    REQUIRE(q->mark_failed(*id, "c@z.org", "550 no such user").ok());
    CHECK(q->mark_delivered(*id, "a@x.org").error().kind == ErrorKind::Refused);  // already final
    CHECK_FALSE(*q->remove_if_complete(*id));  // b is deferred
    REQUIRE(q->release(*id).ok());
    CHECK(q->lease_due(now, 300, 10)->empty());  // b not due before now + 600
    auto later = q->lease_due(now + 601, 300, 10);
    REQUIRE(later->size() == 1);
    const auto& b = later->front().recipients[1];
    CHECK(b.state == RecipientState::Deferred);
    CHECK(b.attempts == 1);
    CHECK(b.last_error == "451 try later");
    CHECK(to_string(b.state) == "deferred");

    REQUIRE(q->flush(now).ok());
    REQUIRE(q->mark_delivered(*id, "b@y.org").ok());
    CHECK(*q->remove_if_complete(*id));
    CHECK_FALSE(fs::exists(q->message_path(*id)));
    CHECK(q->list()->empty());
}

TEST_CASE("queue: operator delete and orphan sweep") {
    TempDir dir;
    auto q = Queue::open(dir.path());
    REQUIRE(q.ok());
    auto id = q->enqueue("s@example.org", rcpts({"a@x.org"}), "m");
    REQUIRE(id.ok());
    REQUIRE(q->remove(*id).ok());
    CHECK(q->remove(*id).error().kind == ErrorKind::Refused);
    CHECK_FALSE(fs::exists(q->message_path(*id)));
    // A file without a row: what a crash between file write and commit leaves.
    { FILE* f = std::fopen((dir / "queue" / "msg" / "0123456789abcdef012345").c_str(), "w"); std::fclose(f); }
    CHECK(*q->sweep_orphans(std::time(nullptr), 3600) == 0);  // too young: may be mid-enqueue
    CHECK(*q->sweep_orphans(std::time(nullptr) + 7200, 3600) == 1);
}

TEST_CASE("queue: small messages inline, large ones as files, both read back byte-exact") {
    TempDir dir;
    const std::size_t limit = Queue::kInlineLimit;
    const std::vector<std::string> messages = {message_of_size(1), message_of_size(limit),
                                               message_of_size(limit + 1), message_of_size(3 * limit + 17)};
    std::vector<std::string> ids;
    {
        auto q = Queue::open(dir.path());
        REQUIRE(q.ok());
        std::vector<EnqueueRequest> batch;
        for (const auto& m : messages) batch.push_back(EnqueueRequest{"s@example.org", rcpts({"r@x.org"}), m, {}});
        auto got = q->enqueue_batch(batch);
        REQUIRE(got.ok());
        ids = *got;
    }
    CHECK(blobs(dir.path()) == 2);  // 1 byte and exactly the limit
    CHECK_FALSE(fs::exists(dir / "queue" / "msg" / ids[0]));
    CHECK_FALSE(fs::exists(dir / "queue" / "msg" / ids[1]));
    CHECK(fs::file_size(dir / "queue" / "msg" / ids[2]) == limit + 1);
    CHECK(fs::file_size(dir / "queue" / "msg" / ids[3]) == 3 * limit + 17);
    auto q = Queue::open(dir.path());  // read back after reopening: what was committed
    REQUIRE(q.ok());
    for (std::size_t i = 0; i < messages.size(); ++i) {
        auto bytes = q->read_message(ids[i]);
        REQUIRE(bytes.ok());
        CHECK(*bytes == messages[i]);
        CHECK((*q->show(ids[i]))->size == static_cast<std::int64_t>(messages[i].size()));
    }
    CHECK(q->read_message("0000000000000000000000").error().kind == ErrorKind::Refused);
    CHECK(q->read_message("../x").error().kind == ErrorKind::Syntax);
}

TEST_CASE("queue: every way of removing an entry leaves no blob and no file") {
    TempDir dir;
    auto q = Queue::open(dir.path());
    REQUIRE(q.ok());
    const std::string small = "Subject: s\r\n\r\nb\r\n";
    const std::string large = message_of_size(Queue::kInlineLimit + 1);
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        for (const std::string* m : {&small, &large}) {
            auto id = q->enqueue("s@example.org", rcpts({"a@x.org"}), *m);
            REQUIRE(id.ok());
            ids.push_back(*id);
        }
    }
    CHECK(blobs(dir.path()) == 3);
    for (std::size_t i = 1; i < ids.size(); i += 2) CHECK(fs::exists(q->message_path(ids[i])));
    // apply_updates (deliverd's group commit): ids[0] inline, ids[1] file.
    std::vector<RecipientUpdate> updates{{ids[0], "a@x.org", RecipientState::Delivered, 0, "", false},
                                         {ids[1], "a@x.org", RecipientState::Failed, 0, "550 no", false}};
    std::vector<std::string> first{ids[0], ids[1]};
    auto removed = q->apply_updates(updates, first);
    REQUIRE(removed.ok());
    CHECK(*removed == first);
    // remove_if_complete: ids[2], ids[3].
    for (std::size_t i = 2; i < 4; ++i) {
        REQUIRE(q->mark_delivered(ids[i], "a@x.org").ok());
        CHECK(*q->remove_if_complete(ids[i]));
    }
    // The operator's delete: ids[4], ids[5].
    REQUIRE(q->remove(ids[4]).ok());
    REQUIRE(q->remove(ids[5]).ok());
    CHECK(q->list()->empty());
    CHECK(blobs(dir.path()) == 0);
    CHECK(count(dir.path(), "SELECT count(*) FROM recipients") == 0);
    CHECK(fs::is_empty(dir / "queue" / "msg"));
}

TEST_CASE("queue: a queue.db from before inline bodies migrates and still delivers its files") {
    TempDir dir;
    const std::string old_id = "0005f00000000012345678";
    const std::string bytes = "Subject: old\r\n\r\nqueued before the upgrade\r\n";
    {
        fs::create_directories(dir / "queue" / "msg");
        auto db = sqlite::Db::open(dir / "queue" / "queue.db", sqlite::Durability::Full);
        REQUIRE(db.ok());
        const std::array<std::string_view, 2> old = {kOldV1, kOldV2};
        REQUIRE(db->migrate(old).ok());
        REQUIRE(db->exec("INSERT INTO entries(id, sender, received, size) VALUES ('" + old_id +
                         "', 's@example.org', 1, " + std::to_string(bytes.size()) +
                         "); INSERT INTO recipients(entry_id, address) VALUES ('" + old_id + "', 'a@x.org');")
                    .ok());
        std::ofstream(dir / "queue" / "msg" / old_id, std::ios::binary) << bytes;
    }
    auto q = Queue::open(dir.path());
    REQUIRE(q.ok());
    CHECK(count(dir.path(), "PRAGMA user_version") == 5);
    auto due = q->lease_due(std::time(nullptr), 300, 10);
    REQUIRE(due.ok());
    REQUIRE(due->size() == 1);
    CHECK((*due)[0].folder.empty());  // entries from before V4 go to INBOX
    CHECK(due->front().id == old_id);
    CHECK(*q->read_message(old_id) == bytes);
    // New mail beside it goes inline.
    auto fresh = q->enqueue("s@example.org", rcpts({"b@x.org"}), "Subject: new\r\n\r\nb\r\n");
    REQUIRE(fresh.ok());
    CHECK(blobs(dir.path()) == 1);
    std::vector<RecipientUpdate> updates{{old_id, "a@x.org", RecipientState::Delivered, 0, "", false}};
    std::vector<std::string> done{old_id};
    REQUIRE(q->apply_updates(updates, done)->size() == 1);
    CHECK_FALSE(fs::exists(dir / "queue" / "msg" / old_id));  // its file went with its row
    CHECK(*q->read_message(*fresh) == "Subject: new\r\n\r\nb\r\n");
}

TEST_CASE("queue: an entry's folder is kept for local delivery") {
    TempDir dir;
    auto q = Queue::open(dir.path());
    REQUIRE(q.ok());
    EnqueueParams junk;
    junk.folder = "Junk";
    auto a = q->enqueue("s@example.org", rcpts({"a@example.org"}), "Subject: a\r\n\r\nx\r\n", junk);
    auto b = q->enqueue("s@example.org", rcpts({"b@example.org"}), "Subject: b\r\n\r\nx\r\n", {});
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    auto due = q->lease_due(std::time(nullptr), 300, 10);
    REQUIRE(due.ok());
    REQUIRE(due->size() == 2);
    CHECK((*due)[0].folder == "Junk");
    CHECK((*due)[1].folder.empty());
}

TEST_CASE("queue: an expanded recipient keeps the alias that forwarded it") {
    TempDir dir;
    auto q = Queue::open(dir.path());
    REQUIRE(q.ok());
    auto id = q->enqueue("s@elsewhere.org", rcpts({"fwd@example.org"}), "Subject: x\r\n\r\nbody\r\n");
    REQUIRE(id.ok());
    auto targets = rcpts({"friend@remote.org", "bob@example.org"});
    targets[0].forwarded_by = "fwd@example.org";
    REQUIRE(q->expand_recipient(*id, "fwd@example.org", targets, "alias expanded").ok());
    auto e = q->show(*id);
    REQUIRE(e.ok());
    for (const auto& r : (*e)->recipients) {
        if (r.address == "friend@remote.org") CHECK(r.forwarded_by == "fwd@example.org");
        else CHECK(r.forwarded_by.empty());
    }
}
