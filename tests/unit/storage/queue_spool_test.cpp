// QueueSpool: a message received into msg/ becomes the entry's file on commit; an
// uncommitted one leaves nothing; dead writers' spools are swept.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "storage/queue.hpp"
#include "storage/queue_spool.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::size_t spool_files(const fs::path& data_dir) {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(data_dir / "queue" / "msg")) {
        if (e.path().filename().string().rfind(".spool-", 0) == 0) ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("QueueSpool: appended bytes are committed as the entry's msg/<id>") {
    TempDir dir;
    auto q = Queue::open(dir.path());
    REQUIRE(q);
    std::string bytes;
    for (int i = 0; i < 5000; ++i) bytes += "line " + std::to_string(i) + "\r\n\0\xff";
    QueueSpool spool(dir.path(), Queue::new_id());
    CHECK(spool_files(dir.path()) == 0);  // nothing before the first append
    REQUIRE(spool.append(bytes.substr(0, 1000)));
    REQUIRE(spool.append(bytes.substr(1000)));
    CHECK(spool_files(dir.path()) == 1);
    std::vector<QueueRecipient> to(1);
    to[0].address = "a@example.test";
    EnqueueRequest small{"s@example.test", to, "tiny", {}, "", nullptr};
    EnqueueRequest big{"s@example.test", to, {}, {}, spool.id(), &spool};
    auto ids = q->enqueue_batch(std::vector<EnqueueRequest>{small, big});
    REQUIRE(ids);
    CHECK((*ids)[1] == spool.id());
    CHECK(*q->read_message(spool.id()) == bytes);
    CHECK(q->show(spool.id())->value().size == static_cast<std::int64_t>(bytes.size()));
    CHECK(spool_files(dir.path()) == 0);
    CHECK(fs::exists(q->message_path(spool.id())));
}

TEST_CASE("QueueSpool: an uncommitted spool removes its file") {
    TempDir dir;
    auto q = Queue::open(dir.path());
    REQUIRE(q);
    {
        QueueSpool spool(dir.path(), Queue::new_id());
        REQUIRE(spool.append("partial"));
        CHECK(spool_files(dir.path()) == 1);
    }
    CHECK(spool_files(dir.path()) == 0);
}

TEST_CASE("sweep_dead_spools: only spools of dead writers go") {
    TempDir dir;
    auto q = Queue::open(dir.path());
    REQUIRE(q);
    QueueSpool mine(dir.path(), Queue::new_id());
    REQUIRE(mine.append("in progress"));
    // pid 1 is alive; a pid above pid_max is not.
    std::ofstream(dir.path() / "queue" / "msg" / ".spool-1-00000000000000000000aa") << "x";
    std::ofstream(dir.path() / "queue" / "msg" / ".spool-99999999-00000000000000000000bb") << "x";
    auto swept = sweep_dead_spools(dir.path());
    REQUIRE(swept);
    CHECK(*swept == 1);
    CHECK(fs::exists(mine.path()));
    CHECK(fs::exists(dir.path() / "queue" / "msg" / ".spool-1-00000000000000000000aa"));
}

TEST_CASE("QueueSpool: prepend puts a field in front, then appends and commit go on") {
    TempDir dir;
    auto q = Queue::open(dir.path());
    REQUIRE(q);
    std::string body;
    for (int i = 0; i < 20000; ++i) body += "line " + std::to_string(i) + "\r\n";
    QueueSpool spool(dir.path(), Queue::new_id());
    REQUIRE(spool.append(body));
    REQUIRE(spool.prepend("DKIM-Signature: x\r\n"));
    REQUIRE(spool.append("tail\r\n"));
    CHECK(spool_files(dir.path()) == 1);  // the copy replaced the first file
    CHECK(spool.size() == 19 + body.size() + 6);
    std::vector<QueueRecipient> to(1);
    to[0].address = "a@example.test";
    EnqueueRequest big{"s@example.test", to, {}, {}, spool.id(), &spool};
    auto ids = q->enqueue_batch(std::vector<EnqueueRequest>{big});
    REQUIRE(ids);
    CHECK(*q->read_message(spool.id()) == "DKIM-Signature: x\r\n" + body + "tail\r\n");
    CHECK(spool_files(dir.path()) == 0);
}

TEST_CASE("QueueSpool: replace_prefix rewrites the head and keeps the rest") {
    TempDir dir;
    auto q = Queue::open(dir.path());
    REQUIRE(q);
    QueueSpool spool(dir.path(), Queue::new_id());
    REQUIRE(spool.append("Forged: 1\r\nSubject: s\r\n\r\nbody\r\n"));
    const std::string old_head = "Forged: 1\r\nSubject: s\r\n\r\n";
    const std::string new_head = "Authentication-Results: mx; spf=none\r\nSubject: s\r\n\r\n";
    REQUIRE(spool.replace_prefix(new_head, old_head.size()));
    CHECK(spool.size() == new_head.size() + 6);
    std::ifstream in(spool.path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    const std::string got = content.str();
    CHECK(got == "Authentication-Results: mx; spf=none\r\nSubject: s\r\n\r\nbody\r\n");
    CHECK_FALSE(spool.replace_prefix("x", 1000));
}
