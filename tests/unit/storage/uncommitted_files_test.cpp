#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "storage/atomic_file.hpp"
#include "storage/mailbox_store.hpp"
#include "storage/maildir.hpp"
#include "storage/uncommitted_files.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;
namespace fs = std::filesystem;

namespace {

void touch(const fs::path& p) { std::ofstream(p) << "Subject: stray\r\n\r\nx\r\n"; }

// What a deliverd killed between file write and index commit leaves in new/.
std::string delivery_name(int n) {
    return "1700000000.M123456P4242Q" + std::to_string(n) + "R0011223344556677Xdeliverd.mx.example.org,S=20";
}

// A keyed append (deliverd's) of one message; returns its folder-relative file.
std::string deliver(MailboxStore& store, const std::string& bytes, const std::string& key) {
    AppendMessage a;
    a.bytes = bytes;
    a.delivery_key = key;
    auto r = store.append_batch(std::span<const AppendMessage>(&a, 1));
    REQUIRE(r.ok());
    auto all = store.messages("INBOX");
    REQUIRE(all.ok());
    for (const auto& m : *all) {
        if (m.uid == r->front().uid) return m.file;
    }
    FAIL("appended message not listed");
    return {};
}

}  // namespace

TEST_CASE("uncommitted files: only names deliverd's writes produce are delivery names") {
    CHECK(is_delivery_file_name(delivery_name(7)));
    CHECK(is_delivery_file_name(new_unique_base(120, true)));
    CHECK_FALSE(is_delivery_file_name(new_unique_base(120, false)));  // imapd APPEND, COPY, reindex
    const char* others[] = {
        "1700000000.M123456P4242Q7R0011223344556677.mx.example.org,S=20",          // unmarked
        "1700000000.M123456P4242Q7R0011223344556677Xdeliverd.mx.example.org,S=20:2,S",  // info suffix
        "1700000000.M123456P4242Q7R00112233Xdeliverd.mx.example.org,S=20",         // short random
        "1700000000.M123456P4242Q7R0011223344556677Xdeliverd,S=20",                // no host
        "1700000000.M123456P4242Q7R0011223344556677Xdeliverd.host,S=",             // no size
        "1700000000.M123456P4242Q7R0011223344556677Xdeliverd.host,S=20,W=21",      // Dovecot's W=
        "1700000000.M123456PQ7R0011223344556677Xdeliverd.host,S=20",               // empty pid
        "1700000000.M1P1Q1R0.Xdeliverd.host,S=20",                                 // marker in the host
        "1699999999.12345_6.Xdeliverd,S=20",                                       // another MDA's scheme
        "Xdeliverd",
        "",
    };
    for (const char* name : others) {
        CAPTURE(name);
        CHECK_FALSE(is_delivery_file_name(name));
    }
}

TEST_CASE("uncommitted files: the target of a temporary file name") {
    CHECK(temp_file_target(".tmp-abc-0011223344556677") == std::optional<std::string_view>("abc"));
    CHECK(temp_file_target(".tmp-a-b-0011223344556677") == std::optional<std::string_view>("a-b"));
    CHECK_FALSE(temp_file_target(".tmp--0011223344556677").has_value());   // no name
    CHECK_FALSE(temp_file_target(".tmp-abc-00112233445566").has_value());  // short suffix
    CHECK_FALSE(temp_file_target(".tmp-abc_0011223344556677").has_value());
    CHECK_FALSE(temp_file_target("abc-0011223344556677").has_value());
}

