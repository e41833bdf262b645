// Private \Seen (issue 19): a reader's \Seen on the owner's store is the reader's own.
#include <doctest/doctest.h>

#include <vector>

#include "storage/mailbox_store.hpp"
#include "storage/sqlite/db.hpp"
#include "storage/store_pool.hpp"
#include "tests/unit/storage/index_downgrade.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;

namespace {

MailboxStore open_store(const TempDir& dir) {
    auto s = MailboxStore::open(dir / "owner");
    REQUIRE(s.ok());
    return std::move(*s);
}

std::uint32_t flags_of(MailboxStore& store, std::uint32_t uid) {
    auto m = store.messages("INBOX", std::vector<std::uint32_t>{uid});
    REQUIRE(m.ok());
    REQUIRE(m->size() == 1);
    return m->front().flags;
}

void add_three(MailboxStore& store) {
    for (int i = 0; i < 3; ++i) REQUIRE(store.append("INBOX", "Subject: x\r\n\r\nbody\r\n").ok());
}

}  // namespace

TEST_CASE("private seen: a reader's \\Seen is its own, the owner's flag and file stay") {
    TempDir dir;
    auto store = open_store(dir);
    add_three(store);
    REQUIRE(store.set_flags("INBOX", std::vector<std::uint32_t>{3}, FlagOp::Add, kSeen).ok());  // the owner's

    store.set_seen_reader("alice@example.org");
    CHECK((flags_of(store, 3) & kSeen) == 0);  // the owner's \Seen is not alice's
    const auto before = store.status("INBOX");
    REQUIRE(before.ok());
    CHECK(before->unseen == 3);
    auto set = store.set_flags("INBOX", std::vector<std::uint32_t>{1}, FlagOp::Add, kSeen | kFlagged);
    REQUIRE(set.ok());
    REQUIRE(set->updated.size() == 1);
    CHECK(set->updated[0].flags == (kSeen | kFlagged));
    CHECK(flags_of(store, 1) == (kSeen | kFlagged));
    CHECK(store.status("INBOX")->unseen == 2);
    auto view = store.mailbox_view("INBOX");
    REQUIRE(view.ok());
    CHECK(view->first_unseen == 2);
    auto with_headers = store.messages_with_headers("INBOX", std::vector<std::uint32_t>{1, 3});
    REQUIRE(with_headers.ok());
    CHECK((with_headers->at(0).flags & kSeen) != 0);
    CHECK((with_headers->at(1).flags & kSeen) == 0);

    store.set_seen_reader("bob@example.org");
    CHECK(flags_of(store, 1) == kFlagged);  // \Flagged is shared, \Seen is not
    CHECK(store.status("INBOX")->unseen == 3);
    CHECK(store.mailbox_view("INBOX")->first_unseen == 1);

    store.set_seen_reader({});
    CHECK(flags_of(store, 1) == kFlagged);  // the owner's own view
    CHECK(flags_of(store, 3) == kSeen);
    CHECK(store.status("INBOX")->unseen == 2);
    CHECK(store.mailbox_view("INBOX")->first_unseen == 1);
    // The file names carry the owner's flags only.
    auto path = store.message_path("INBOX", 1);
    REQUIRE(path.ok());
    CHECK(path->filename().string().ends_with(":2,F"));
}

TEST_CASE("private seen: Replace and Remove keep the owner's \\Seen; the reader's changes are its own") {
    TempDir dir;
    auto store = open_store(dir);
    add_three(store);
    REQUIRE(store.set_flags("INBOX", std::vector<std::uint32_t>{1, 2}, FlagOp::Add, kSeen).ok());
    const std::uint64_t owner_modseq = store.mailbox("INBOX")->highestmodseq;

    store.set_seen_reader("alice@example.org");
    REQUIRE(store.set_flags("INBOX", std::vector<std::uint32_t>{2}, FlagOp::Add, kSeen).ok());
    // FLAGS (\Answered) clears alice's \Seen of 2 and sets \Answered for everyone.
    auto replaced = store.set_flags("INBOX", std::vector<std::uint32_t>{2}, FlagOp::Replace, kAnswered);
    REQUIRE(replaced.ok());
    CHECK(flags_of(store, 2) == kAnswered);
    REQUIRE(store.set_flags("INBOX", std::vector<std::uint32_t>{3}, FlagOp::Add, kSeen).ok());
    REQUIRE(store.set_flags("INBOX", std::vector<std::uint32_t>{3}, FlagOp::Remove, kSeen).ok());
    CHECK(flags_of(store, 3) == 0);
    // A no-op for alice writes nothing.
    auto noop = store.set_flags("INBOX", std::vector<std::uint32_t>{3}, FlagOp::Remove, kSeen);
    REQUIRE(noop.ok());
    CHECK(noop->updated.empty());

    store.set_seen_reader({});
    CHECK(flags_of(store, 1) == kSeen);
    CHECK(flags_of(store, 2) == (kSeen | kAnswered));
    CHECK(flags_of(store, 3) == 0);
    CHECK(store.mailbox("INBOX")->highestmodseq > owner_modseq);
}

