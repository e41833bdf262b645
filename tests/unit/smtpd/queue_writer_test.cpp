// QueueWriter against a real queue on disk: group commit, caller-chosen ids, callbacks on
// the loop thread, no callback for a session that has gone.
#include <doctest/doctest.h>

#include <algorithm>
#include <thread>

#include "common/net/loop.hpp"
#include "smtpd/server/queue_writer.hpp"
#include "storage/queue.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr;
using namespace mr::smtpd::server;

namespace {

QueuedMessage message(std::string body, std::string rcpt = "alice@example.test") {
    QueuedMessage m;
    m.id = storage::Queue::new_id();
    m.sender = "sender@remote.example";
    storage::QueueRecipient r;
    r.address = std::move(rcpt);
    r.dsn_notify = "SUCCESS";
    r.orcpt = "rfc822;alice@example.test";
    m.recipients.push_back(r);
    m.bytes = std::move(body);
    m.params.dsn_ret = "HDRS";
    m.params.dsn_envid = "ENV1";
    return m;
}

// A writer with one Queue on `dir`.
std::shared_ptr<QueueWriter> one_queue_writer(net::Loop& loop, const storage::test::TempDir& dir) {
    auto q = storage::Queue::open(dir.path());
    REQUIRE(q);
    return std::make_shared<QueueWriter>(loop, std::make_unique<storage::Queue>(std::move(*q)),
                                         dir / "run/deliverd.sock");
}

}  // namespace

TEST_CASE("messages submitted together share a batch and keep their ids and envelopes") {
    storage::test::TempDir dir;
    std::vector<std::string> ids;
    std::vector<std::string> done;
    std::size_t batches = 0;
    {
        net::Loop loop;
        auto writer = one_queue_writer(loop, dir);
        auto alive = std::make_shared<int>(0);
        auto gone = std::make_shared<int>(0);
        for (int i = 0; i < 5; ++i) {
            auto m = message("Subject: " + std::to_string(i) + "\r\n\r\nbody\r\n");
            ids.push_back(m.id);
            writer->submit(std::move(m), alive, [&](Result<std::string> id) {
                REQUIRE(id);
                done.push_back(*id);
            });
        }
        // The first message left at once; the other four wait for it, then go together.
        CHECK(writer->waiting() == 4);
        writer->submit(message("gone\r\n"), gone, [&](Result<std::string>) { FAIL("callback for a gone session"); });
        gone.reset();
        loop.run();
        batches = writer->batches();
    }
    CHECK(batches == 2);
    CHECK(done == ids);
    auto q = storage::Queue::open(dir.path());
    REQUIRE(q);
    auto entries = q->list();
    REQUIRE(entries);
    CHECK(entries->size() == 6);  // the gone session's message is committed all the same
    auto first = q->show(ids[0]);
    REQUIRE(first);
    REQUIRE(first->has_value());
    const auto& e = **first;
    CHECK(e.sender == "sender@remote.example");
    CHECK(e.dsn_ret == "HDRS");
    CHECK(e.dsn_envid == "ENV1");
    REQUIRE(e.recipients.size() == 1);
    CHECK(e.recipients[0].dsn_notify == "SUCCESS");
    CHECK(e.recipients[0].orcpt == "rfc822;alice@example.test");
    CHECK(*q->read_message(ids[0]) == "Subject: 0\r\n\r\nbody\r\n");
}

TEST_CASE("a failed batch reports the error to every message in it") {
    storage::test::TempDir dir;
    std::vector<std::string> errors;
    {
        net::Loop loop;
        auto writer = one_queue_writer(loop, dir);
        auto alive = std::make_shared<int>(0);
        auto bad = message("x\r\n");
        bad.id = "not-a-queue-id";
        writer->submit(std::move(bad), alive, [&](Result<std::string> id) {
            REQUIRE_FALSE(id);
            errors.push_back(id.error().message);
        });
        loop.run();
    }
    CHECK(errors.size() == 1);
}

TEST_CASE("with several queues a second batch starts while the first commits, once enough messages wait") {
    storage::test::TempDir dir;
    std::vector<std::string> ids;
    std::vector<std::string> done;
    std::size_t batches = 0;
    {
        net::Loop loop;
        std::vector<std::unique_ptr<storage::Queue>> queues;
        for (int i = 0; i < 3; ++i) {
            auto q = storage::Queue::open(dir.path());
            REQUIRE(q);
            queues.push_back(std::make_unique<storage::Queue>(std::move(*q)));
        }
        auto writer = std::make_shared<QueueWriter>(loop, std::move(queues), dir / "run/deliverd.sock");
        auto alive = std::make_shared<int>(0);
        auto submit = [&](int i) {
            auto m = message("Subject: " + std::to_string(i) + "\r\n\r\nbody\r\n");
            ids.push_back(m.id);
            writer->submit(std::move(m), alive, [&](Result<std::string> id) {
                REQUIRE(id);
                done.push_back(*id);
            });
        };
        const int k = static_cast<int>(QueueWriter::kMinExtraBatch);
        submit(0);  // leaves at once
        CHECK(writer->in_flight() == 1);
        for (int i = 1; i < k; ++i) submit(i);  // fewer than k waiting: they wait for the first
        CHECK(writer->in_flight() == 1);
        CHECK(writer->waiting() == QueueWriter::kMinExtraBatch - 1);
        submit(k);  // k waiting: they share a second batch at once
        CHECK(writer->in_flight() == 2);
        CHECK(writer->waiting() == 0);
        for (int i = k + 1; i <= 3 * k; ++i) submit(i);  // k more take the third queue; the rest wait
        CHECK(writer->in_flight() == 3);
        CHECK(writer->waiting() == QueueWriter::kMinExtraBatch);
        loop.run();
        batches = writer->batches();
        CHECK(writer->in_flight() == 0);
    }
    CHECK(batches == 4);  // the last k went together once a queue was free
    std::sort(done.begin(), done.end());
    std::sort(ids.begin(), ids.end());
    CHECK(done == ids);
    auto q = storage::Queue::open(dir.path());
    REQUIRE(q);
    auto entries = q->list();
    REQUIRE(entries);
    CHECK(entries->size() == 3 * QueueWriter::kMinExtraBatch + 1);
}

TEST_CASE("before_commit runs off the loop thread and what it changes is what is committed") {
    storage::test::TempDir dir;
    std::string id;
    std::thread::id loop_thread = std::this_thread::get_id();
    std::thread::id ran_on;
    {
        net::Loop loop;
        auto writer = one_queue_writer(loop, dir);
        auto alive = std::make_shared<int>(0);
        auto m = message("Subject: signed\r\n\r\nbody\r\n");
        id = m.id;
        m.before_commit = [&ran_on](QueuedMessage& message) {
            ran_on = std::this_thread::get_id();
            message.bytes.insert(0, "DKIM-Signature: v=1\r\n");
        };
        bool done = false;
        writer->submit(std::move(m), alive, [&](Result<std::string> committed) {
            REQUIRE(committed);
            done = true;
        });
        loop.run();
        CHECK(done);
    }
    CHECK(ran_on != std::thread::id());
    CHECK(ran_on != loop_thread);
    auto q = storage::Queue::open(dir.path());
    REQUIRE(q);
    CHECK(*q->read_message(id) == "DKIM-Signature: v=1\r\nSubject: signed\r\n\r\nbody\r\n");
}
