// The planner's ARC sealing of what an alias forwards off-site (deliverd/forward_sealing):
// a checked message's off-site targets move to a sealed copy queued as an entry of its own,
// once; an unchecked one is forwarded from its entry as before. Real queue, directory and
// DKIM keys in a temp dir.
#include <doctest/doctest.h>

#include "common/dkim/key_directory.hpp"
#include "deliverd/queue_work.hpp"
#include "tests/unit/deliverd/stores_fixture.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::deliverd;
using mr::storage::QueueRecipient;
using mr::storage::test::TempDir;

namespace {

constexpr std::int64_t kNow = 1700000000;

constexpr const char* kChecked =
    "Authentication-Results: mx.example.test;\r\n\tspf=pass smtp.mailfrom=sender@elsewhere.example;\r\n"
    "\tdkim=none;\r\n\tdmarc=none;\r\n\tarc=none\r\n"
    "Received: from client.test by mx.example.test; Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    "From: <sender@elsewhere.example>\r\nTo: <fwd@example.test>\r\nSubject: hi\r\n\r\nbody\r\n";

struct Fixture {
    TempDir dir;
    std::shared_ptr<Stores> stores = test::make_stores(dir, {"example.test"},
                                                       {{"fwd@example.test", "friend@remote.example"},
                                                        {"fwd@example.test", "bob@example.test"}});
    std::optional<ForwardSealer> sealer;

    Fixture() {
        const auto keys = dir.path() / "dkim";
        REQUIRE(mr::dkim::create_key_pair(keys, "example.test", kNow));
        sealer.emplace(std::make_shared<mr::dkim::SignerCache>(keys), "mx.example.test");
    }

    std::string enqueue(const std::string& message) {
        QueueRecipient r;
        r.address = "fwd@example.test";
        auto id = stores->queue.enqueue("sender@elsewhere.example", std::vector<QueueRecipient>{r}, message);
        REQUIRE(id);
        return *id;
    }

    std::vector<PlannedEntry> plan(std::int64_t now) {
        auto plan = plan_batch(*stores, now, 600, 10, &*sealer);
        REQUIRE(plan);
        return std::move(*plan);
    }
};

}  // namespace

TEST_CASE("arc planning: a checked message's off-site target gets a sealed copy of its own") {
    Fixture f;
    const std::string original = f.enqueue(kChecked);
    auto first = f.plan(kNow);
    REQUIRE(first.size() == 1);
    CHECK(first[0].queued_copy);
    CHECK(first[0].remote.empty());  // friend@remote.example left this entry
    REQUIRE(first[0].local.size() == 1);
    CHECK(first[0].local[0].address == "bob@example.test");

    auto entries = f.stores->queue.list();
    REQUIRE(entries);
    REQUIRE(entries->size() == 2);
    const auto& copy = entries->at(0).id == original ? entries->at(1) : entries->at(0);
    CHECK(copy.sender == "sender@elsewhere.example");
    REQUIRE(copy.recipients.size() == 1);
    CHECK(copy.recipients[0].address == "friend@remote.example");
    CHECK(copy.recipients[0].forwarded_by == "fwd@example.test");
    auto bytes = f.stores->queue.read_message(copy.id);
    REQUIRE(bytes);
    CHECK(bytes->starts_with("ARC-Seal: i=1; a=rsa-sha256; t=1700000000; cv=none; d=example.test;"));
    CHECK(bytes->ends_with(kChecked));

    // The copy goes out with the SRS sender like any forwarded recipient; the lease keeps the
    // first entry out of this run.
    auto second = f.plan(kNow + 1);
    REQUIRE(second.size() == 1);
    CHECK(second[0].entry.id == copy.id);
    CHECK_FALSE(second[0].queued_copy);
    REQUIRE(second[0].remote.size() == 1);
    CHECK(second[0].remote.begin()->first.sender.starts_with("SRS0="));
    CHECK(second[0].message->starts_with("ARC-Seal: i=1;"));
}

TEST_CASE("arc planning: mail we did not check is forwarded from its own entry, unsealed") {
    Fixture f;
    f.enqueue("Received: from localhost\r\nFrom: <sender@elsewhere.example>\r\nSubject: hi\r\n\r\nbody\r\n");
    auto plan = f.plan(kNow);
    REQUIRE(plan.size() == 1);
    CHECK_FALSE(plan[0].queued_copy);
    REQUIRE(plan[0].remote.size() == 1);
    CHECK(plan[0].remote.begin()->second == std::vector<std::string>{"friend@remote.example"});
    auto entries = f.stores->queue.list();
    REQUIRE(entries);
    CHECK(entries->size() == 1);
}