TEST_CASE("uncommitted files: orphaned delivery files go, committed and foreign files stay") {
    TempDir dir;
    const fs::path user = dir / "user";
    auto store = MailboxStore::open(user);
    REQUIRE(store.ok());
    const std::string committed = deliver(*store, "Subject: kept\r\n\r\nkept\r\n", "q1/bob@example.org");
    REQUIRE(committed.starts_with("new/"));
    CHECK(is_delivery_file_name(committed.substr(4)));
    // An imapd APPEND: unmarked, in new/ without flags, committed.
    auto appended = store->append("INBOX", "Subject: appended\r\n\r\nx\r\n");
    REQUIRE(appended.ok());
    // A committed delivery whose row already names its flagged cur/ name while the file
    // is still in new/ (the row is ahead of a rename): it stays.
    const std::string renamed = deliver(*store, "Subject: flagged\r\n\r\nx\r\n", "q2/bob@example.org");
    REQUIRE(store->set_flags("INBOX", std::vector<std::uint32_t>{3}, FlagOp::Add, kSeen).ok());
    const std::string renamed_back = "new/" + renamed.substr(4);
    REQUIRE(store->messages("INBOX")->back().file.starts_with("cur/"));
    fs::rename(user / store->messages("INBOX")->back().file, user / renamed_back);

    touch(user / "new" / delivery_name(1));  // written, never committed: goes
    touch(user / "new" / delivery_name(2));  // same
    const std::string imapd_name = "1700000000.M123456P4242Q9R0011223344556677.mx.example.org,S=20";
    touch(user / "new" / imapd_name);        // an imapd APPEND in flight: never touched
    touch(user / "new" / "1699999999.12345_6.other-mda");  // another Maildir writer: stays
    touch(user / "cur" / (delivery_name(3) + ":2,S"));      // cur/ is never touched
    const std::string stale_tmp = ".tmp-" + delivery_name(4) + "-8899aabbccddeeff";
    touch(user / "tmp" / stale_tmp);                        // deliverd's unfinished write: goes
    const std::string imapd_tmp = ".tmp-" + imapd_name + "-8899aabbccddeeff";
    touch(user / "tmp" / imapd_tmp);                        // imapd's, maybe in flight: stays

    auto report = remove_uncommitted_deliveries(user);
    REQUIRE(report.ok());
    CHECK(report->files == 2);
    CHECK(report->temporaries == 1);
    CHECK(report->errors.empty());
    CHECK(fs::exists(user / committed));
    CHECK(fs::exists(user / renamed_back));
    CHECK_FALSE(fs::exists(user / "new" / delivery_name(1)));
    CHECK_FALSE(fs::exists(user / "new" / delivery_name(2)));
    CHECK(fs::exists(user / "new" / imapd_name));
    CHECK(fs::exists(user / "new" / "1699999999.12345_6.other-mda"));
    CHECK(fs::exists(user / "cur" / (delivery_name(3) + ":2,S")));
    CHECK_FALSE(fs::exists(user / "tmp" / stale_tmp));
    CHECK(fs::exists(user / "tmp" / imapd_tmp));
    CHECK(store->messages("INBOX")->size() == 3);

    // Idempotent: a second run finds nothing more.
    auto again = remove_uncommitted_deliveries(user);
    REQUIRE(again.ok());
    CHECK(again->files == 0);
    CHECK(again->temporaries == 0);
}

TEST_CASE("uncommitted files: every user store under mail/, none without an index") {
    TempDir dir;
    const fs::path mail = dir / "mail";
    const fs::path bob = mail / "example.org" / "bob";
    const fs::path ann = mail / "example.net" / "ann";
    const fs::path bare = mail / "example.net" / "bare";  // Maildir without index.sqlite
    const fs::path half = mail / "example.net" / "half";  // index.sqlite empty (index::missing)
    for (const auto& u : {bob, ann}) REQUIRE(MailboxStore::open(u).ok());
    for (const auto& u : {bare, half}) {
        for (const char* sub : {"new", "tmp", "cur"}) fs::create_directories(u / sub);
    }
    std::ofstream(half / "index.sqlite").close();  // zero bytes
    touch(mail / "example.org" / "not-a-user");  // a stray file beside the users
    for (const auto& u : {bob, ann, bare, half}) touch(u / "new" / delivery_name(1));
    touch(ann / "tmp" / (".tmp-" + delivery_name(2) + "-0011223344556677"));

    const auto report = remove_uncommitted_deliveries_everywhere(mail);
    CHECK(report.errors.empty());
    CHECK(report.users == 4);
    CHECK(report.files == 2);
    CHECK(report.temporaries == 1);
    CHECK_FALSE(fs::exists(bob / "new" / delivery_name(1)));
    CHECK_FALSE(fs::exists(ann / "new" / delivery_name(1)));
    // Left for the store to reindex: with no index every file would look uncommitted.
    CHECK(fs::exists(bare / "new" / delivery_name(1)));
    CHECK_FALSE(fs::exists(bare / "index.sqlite"));
    CHECK(fs::exists(half / "new" / delivery_name(1)));

    CHECK(remove_uncommitted_deliveries_everywhere(dir / "no-such-dir").errors.empty());
}