TEST_CASE("private seen: changes_since reports a reader's change to that reader only") {
    TempDir dir;
    auto store = open_store(dir);
    add_three(store);
    const std::uint64_t since = store.mailbox("INBOX")->highestmodseq;

    store.set_seen_reader("alice@example.org");
    auto set = store.set_flags("INBOX", std::vector<std::uint32_t>{2}, FlagOp::Add, kSeen);
    REQUIRE(set.ok());
    auto alice = store.changes_since("INBOX", since);
    REQUIRE(alice.ok());
    REQUIRE(alice->changed.size() == 1);
    CHECK(alice->changed[0].uid == 2);
    CHECK(alice->changed[0].flags == kSeen);
    CHECK(alice->changed[0].modseq == set->updated[0].modseq);
    CHECK(alice->highestmodseq == set->updated[0].modseq);

    store.set_seen_reader("bob@example.org");
    auto bob = store.changes_since("INBOX", since);
    REQUIRE(bob.ok());
    CHECK(bob->changed.empty());
    store.set_seen_reader({});
    auto owner = store.changes_since("INBOX", since);
    REQUIRE(owner.ok());
    CHECK(owner->changed.empty());

    // An owner's change to another message and alice's row merge in UID order.
    REQUIRE(store.set_flags("INBOX", std::vector<std::uint32_t>{1, 3}, FlagOp::Add, kFlagged).ok());
    store.set_seen_reader("alice@example.org");
    auto merged = store.changes_since("INBOX", since);
    REQUIRE(merged.ok());
    REQUIRE(merged->changed.size() == 3);
    CHECK(merged->changed[0].uid == 1);
    CHECK(merged->changed[1].uid == 2);
    CHECK(merged->changed[1].flags == kSeen);
    CHECK(merged->changed[2].uid == 3);
    CHECK(merged->changed[2].flags == kFlagged);
}

TEST_CASE("private seen: rows go with their message; a pool clears the reader") {
    TempDir dir;
    {
        auto store = open_store(dir);
        add_three(store);
        store.set_seen_reader("alice@example.org");
        REQUIRE(store.set_flags("INBOX", std::vector<std::uint32_t>{1}, FlagOp::Add, kSeen | kDeleted).ok());
        store.set_seen_reader({});
        auto gone = store.expunge("INBOX");
        REQUIRE(gone.ok());
        CHECK(*gone == std::vector<std::uint32_t>{1});
        auto db = mr::storage::sqlite::Db::open(dir / "owner" / "index.sqlite", mr::storage::sqlite::Durability::Normal);
        REQUIRE(db.ok());
        auto count = db->prepare("SELECT count(*) FROM private_seen");
        REQUIRE(count.ok());
        REQUIRE(*count->step());
        CHECK(count->column_int64(0) == 0);
    }
    StorePool pool(dir / "owner");
    {
        auto loan = pool.borrow();
        REQUIRE(loan.ok());
        (**loan)->set_seen_reader("alice@example.org");
    }
    auto again = pool.borrow();
    REQUIRE(again.ok());
    CHECK((**again)->seen_reader().empty());
}

TEST_CASE("private seen: an index from before v10 gets the table") {
    TempDir dir;
    {
        auto store = open_store(dir);
        add_three(store);
    }
    {
        auto db = mr::storage::sqlite::Db::open(dir / "owner" / "index.sqlite", mr::storage::sqlite::Durability::Normal);
        REQUIRE(db.ok());
        REQUIRE(db->exec(std::string(mr::storage::test::kDropV10) + "PRAGMA user_version=9").ok());
    }
    auto store = open_store(dir);
    store.set_seen_reader("alice@example.org");
    REQUIRE(store.set_flags("INBOX", std::vector<std::uint32_t>{2}, FlagOp::Add, kSeen).ok());
    CHECK(store.status("INBOX")->unseen == 2);
}
