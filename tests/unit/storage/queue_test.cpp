#include <doctest/doctest.h>

#include <ctime>
#include <vector>

#include "storage/queue.hpp"
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
        CHECK(fs::exists(dir / "queue" / "msg" / id));
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
