// The storage::Queue calls deliverd and `mailroom queue` added: expansion, retry,
// bounce requests, warned flags, lease release.
#include <doctest/doctest.h>

#include "storage/queue.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;

namespace {

QueueRecipient rcpt(const std::string& a) {
    QueueRecipient r;
    r.address = a;
    return r;
}

}  // namespace

TEST_CASE("queue: expand_recipient makes the alias final and adds its targets") {
    TempDir dir;
    auto q = Queue::open(dir.path());
    REQUIRE(q.ok());
    std::vector<QueueRecipient> to{rcpt("team@x.test")};
    auto id = q->enqueue("a@x.test", to, "Subject: s\r\n\r\nb\r\n");
    REQUIRE(id.ok());
    std::vector<QueueRecipient> targets{rcpt("bob@x.test"), rcpt("far@y.test")};
    targets[0].orcpt = "rfc822;team@x.test";
    REQUIRE(q->expand_recipient(*id, "team@x.test", targets, "alias expanded").ok());
    auto e = q->show(*id);
    REQUIRE(e.ok());
    REQUIRE((*e)->recipients.size() == 3);
    for (const auto& r : (*e)->recipients) {
        if (r.address == "team@x.test") CHECK(r.state == RecipientState::Delivered);
        else CHECK(r.state == RecipientState::Pending);
        if (r.address == "bob@x.test") CHECK(r.orcpt == "rfc822;team@x.test");
    }
    // Twice is refused: the alias is final now.
    CHECK_FALSE(q->expand_recipient(*id, "team@x.test", targets, "again").ok());
}

TEST_CASE("queue: retry, request_bounce, mark_warned, release_all_leases") {
    TempDir dir;
    auto q = Queue::open(dir.path());
    REQUIRE(q.ok());
    std::vector<QueueRecipient> to{rcpt("a@x.test"), rcpt("b@x.test")};
    auto id = q->enqueue("s@x.test", to, "Subject: s\r\n\r\nb\r\n");
    REQUIRE(id.ok());
    REQUIRE(q->lease_due(100, 600, 10)->size() == 1);
    CHECK(q->lease_due(101, 600, 10)->empty());  // leased
    CHECK(*q->release_all_leases() == 1);
    REQUIRE(q->lease_due(102, 600, 10)->size() == 1);

    REQUIRE(q->mark_deferred(*id, "a@x.test", 5000, "451 later").ok());
    REQUIRE(q->mark_deferred(*id, "b@x.test", 5000, "451 later").ok());
    REQUIRE(q->release(*id).ok());
    CHECK(q->lease_due(200, 600, 10)->empty());  // not due before 5000
    REQUIRE(q->retry(*id, 200).ok());
    CHECK(q->lease_due(200, 600, 10)->size() == 1);
    CHECK_FALSE(q->retry("0000000000000000000000", 1).ok());

    REQUIRE(q->mark_warned(*id, "a@x.test").ok());
    REQUIRE(q->request_bounce(*id, 300).ok());
    auto e = q->show(*id);
    for (const auto& r : (*e)->recipients) {
        CHECK(r.bounce_requested);
        CHECK(r.next_attempt == 300);
        CHECK(r.delay_warned == (r.address == "a@x.test"));
    }
    CHECK(q->lease_due(300, 600, 10)->size() == 1);  // request_bounce dropped the lease
}

TEST_CASE("queue: apply_updates records a run in one transaction, removes finished entries") {
    TempDir dir;
    auto q = Queue::open(dir.path());
    REQUIRE(q.ok());
    std::vector<QueueRecipient> two{rcpt("a@x.test"), rcpt("b@x.test")};
    std::vector<QueueRecipient> one{rcpt("c@x.test")};
    auto id1 = q->enqueue("s@x.test", two, "Subject: 1\r\n\r\nb\r\n");
    auto id2 = q->enqueue("s@x.test", one, "Subject: 2\r\n\r\nb\r\n");
    REQUIRE(id1.ok());
    REQUIRE(id2.ok());
    REQUIRE(q->lease_due(10, 600, 10)->size() == 2);
    std::vector<RecipientUpdate> updates{
        {*id1, "a@x.test", RecipientState::Delivered, 0, "", false},
        {*id1, "b@x.test", RecipientState::Deferred, 500, "451 later", true},
        {*id2, "c@x.test", RecipientState::Failed, 0, "550 no", false},
        {*id2, "c@x.test", RecipientState::Delivered, 0, "", false},  // already final: skipped
    };
    std::vector<std::string> ids{*id1, *id2};
    auto removed = q->apply_updates(updates, ids);
    REQUIRE(removed.ok());
    CHECK(*removed == std::vector<std::string>{*id2});
    auto gone = q->read_message(*id2);  // its bytes (a blob) went with its row
    REQUIRE_FALSE(gone.ok());
    CHECK(gone.error().kind == mr::ErrorKind::Refused);
    auto e = q->show(*id1);
    REQUIRE(*e);
    CHECK((*e)->lease_until == 0);  // released
    for (const auto& r : (*e)->recipients) {
        if (r.address == "b@x.test") {
            CHECK(r.state == RecipientState::Deferred);
            CHECK(r.next_attempt == 500);
            CHECK(r.delay_warned);
            CHECK(r.attempts == 1);
        } else {
            CHECK(r.state == RecipientState::Delivered);
        }
    }
    CHECK_FALSE(q->apply_updates({}, std::vector<std::string>{"bad"}).ok());
}
