// Planning and finishing against a real queue and directory in a temp dir.
#include <doctest/doctest.h>

#include "deliverd/queue_work.hpp"
#include "tests/unit/deliverd/stores_fixture.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::deliverd;
using mr::storage::QueueRecipient;
using mr::storage::RecipientState;
using mr::storage::test::TempDir;

namespace {

std::shared_ptr<Stores> make_stores(const TempDir& dir) {
    return test::make_stores(dir, {"example.test"},
                             {{"team@example.test", "bob@example.test"},
                              {"team@example.test", "far@remote.test"},
                              {"team@example.test", "ghost@example.test"}});
}

QueueRecipient rcpt(const std::string& a, const std::string& notify = "") {
    QueueRecipient r;
    r.address = a;
    r.dsn_notify = notify;
    return r;
}

const RecipientOutcome* find(const std::vector<RecipientOutcome>& v, const std::string& a) {
    for (const auto& o : v) {
        if (o.address == a) return &o;
    }
    return nullptr;
}

}  // namespace

TEST_CASE("queue work: alias expansion splits local, remote and unknown targets") {
    TempDir dir;
    auto stores = make_stores(dir);
    std::vector<QueueRecipient> to{rcpt("team@example.test")};
    auto id = stores->queue.enqueue("alice@remote.test", to, "Subject: hi\r\n\r\nbody\r\n");
    REQUIRE(id.ok());

    auto plan = plan_batch(*stores, 1000000, 600, 10);
    REQUIRE(plan.ok());
    REQUIRE(plan->size() == 1);
    const auto& p = plan->front();
    REQUIRE(p.local.size() == 1);
    CHECK(p.local[0].address == "bob@example.test");
    REQUIRE(p.remote.size() == 1);
    // Forwarded by the alias: the sender is in its SRS form (srs_planning_test.cpp).
    CHECK(p.remote.begin()->first.domain == "remote.test");
    CHECK(p.remote.begin()->first.sender.starts_with("SRS0="));
    CHECK(p.remote.begin()->second == std::vector<std::string>{"far@remote.test"});
    auto* ghost = find(p.immediate, "ghost@example.test");
    REQUIRE(ghost != nullptr);
    CHECK(ghost->kind == OutcomeKind::PermFail);

    // The queue knows the targets now, with the alias as ORCPT.
    auto e = stores->queue.show(*id);
    REQUIRE((*e)->recipients.size() == 4);
    for (const auto& r : (*e)->recipients) {
        if (r.address == "team@example.test") CHECK(r.state == RecipientState::Delivered);
        else CHECK(r.orcpt == "rfc822;team@example.test");
    }

    // Finish: bob delivered, far deferred, ghost failed -> one failure notice.
    RunSettings settings{"mx.example.test", RetrySchedule{300, 3600, 86400, 14400}};
    std::vector<RecipientOutcome> outcomes = p.immediate;
    outcomes.push_back({"bob@example.test", OutcomeKind::Delivered, "250 ok", {}, false, false});
    outcomes.push_back({"far@remote.test", OutcomeKind::TempFail, "421 4.4.2 busy", "mx.remote.test[192.0.2.1]", true, false});
    auto s = finish_entry(*stores, settings, p, outcomes, 1000000);
    CHECK(s.notice_queued);
    CHECK_FALSE(s.removed);
    CHECK(s.delivered == 1);
    CHECK(s.deferred == 1);
    CHECK(s.failed == 1);

    auto all = stores->queue.list();
    REQUIRE(all->size() == 2);
    const auto& notice = all->at(0).id == *id ? all->at(1) : all->at(0);
    CHECK(notice.sender.empty());  // null sender: no bounce loops
    REQUIRE(notice.recipients.size() == 1);
    CHECK(notice.recipients[0].address == "alice@remote.test");
    auto text = stores->queue.read_message(notice.id);
    CHECK(text->find("Final-Recipient: rfc822; ghost@example.test") != std::string::npos);
    CHECK(text->find("Action: failed") != std::string::npos);
    CHECK(text->find("far@remote.test") == std::string::npos);  // not delayed long enough

    auto orig = stores->queue.show(*id);
    for (const auto& r : (*orig)->recipients) {
        if (r.address == "far@remote.test") {
            CHECK(r.state == RecipientState::Deferred);
            CHECK(r.next_attempt == 1000000 + 300);
        }
    }
}

