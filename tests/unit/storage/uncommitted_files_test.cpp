#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "storage/mailbox_store.hpp"
#include "storage/uncommitted_files.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;
namespace fs = std::filesystem;

namespace {

void touch(const fs::path& p) { std::ofstream(p) << "Subject: stray\r\n\r\nx\r\n"; }

std::string name_with_pid(long pid, int n) {
    return "1700000000.M123456P" + std::to_string(pid) + "Q" + std::to_string(n) + "Rdeadbeef.host,S=20";
}

}  // namespace

TEST_CASE("uncommitted files: the writer pid in a Maildir unique name") {
    struct Row {
        const char* name;
        std::optional<long> pid;
    };
    const Row rows[] = {
        {"1700000000.M123456P4242Q7R0011223344556677.mx.example.org,S=120", 4242},  // ours
        {"1700000000.M123456P4242Q7R00.host,S=1:2,S", 4242},                        // in cur/ with flags
        {"1700000000.M1P1Q1R0.Phost", 1},                                           // 'P' in the host too
        {"1700000000.P99Q.host", std::nullopt},                                     // no ".M" part
        {"1700000000.M123456PQ7R00.host", std::nullopt},                            // empty pid
        {"1700000000.M123456P12x3Q7R00.host", std::nullopt},                        // not digits
        {"1700000000.M123456P0Q7R00.host", std::nullopt},                           // pid 0 is nobody
        {"1700000000.M123456P4242", std::nullopt},                                  // no Q
        {"1699999999.12345_6.other-mda", std::nullopt},                             // another MDA's scheme
    };
    for (const auto& r : rows) {
        CAPTURE(r.name);
        CHECK(maildir_name_pid(r.name) == r.pid);
    }
}

TEST_CASE("uncommitted files: only the dead writer's files without an index row go") {
    TempDir dir;
    auto store = MailboxStore::open(dir / "user");
    REQUIRE(store.ok());
    // A committed message: its file carries this process's pid and has an index row.
    const std::string bytes = "Subject: kept\r\n\r\nkept\r\n";
    AppendMessage a;
    a.mailbox = "INBOX";
    a.bytes = bytes;
    a.delivery_key = "q1/bob@example.org";
    auto stored = store->append_batch(std::span<const AppendMessage>(&a, 1));
    REQUIRE(stored.ok());
    auto before = store->messages("INBOX");
    REQUIRE(before.ok());
    REQUIRE(before->size() == 1);
    const std::string committed = before->front().file;
    REQUIRE(committed.starts_with("new/"));

    const long me = static_cast<long>(::getpid());
    const long other = me + 1;
    const fs::path user = dir / "user";
    touch(user / "new" / name_with_pid(me, 900001));     // written, never committed: goes
    touch(user / "new" / name_with_pid(me, 900002));     // same
    touch(user / "new" / name_with_pid(other, 900003));  // another writer's: stays
    const std::string longer_pid = "1700000000.M1P1" + std::to_string(me) + "Q1R0.h";  // pid "1<me>"
    touch(user / "new" / longer_pid);
    touch(user / "tmp" / name_with_pid(me, 900004));     // unfinished write: not ours to judge
    touch(user / "cur" / (name_with_pid(me, 900005) + ":2,S"));  // cur/ is never touched

    auto removed = remove_uncommitted_files(*store, me);
    REQUIRE(removed.ok());
    CHECK(*removed == 2);
    CHECK(fs::exists(user / committed));
    CHECK_FALSE(fs::exists(user / "new" / name_with_pid(me, 900001)));
    CHECK_FALSE(fs::exists(user / "new" / name_with_pid(me, 900002)));
    CHECK(fs::exists(user / "new" / name_with_pid(other, 900003)));
    CHECK(fs::exists(user / "new" / longer_pid));
    CHECK(fs::exists(user / "tmp" / name_with_pid(me, 900004)));
    CHECK(fs::exists(user / "cur" / (name_with_pid(me, 900005) + ":2,S")));
    auto after = store->messages("INBOX");
    REQUIRE(after.ok());
    CHECK(after->size() == 1);

    // A second run finds nothing more; a pid of 0 or less never matches anything.
    CHECK(*remove_uncommitted_files(*store, me) == 0);
    CHECK(*remove_uncommitted_files(*store, 0) == 0);
    CHECK(*remove_uncommitted_files(*store, -1) == 0);
}
