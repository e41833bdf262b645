// rfc822_size in the mailbox index (issue 5): stored at append, reindex, copy and move,
// and filled in for indexes written before schema v2.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/mime/structure_blob.hpp"
#include "common/text/message_data.hpp"
#include "storage/mailbox_store.hpp"
#include "storage/sqlite/db.hpp"
#include "storage/reindex.hpp"
#include "tests/unit/storage/index_downgrade.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Line ends as other Maildir tools write them: the CRLF size differs from the file size.
const std::vector<std::string> kMessages = {
    "Subject: crlf\r\n\r\nbody\r\n",
    "Subject: bare lf\n\nline one\nline two\n",
    "Subject: open end\r\n\r\na\rb",
};

MailboxStore open_store(const fs::path& dir) {
    auto s = MailboxStore::open(dir);
    REQUIRE(s.ok());
    return std::move(*s);
}

std::vector<std::int64_t> sizes_of(MailboxStore& store, const char* box = "INBOX") {
    auto all = store.messages(box);
    REQUIRE(all.ok());
    std::vector<std::int64_t> out;
    for (const auto& m : *all) out.push_back(m.rfc822_size);
    return out;
}

std::vector<std::int64_t> expected_sizes() {
    std::vector<std::int64_t> out;
    for (const auto& m : kMessages) out.push_back(static_cast<std::int64_t>(mr::text::rfc822_size(m)));
    return out;
}

// Column values as stored, without going through the store (which fills in).
std::vector<std::int64_t> stored_sizes(const fs::path& dir) {
    auto db = sqlite::Db::open(dir / "index.sqlite", sqlite::Durability::Normal);
    REQUIRE(db.ok());
    auto s = db->prepare(
        "SELECT m.rfc822_size FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id"
        " WHERE b.name = 'INBOX' ORDER BY m.uid");
    REQUIRE(s.ok());
    std::vector<std::int64_t> out;
    while (*s->step()) out.push_back(s->column_int64(0));
    return out;
}

// Turns the index back into what schema v1 wrote: no rfc822_size or pop3_uidl column,
// user_version 1.
void downgrade_to_v1(const fs::path& dir) {
    auto db = sqlite::Db::open(dir / "index.sqlite", sqlite::Durability::Normal);
    REQUIRE(db.ok());
    REQUIRE(db->exec("ALTER TABLE messages DROP COLUMN pop3_uidl; ALTER TABLE messages DROP COLUMN rfc822_size; " +
                     std::string(mr::storage::test::kDropV9) + "PRAGMA user_version = 1;")
                .ok());
}

}  // namespace

TEST_CASE("rfc822 size: append stores the CRLF size, not the file size") {
    TempDir dir;
    auto store = open_store(dir / "u");
    for (const auto& m : kMessages) REQUIRE(store.append("INBOX", m).ok());
    CHECK(sizes_of(store) == expected_sizes());
    CHECK(stored_sizes(dir / "u") == expected_sizes());
    const auto expected = expected_sizes();
    // The bare LF and open-ended messages really differ from their file sizes.
    CHECK(expected[0] == static_cast<std::int64_t>(kMessages[0].size()));
    CHECK(expected[1] == static_cast<std::int64_t>(kMessages[1].size()) + 4);
    CHECK(expected[2] == static_cast<std::int64_t>(kMessages[2].size()) + 3);
    auto status = store.status("INBOX");
    REQUIRE(status.ok());
    CHECK(status->size == expected[0] + expected[1] + expected[2]);  // RFC 8438 SIZE >= sum of RFC822.SIZE
}

TEST_CASE("rfc822 size: copy and move carry it, reindex recomputes it") {
    TempDir dir;
    auto store = open_store(dir / "u");
    for (const auto& m : kMessages) REQUIRE(store.append("INBOX", m).ok());
    const std::vector<std::uint32_t> uids = {1, 2, 3};
    REQUIRE(store.copy("INBOX", uids, "Archive").ok());
    CHECK(sizes_of(store, "Archive") == expected_sizes());
    REQUIRE(store.move("Archive", uids, "Trash").ok());
    CHECK(sizes_of(store, "Trash") == expected_sizes());
    REQUIRE(reindex_user(dir / "u").ok());
    auto reopened = open_store(dir / "u");
    // Reindex numbers files in Maildir name order, which need not be append order (names
    // made within one second differ in their random part): compare as sorted sets.
    const auto sorted = [](std::vector<std::int64_t> v) {
        std::sort(v.begin(), v.end());
        return v;
    };
    CHECK(sorted(sizes_of(reopened)) == sorted(expected_sizes()));
    CHECK(sorted(stored_sizes(dir / "u")) == sorted(expected_sizes()));
}