TEST_CASE("queue work: expiry bounces, a null sender never gets a notice, SUCCESS asked") {
    TempDir dir;
    auto stores = make_stores(dir);
    RunSettings settings{"mx.example.test", RetrySchedule{300, 3600, 100, 50}};
    std::vector<QueueRecipient> to{rcpt("far@remote.test")};
    auto id = stores->queue.enqueue("", to, "Subject: bounce\r\n\r\nbody\r\n");
    REQUIRE(id.ok());
    const auto received = stores->queue.show(*id).value()->received;
    auto plan = plan_batch(*stores, received + 200, 600, 10);
    REQUIRE(plan->size() == 1);
    std::vector<RecipientOutcome> outcomes{{"far@remote.test", OutcomeKind::TempFail, "421 busy", {}, true, false}};
    auto s = finish_entry(*stores, settings, plan->front(), outcomes, received + 200);
    CHECK(s.failed == 1);  // expired
    CHECK(s.removed);
    CHECK_FALSE(s.notice_queued);  // null sender
    CHECK(stores->queue.list()->empty());

    std::vector<QueueRecipient> to2{rcpt("bob@example.test", "SUCCESS")};
    auto id2 = stores->queue.enqueue("alice@remote.test", to2, "Subject: ok\r\n\r\nbody\r\n");
    auto plan2 = plan_batch(*stores, received + 1, 600, 10);
    REQUIRE(plan2->size() == 1);
    std::vector<RecipientOutcome> ok{{"bob@example.test", OutcomeKind::Delivered, "250 2.0.0 delivered", {}, false, false}};
    auto s2 = finish_entry(*stores, settings, plan2->front(), ok, received + 1);
    CHECK(s2.removed);
    CHECK(s2.notice_queued);
    auto notice = stores->queue.list();
    REQUIRE(notice->size() == 1);
    CHECK(stores->queue.read_message(notice->at(0).id)->find("Action: delivered") != std::string::npos);
}

TEST_CASE("queue work: a delay notice goes out once, when NOTIFY allows") {
    TempDir dir;
    auto stores = make_stores(dir);
    RunSettings settings{"mx.example.test", RetrySchedule{10, 10, 1000, 50}};
    std::vector<QueueRecipient> to{rcpt("far@remote.test"), rcpt("never@remote.test", "NEVER")};
    auto id = stores->queue.enqueue("alice@remote.test", to, "Subject: slow\r\n\r\nbody\r\n");
    const auto t0 = stores->queue.show(*id).value()->received;
    auto run = [&](std::int64_t t) {
        auto plan = plan_batch(*stores, t, 600, 10);
        REQUIRE(plan.ok());
        FinishSummary result;
        for (const auto& p : *plan) {  // the notice itself is queued too: leave it alone
            if (p.entry.id != *id) continue;
            std::vector<RecipientOutcome> outcomes;
            for (const auto& [d, rs] : p.remote) {
                for (const auto& r : rs) outcomes.push_back({r, OutcomeKind::TempFail, "421 busy", {}, true, false});
            }
            result = finish_entry(*stores, settings, p, outcomes, t);
        }
        return result;
    };
    CHECK_FALSE(run(t0 + 10).notice_queued);  // too early
    CHECK(run(t0 + 60).notice_queued);        // after delay_warning_s
    CHECK_FALSE(run(t0 + 120).notice_queued); // only once
}
