// The planner's choice of envelope sender for remote recipients (SRS, common/mailauth/srs),
// and SRS addresses of ours routed back to what they stand for, against a real queue and
// directory in a temp dir.
#include <doctest/doctest.h>

#include "common/mailauth/srs.hpp"
#include "deliverd/queue_work.hpp"
#include "storage/srs_key.hpp"
#include "tests/unit/deliverd/stores_fixture.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::deliverd;
using mr::storage::QueueRecipient;
using mr::storage::test::TempDir;

namespace {

constexpr std::int64_t kNow = 1700000000;

std::shared_ptr<Stores> make_stores(const TempDir& dir) {
    return test::make_stores(dir, {"example.test", "other.test"},
                             {{"fwd@example.test", "friend@remote.example"},
                              {"fwd@example.test", "bob@example.test"},
                              {"@other.test", "friend@remote.example"}});  // the last a catch-all
}

std::vector<QueueRecipient> to(std::initializer_list<const char*> addresses) {
    std::vector<QueueRecipient> out;
    for (const char* a : addresses) {
        QueueRecipient r;
        r.address = a;
        out.push_back(std::move(r));
    }
    return out;
}

PlannedEntry plan_one(Stores& stores, const std::string& sender, std::initializer_list<const char*> rcpts,
                      std::int64_t now = kNow) {
    REQUIRE(stores.queue.enqueue(sender, to(rcpts), "Subject: hi\r\n\r\nbody\r\n").ok());
    auto plan = plan_batch(stores, now, 600, 10);
    REQUIRE(plan.ok());
    REQUIRE(plan->size() == 1);
    return std::move(plan->front());
}

std::string key_of(const TempDir& dir) {
    auto k = mr::storage::load_or_create_srs_key(dir.path());
    REQUIRE(k);
    return *k;
}

std::string sender_for(const PlannedEntry& p, const std::string& rcpt) {
    for (const auto& [group, rs] : p.remote) {
        for (const auto& r : rs) {
            if (r == rcpt) return group.sender;
        }
    }
    FAIL("no remote group has " << rcpt);
    return {};
}

}  // namespace

TEST_CASE("srs planning: a forwarded recipient gets SRS0, the direct one keeps the sender") {
    TempDir dir;
    auto stores = make_stores(dir);
    auto p = plan_one(*stores, "sender@elsewhere.example", {"fwd@example.test", "direct@remote.example"});
    // Both at remote.example, but two transactions: the senders differ.
    REQUIRE(p.remote.size() == 2);
    const auto key = key_of(dir);  // created by the planner, read back here
    const auto expected = mr::mailauth::srs_forward("sender@elsewhere.example", "example.test", key, kNow);
    REQUIRE(expected);
    CHECK(expected->starts_with("SRS0="));
    CHECK(expected->ends_with("=elsewhere.example=sender@example.test"));
    CHECK(sender_for(p, "friend@remote.example") == *expected);
    CHECK(sender_for(p, "direct@remote.example") == "sender@elsewhere.example");
    REQUIRE(p.local.size() == 1);  // the alias's local target is not affected
    CHECK(p.local[0].address == "bob@example.test");
}

TEST_CASE("srs planning: a catch-all forwards for its own domain") {
    TempDir dir;
    auto stores = make_stores(dir);
    auto p = plan_one(*stores, "sender@elsewhere.example", {"anyone@other.test"});
    CHECK(sender_for(p, "friend@remote.example").ends_with("=elsewhere.example=sender@other.test"));
}

TEST_CASE("srs planning: null and own-domain senders are not rewritten, SRS0 becomes SRS1") {
    TempDir dir;
    auto stores = make_stores(dir);
    SUBCASE("null sender") {
        auto p = plan_one(*stores, "", {"fwd@example.test"});
        CHECK(sender_for(p, "friend@remote.example").empty());
    }
    SUBCASE("a sender of one of our domains") {
        auto p = plan_one(*stores, "bob@example.test", {"fwd@example.test"});
        CHECK(sender_for(p, "friend@remote.example") == "bob@example.test");
        auto q = plan_one(*stores, "carol@other.test", {"fwd@example.test"});
        CHECK(sender_for(q, "friend@remote.example") == "carol@other.test");
    }
    SUBCASE("an SRS0 sender of another domain") {
        auto p = plan_one(*stores, "SRS0=abcd=G3=orig.example=user@first.example", {"fwd@example.test"});
        CHECK(sender_for(p, "friend@remote.example").starts_with("SRS1="));
        CHECK(sender_for(p, "friend@remote.example").ends_with("=first.example==abcd=G3=orig.example=user@example.test"));
    }
}

TEST_CASE("srs planning: a sender without an SRS form is not forwarded, and says why") {
    TempDir dir;
    auto stores = make_stores(dir);
    const std::string sender = std::string(60, 'l') + "@elsewhere.example";
    REQUIRE(stores->queue.enqueue(sender, to({"fwd@example.test"}), "Subject: hi\r\n\r\nbody\r\n").ok());
    auto plan = plan_batch(*stores, kNow, 600, 10);
    REQUIRE(plan.ok());
    const auto& p = plan->front();
    CHECK(p.remote.empty());
    REQUIRE(p.immediate.size() == 1);
    CHECK(p.immediate[0].address == "friend@remote.example");
    CHECK(p.immediate[0].kind == OutcomeKind::PermFail);
    CHECK(p.immediate[0].reply.starts_with("550 5.7.0 not forwarded"));
    CHECK(p.immediate[0].reply.find("SPF") != std::string::npos);
}

TEST_CASE("srs planning: a retried forwarded recipient keeps its SRS sender") {
    TempDir dir;
    auto stores = make_stores(dir);
    auto p = plan_one(*stores, "sender@elsewhere.example", {"fwd@example.test"});
    const auto first = sender_for(p, "friend@remote.example");
    RunSettings settings{"mx.example.test", RetrySchedule{10, 10, 100000, 50000}};
    std::vector<RecipientOutcome> outcomes{{"bob@example.test", OutcomeKind::Delivered, "250 ok", {}, false, false},
                                           {"friend@remote.example", OutcomeKind::TempFail, "421 busy", {}, true, false}};
    finish_entry(*stores, settings, p, outcomes, kNow);
    auto again = plan_batch(*stores, kNow + 20, 600, 10);
    REQUIRE(again.ok());
    REQUIRE(again->size() == 1);
    CHECK(sender_for(again->front(), "friend@remote.example") == first);
}

TEST_CASE("srs planning: an SRS address of ours goes back to the original sender, sender unchanged") {
    TempDir dir;
    auto stores = make_stores(dir);
    const auto key = key_of(dir);
    auto srs = mr::mailauth::srs_forward("sender@elsewhere.example", "other.test", key, kNow);
    REQUIRE(srs);
    // other.test has a catch-all: the SRS address must not fall into it.
    auto p = plan_one(*stores, "", {srs->c_str()});
    CHECK(sender_for(p, "sender@elsewhere.example").empty());
    CHECK(p.remote.size() == 1);

    std::string tampered = *srs;
    tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
    auto q = plan_one(*stores, "", {tampered.c_str()});
    CHECK(q.remote.empty());
    REQUIRE(q.immediate.size() == 1);
    CHECK(q.immediate[0].kind == OutcomeKind::PermFail);
    CHECK(q.immediate[0].reply.starts_with("550 5.1.1"));
}