TEST_CASE("rfc822 size: an index from schema v1 is migrated and filled in on first listing") {
    TempDir dir;
    {
        auto store = open_store(dir / "u");
        for (const auto& m : kMessages) REQUIRE(store.append("INBOX", m).ok());
    }
    downgrade_to_v1(dir / "u");
    auto store = open_store(dir / "u");  // migrates: the column exists, every row unknown
    CHECK(stored_sizes(dir / "u") == std::vector<std::int64_t>{-1, -1, -1});
    auto status = store.status("INBOX");  // before filling: file sizes, no failure
    REQUIRE(status.ok());
    CHECK(status->messages == 3);

    // A partial listing fills only what it lists.
    const std::uint32_t second[] = {2};
    auto one = store.messages("INBOX", second);
    REQUIRE(one.ok());
    REQUIRE(one->size() == 1);
    CHECK(one->front().rfc822_size == expected_sizes()[1]);
    CHECK(stored_sizes(dir / "u") == std::vector<std::int64_t>{-1, expected_sizes()[1], -1});

    CHECK(sizes_of(store) == expected_sizes());
    CHECK(stored_sizes(dir / "u") == expected_sizes());

    // Stored for good: a later listing needs no file (remove them all to prove it).
    auto all = store.messages("INBOX");
    REQUIRE(all.ok());
    for (const auto& m : *all) fs::remove(dir / "u" / m.file);
    auto again = open_store(dir / "u");
    CHECK(sizes_of(again) == expected_sizes());
}

TEST_CASE("rfc822 size: a pre-v2 row whose file is unreadable stays unknown, the rest is filled") {
    TempDir dir;
    std::string lost_file;
    {
        auto store = open_store(dir / "u");
        for (const auto& m : kMessages) REQUIRE(store.append("INBOX", m).ok());
        lost_file = store.messages("INBOX")->front().file;
    }
    downgrade_to_v1(dir / "u");
    fs::remove(dir / "u" / lost_file);
    auto store = open_store(dir / "u");
    const auto expected = expected_sizes();
    CHECK(sizes_of(store) == std::vector<std::int64_t>{-1, expected[1], expected[2]});
    auto changes = store.changes_since("INBOX", 0);  // changes_since fills in too
    REQUIRE(changes.ok());
    REQUIRE(changes->changed.size() == 3);
    CHECK(changes->changed[2].rfc822_size == expected[2]);
}

namespace {

// Structure blobs as stored, without going through the store.
std::vector<std::string> stored_structures(const fs::path& dir) {
    auto db = sqlite::Db::open(dir / "index.sqlite", sqlite::Durability::Normal);
    REQUIRE(db.ok());
    auto s = db->prepare(
        "SELECT m.structure FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id"
        " WHERE b.name = 'INBOX' ORDER BY m.uid");
    REQUIRE(s.ok());
    std::vector<std::string> out;
    while (*s->step()) out.push_back(s->column_blob(0));
    return out;
}

}  // namespace

TEST_CASE("structure: version-1 blobs of a v5 index are carried over or parsed again on first listing") {
    TempDir dir;
    {
        auto store = open_store(dir / "u");
        for (const auto& m : kMessages) REQUIRE(store.append("INBOX", m).ok());
    }
    std::vector<std::string> current;
    for (const auto& m : kMessages) current.push_back(mr::mime::structure_blob(m));
    REQUIRE(stored_structures(dir / "u") == current);
    {
        // Back to v5: every blob says version 1 (its sizes as v1 counted them do not
        // matter: only the clean message's blob is kept, and its sizes are the same).
        auto db = sqlite::Db::open(dir / "u" / "index.sqlite", sqlite::Durability::Normal);
        REQUIRE(db.ok());
        REQUIRE(db->exec("UPDATE messages SET structure = CAST(x'01' || substr(structure, 2) AS BLOB);"
                         " UPDATE messages SET structure = CAST(x'01' || x'00' AS BLOB) WHERE uid = 3;"
                         " ALTER TABLE messages DROP COLUMN pop3_uidl; " +
                         std::string(mr::storage::test::kDropV9) + "PRAGMA user_version = 5;")
                    .ok());
    }
    auto store = open_store(dir / "u");  // migrates to v6
    auto stored = stored_structures(dir / "u");
    REQUIRE(stored.size() == 3);
    CHECK(stored[0] == current[0]);  // CRLF only: only its version byte changed
    CHECK(static_cast<unsigned char>(stored[1][0]) == 1);  // bare LF: left for the listing
    CHECK(stored[2] == std::string("\x01\x00", 2));      // bare CR, open end: likewise

    // The first listing parses the files again and stores the result.
    auto all = store.messages("INBOX");
    REQUIRE(all.ok());
    REQUIRE(all->size() == 3);
    for (std::size_t i = 0; i < 3; ++i) CHECK((*all)[i].structure == current[i]);
    CHECK(stored_structures(dir / "u") == current);
    CHECK(sizes_of(store) == expected_sizes());
}

TEST_CASE("structure: a v1 index (no sizes, version-1 blobs) gets both from one read of each file") {
    TempDir dir;
    {
        auto store = open_store(dir / "u");
        for (const auto& m : kMessages) REQUIRE(store.append("INBOX", m).ok());
    }
    {
        auto db = sqlite::Db::open(dir / "u" / "index.sqlite", sqlite::Durability::Normal);
        REQUIRE(db.ok());
        REQUIRE(db->exec("UPDATE messages SET structure = CAST(x'01' || substr(structure, 2) AS BLOB)").ok());
    }
    downgrade_to_v1(dir / "u");
    auto store = open_store(dir / "u");
    CHECK(sizes_of(store) == expected_sizes());
    std::vector<std::string> current;
    for (const auto& m : kMessages) current.push_back(mr::mime::structure_blob(m));
    CHECK(stored_structures(dir / "u") == current);
}
