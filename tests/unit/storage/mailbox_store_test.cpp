#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "storage/mailbox_store.hpp"
#include "storage/sqlite/db.hpp"
#include "tests/unit/storage/index_downgrade.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::ErrorCode;
using mr::ErrorKind;
using mr::storage::test::TempDir;
namespace fs = std::filesystem;

namespace {

MailboxStore open_store(const TempDir& dir) {
    auto s = MailboxStore::open(dir / "user");
    REQUIRE(s.ok());
    return std::move(*s);
}

std::vector<std::uint32_t> uids_of(const std::vector<MessageRecord>& messages) {
    std::vector<std::uint32_t> out;
    for (const auto& m : messages) out.push_back(m.uid);
    return out;
}

}  // namespace

TEST_CASE("mailbox store: a new store has the default mailboxes") {
    TempDir dir;
    auto store = open_store(dir);
    auto boxes = store.list_mailboxes();
    REQUIRE(boxes.ok());
    std::vector<std::string> names;
    for (const auto& b : *boxes) names.push_back(b.name + "=" + b.special_use);
    CHECK(names == std::vector<std::string>{"Archive=\\Archive", "Drafts=\\Drafts", "INBOX=",
                                            "Junk=\\Junk", "Sent=\\Sent", "Trash=\\Trash"});
    for (const auto& b : *boxes) CHECK(b.subscribed);
    CHECK(fs::is_directory(dir / "user" / ".Sent" / "cur"));
    CHECK(fs::is_directory(dir / "user" / "new"));
    auto again = MailboxStore::open(dir / "user");  // reopening creates nothing new
    REQUIRE(again.ok());
    CHECK(again->list_mailboxes()->size() == 6);
}

TEST_CASE("mailbox store: append, status, read, delivery keys") {
    TempDir dir;
    auto store = open_store(dir);
    const auto before = store.mailbox("inbox");
    REQUIRE(before.ok());
    const std::vector<std::string> keywords = {"$Forwarded", "work"};
    auto a = store.append("INBOX", "Subject: a\r\n\r\nA\r\n", 0, {}, 1700000000, "q1/bob@example.org");
    auto b = store.append("INBOX", "Subject: b\r\n\r\nBB\r\n", kSeen, keywords, 0);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->uid == 1);
    CHECK(b->uid == 2);
    CHECK(a->uidvalidity == before->uidvalidity);
    auto dup = store.append("INBOX", "Subject: a\r\n\r\nA\r\n", 0, {}, 0, "q1/bob@example.org");
    REQUIRE(dup.ok());
    CHECK(dup->duplicate);
    CHECK(dup->uid == 1);
    CHECK(store.append("NoSuchBox", "x").error().kind == ErrorKind::Refused);
    CHECK(store.append("INBOX", "x", 0, std::vector<std::string>{"two words"}).error().kind == ErrorKind::Syntax);

    auto st = store.status("INBOX");
    REQUIRE(st.ok());
    CHECK(st->messages == 2);
    CHECK(st->unseen == 1);
    CHECK(st->uidnext == 3);
    CHECK(st->highestmodseq > before->highestmodseq);
    auto msgs = store.messages("INBOX");
    REQUIRE(msgs.ok());
    REQUIRE(msgs->size() == 2);
    CHECK(msgs->at(0).internal_date == 1700000000);
    CHECK(msgs->at(0).size == 17);
    CHECK(msgs->at(1).keywords == keywords);
    CHECK(msgs->at(1).flags == kSeen);
    CHECK(*store.read_message("INBOX", 2) == "Subject: b\r\n\r\nBB\r\n");
    CHECK(store.read_message("INBOX", 99).error().kind == ErrorKind::Refused);
    CHECK(*store.total_size() == 35);
    // Only the two stored files exist: the duplicate's file was removed.
    std::size_t files = 0;
    for (const char* sub : {"new", "cur"}) {
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir / "user" / sub)) ++files;
    }
    CHECK(files == 2);
}

TEST_CASE("mailbox store: batch append is one modseq and unique uids") {
    TempDir dir;
    auto store = open_store(dir);
    std::vector<std::string> bodies;
    for (int i = 0; i < 10; ++i) bodies.push_back(std::string("Subject: ") + std::to_string(i) + "\r\n\r\n");
    std::vector<AppendMessage> batch;
    for (int i = 0; i < 10; ++i) {
        AppendMessage m;
        m.mailbox = i % 2 ? "INBOX" : "Archive";
        m.bytes = bodies[static_cast<std::size_t>(i)];
        m.delivery_key = std::string("k") + std::to_string(i % 5);  // second half are duplicates of the first
        batch.push_back(m);
    }
    auto r = store.append_batch(batch);
    REQUIRE(r.ok());
    REQUIRE(r->size() == 10);
    std::size_t duplicates = 0;
    for (const auto& x : *r) duplicates += x.duplicate;
    CHECK(duplicates == 5);
    CHECK(store.status("INBOX")->messages + store.status("Archive")->messages == 5);
    auto inbox = store.messages("INBOX");
    auto archive = store.messages("Archive");
    REQUIRE(!inbox->empty());
    CHECK(inbox->front().modseq == archive->front().modseq);
}

TEST_CASE("mailbox store: flags, modseq, changes_since, UNCHANGEDSINCE") {
    TempDir dir;
    auto store = open_store(dir);
    for (int i = 0; i < 3; ++i) REQUIRE(store.append("INBOX", std::string("m") + std::to_string(i)).ok());
    const auto start = store.status("INBOX")->highestmodseq;
    const std::vector<std::uint32_t> one_two = {1, 2};
    const std::vector<std::string> kw = {"$Label1"};
    auto set = store.set_flags("INBOX", one_two, FlagOp::Add, kSeen | kFlagged, kw);
    REQUIRE(set.ok());
    REQUIRE(set->updated.size() == 2);
    const auto m1 = set->updated[0].modseq;
    CHECK(m1 > start);
    CHECK(set->updated[0].flags == (kSeen | kFlagged));
    CHECK(set->updated[0].keywords == kw);
    // Setting what is already set changes nothing and bumps nothing.
    auto noop = store.set_flags("INBOX", one_two, FlagOp::Add, kSeen);
    CHECK(noop->updated.empty());
    CHECK(store.status("INBOX")->highestmodseq == m1);

    // The file name mirrors the flags.
    auto path = store.message_path("INBOX", 1);
    REQUIRE(path.ok());
    CHECK(path->filename().string().substr(path->filename().string().size() - 5) == ":2,FS");

    const std::vector<std::uint32_t> only2 = {2};
    auto removed = store.set_flags("INBOX", only2, FlagOp::Remove, kFlagged, kw);
    REQUIRE(removed->updated.size() == 1);
    CHECK(removed->updated[0].flags == kSeen);
    CHECK(removed->updated[0].keywords.empty());
    auto replaced = store.set_flags("INBOX", only2, FlagOp::Replace, kDraft);
    CHECK(replaced->updated[0].flags == kDraft);

    auto changes = store.changes_since("INBOX", m1);
    REQUIRE(changes.ok());
    CHECK(uids_of(changes->changed) == std::vector<std::uint32_t>{2});
    CHECK(changes->highestmodseq == replaced->updated[0].modseq);

    // RFC 7162 UNCHANGEDSINCE: message 2 changed after m1, message 1 did not.
    auto conditional = store.set_flags("INBOX", one_two, FlagOp::Add, kAnswered, {}, m1);
    REQUIRE(conditional.ok());
    CHECK(conditional->modified == std::vector<std::uint32_t>{2});
    REQUIRE(conditional->updated.size() == 1);
    CHECK(conditional->updated[0].uid == 1);
}

TEST_CASE("mailbox store: changes_since lists changed messages by uid, not by modseq") {
    // load_changed reads them through the modseq index (no full scan), in modseq order.
    TempDir dir;
    auto store = open_store(dir);
    for (int i = 0; i < 4; ++i) REQUIRE(store.append("INBOX", std::string("m") + std::to_string(i)).ok());
    const auto before = store.status("INBOX")->highestmodseq;
    for (std::uint32_t uid : {4u, 1u, 3u}) {
        const std::vector<std::uint32_t> one = {uid};
        REQUIRE(store.set_flags("INBOX", one, FlagOp::Add, kFlagged).ok());
    }
    auto changes = store.changes_since("INBOX", before);
    REQUIRE(changes.ok());
    CHECK(uids_of(changes->changed) == std::vector<std::uint32_t>{1, 3, 4});
}

TEST_CASE("mailbox store: expunge, copy, move") {
    TempDir dir;
    auto store = open_store(dir);
    for (int i = 0; i < 4; ++i) REQUIRE(store.append("INBOX", std::string("m") + std::to_string(i), kSeen).ok());
    const std::vector<std::uint32_t> all = {1, 2, 3, 4};
    const std::vector<std::uint32_t> odd = {1, 3};
    REQUIRE(store.set_flags("INBOX", odd, FlagOp::Add, kDeleted).ok());
    const auto before = store.status("INBOX")->highestmodseq;
    const std::vector<std::uint32_t> just3 = {3};
    CHECK(*store.expunge("INBOX", std::span<const std::uint32_t>(just3)) == std::vector<std::uint32_t>{3});
    CHECK(*store.expunge("INBOX") == std::vector<std::uint32_t>{1});
    CHECK(store.expunge("INBOX")->empty());
    auto changes = store.changes_since("INBOX", before);
    CHECK(changes->expunged == std::vector<std::uint32_t>{1, 3});
    CHECK(changes->changed.empty());
    CHECK(store.status("INBOX")->messages == 2);

    auto copied = store.copy("INBOX", all, "Archive");  // unknown uids 1, 3 skipped
    REQUIRE(copied.ok());
    CHECK(copied->uidvalidity == store.mailbox("Archive")->uidvalidity);
    CHECK(copied->uids == std::vector<std::pair<std::uint32_t, std::uint32_t>>{{2, 1}, {4, 2}});
    CHECK(*store.read_message("Archive", 2) == "m3");
    CHECK(store.messages("Archive")->at(0).flags == kSeen);
    CHECK(store.status("INBOX")->messages == 2);

    auto moved = store.move("INBOX", all, "Trash");
    REQUIRE(moved.ok());
    CHECK(moved->uids.size() == 2);
    CHECK(store.status("INBOX")->messages == 0);
    CHECK(*store.read_message("Trash", 1) == "m1");
    CHECK(store.changes_since("INBOX", before)->expunged == std::vector<std::uint32_t>{1, 2, 3, 4});
    CHECK(store.move("INBOX", all, "Nowhere").error().kind == ErrorKind::Refused);
    // New UIDs keep growing after expunges: never reused.
    CHECK(store.append("INBOX", "m5")->uid == 5);
}

TEST_CASE("mailbox store: size_of sums the given messages' sizes (sparse and dense sets)") {
    TempDir dir;
    auto store = open_store(dir);
    std::vector<std::int64_t> sizes;
    for (int i = 1; i <= 40; ++i) {
        const std::string body = "Subject: " + std::to_string(i) + "\r\n\r\n" + std::string(static_cast<std::size_t>(i), 'x');
        REQUIRE(store.append("INBOX", body).ok());
        sizes.push_back(static_cast<std::int64_t>(body.size()));
    }
    REQUIRE(store.append("Archive", "Subject: other box\r\n\r\n").ok());
    const std::vector<std::uint32_t> sparse = {3, 1, 3, 999};  // unsorted, duplicate, unknown
    CHECK(*store.size_of("INBOX", sparse) == sizes[0] + sizes[2]);
    std::vector<std::uint32_t> dense;
    std::int64_t dense_total = 0;
    for (std::uint32_t u = 5; u <= 30; ++u) {
        if (u == 17) continue;
        dense.push_back(u);
        dense_total += sizes[u - 1];
    }
    CHECK(*store.size_of("INBOX", dense) == dense_total);
    CHECK(*store.size_of("INBOX", {}) == 0);
    // Per mailbox: Archive's UID 1 is its own message, its UID 3 does not exist.
    CHECK(*store.size_of("Archive", sparse) == static_cast<std::int64_t>(std::string_view("Subject: other box\r\n\r\n").size()));
    CHECK(store.size_of("NoSuchBox", sparse).error().kind == ErrorKind::Refused);
    // What a copy adds to the user's usage.
    const auto before = *store.total_size();
    REQUIRE(store.copy("INBOX", dense, "Trash").ok());
    CHECK(*store.total_size() == before + dense_total);
}

TEST_CASE("mailbox store: create, rename with children, delete, subscribe") {
    TempDir dir;
    auto store = open_store(dir);
    REQUIRE(store.create_mailbox("Projects").ok());
    REQUIRE(store.create_mailbox("Projects/a.b").ok());
    CHECK(store.create_mailbox("projects").ok());  // names are case-sensitive except INBOX
    CHECK(store.create_mailbox("Projects").error().kind == ErrorKind::Refused);
    CHECK(store.create_mailbox("Projects").error().code == ErrorCode::MailboxExists);
    CHECK(store.create_mailbox("bad//name").error().kind == ErrorKind::Syntax);
    REQUIRE(store.append("Projects/a.b", "child").ok());
    const auto uidvalidity = store.mailbox("Projects/a.b")->uidvalidity;
    CHECK(fs::is_directory(dir / "user" / ".Projects.a%2Eb"));

    CHECK(store.rename_mailbox("Projects", "Sent").error().code == ErrorCode::MailboxExists);
    CHECK(store.rename_mailbox("Projects", "Projects/x").error().kind == ErrorKind::Refused);
    REQUIRE(store.rename_mailbox("Projects", "Old/Projects").ok());
    CHECK_FALSE(store.mailbox("Projects").ok());
    CHECK(store.mailbox("Old/Projects/a.b")->uidvalidity == uidvalidity);
    CHECK(*store.read_message("Old/Projects/a.b", 1) == "child");
    CHECK(fs::is_directory(dir / "user" / ".Old.Projects.a%2Eb"));

    REQUIRE(store.subscribe("Old/Projects", false).ok());
    CHECK_FALSE(store.mailbox("Old/Projects")->subscribed);

    CHECK(store.delete_mailbox("INBOX").error().kind == ErrorKind::Refused);
    CHECK(store.delete_mailbox("INBOX").error().code == ErrorCode::InboxProtected);
    REQUIRE(store.delete_mailbox("Old/Projects/a.b").ok());
    CHECK_FALSE(fs::exists(dir / "user" / ".Old.Projects.a%2Eb"));
    CHECK(store.delete_mailbox("Old/Projects/a.b").error().kind == ErrorKind::Refused);
    CHECK(store.delete_mailbox("Old/Projects/a.b").error().code == ErrorCode::NoSuchMailbox);
    CHECK(store.mailbox("Nowhere").error().code == ErrorCode::NoSuchMailbox);
    // Re-creating a name gives a new UIDVALIDITY: old UIDs must not be trusted.
    REQUIRE(store.create_mailbox("Old/Projects/a.b").ok());
    CHECK(store.mailbox("Old/Projects/a.b")->uidvalidity != uidvalidity);
}

TEST_CASE("mailbox store: a deleted mailbox's subscription stays until unsubscribed or re-created") {
    TempDir dir;
    auto store = open_store(dir);
    REQUIRE(store.create_mailbox("Kept").ok());
    REQUIRE(store.create_mailbox("Dropped").ok());
    REQUIRE(store.subscribe("Kept", true).ok());
    REQUIRE(store.delete_mailbox("Kept").ok());
    REQUIRE(store.delete_mailbox("Dropped").ok());  // never subscribed: nothing kept
    CHECK(*store.lost_subscriptions() == std::vector<std::string>{"Kept"});
    // A new subscription needs the mailbox; the kept one can be dropped.
    CHECK(store.subscribe("Dropped", true).error().code == ErrorCode::NoSuchMailbox);
    CHECK(store.subscribe("Dropped", false).error().code == ErrorCode::NoSuchMailbox);
    REQUIRE(store.create_mailbox("Kept").ok());
    CHECK(store.mailbox("Kept")->subscribed);
    CHECK(store.lost_subscriptions()->empty());
    REQUIRE(store.delete_mailbox("Kept").ok());
    REQUIRE(store.subscribe("Kept", false).ok());
    CHECK(store.lost_subscriptions()->empty());
    REQUIRE(store.create_mailbox("Kept").ok());
    CHECK_FALSE(store.mailbox("Kept")->subscribed);
}

TEST_CASE("mailbox store: renaming INBOX moves its messages and leaves it empty") {
    TempDir dir;
    auto store = open_store(dir);
    REQUIRE(store.create_mailbox("INBOX/child").ok());
    REQUIRE(store.append("INBOX", "one", kSeen).ok());
    REQUIRE(store.append("INBOX", "two").ok());
    REQUIRE(store.rename_mailbox("inbox", "Old Inbox").ok());
    CHECK(store.status("INBOX")->messages == 0);
    CHECK(store.status("Old Inbox")->messages == 2);
    CHECK(*store.read_message("Old Inbox", 2) == "two");
    CHECK(store.mailbox("INBOX/child").ok());  // children stay
    CHECK(store.append("INBOX", "three")->uid == 3);
}

TEST_CASE("mailbox store: remove takes exactly the given messages, \\Deleted or not") {
    TempDir dir;
    auto store = open_store(dir);
    for (int i = 0; i < 4; ++i) REQUIRE(store.append("INBOX", "m" + std::to_string(i)).ok());
    const std::vector<std::uint32_t> marked = {4};
    REQUIRE(store.set_flags("INBOX", marked, FlagOp::Add, kDeleted).ok());
    const auto before = store.status("INBOX")->highestmodseq;
    const std::vector<std::uint32_t> pop_deleted = {1, 2, 9};  // 9 does not exist
    CHECK(*store.remove("INBOX", pop_deleted) == std::vector<std::uint32_t>{1, 2});
    auto rest = store.messages("INBOX");
    REQUIRE(rest.ok());
    REQUIRE(rest->size() == 2);
    CHECK((*rest)[0].uid == 3);
    CHECK((*rest)[1].uid == 4);  // IMAP's \Deleted mark is left for IMAP to expunge
    auto changes = store.changes_since("INBOX", before);
    REQUIRE(changes.ok());
    CHECK(changes->expunged == std::vector<std::uint32_t>{1, 2});
    CHECK(changes->highestmodseq == before + 1);  // one transaction, one modseq
}

TEST_CASE("mailbox store: an index from before v4, whose imap_recent table was made on first use, keeps its claims") {
    TempDir dir;
    {
        auto store = open_store(dir);
        REQUIRE(store.append("INBOX", "Subject: 1\r\n\r\nx\r\n").ok());
        auto claim = store.claim_recent("INBOX");
        REQUIRE(claim.ok());
        CHECK(claim->first == 1);
        CHECK(claim->end == 2);
    }
    {
        // Back to v3 as such an index was: the table is there, the v4 index is not.
        auto db = sqlite::Db::open(dir / "user" / "index.sqlite", sqlite::Durability::Normal);
        REQUIRE(db.ok());
        REQUIRE(db->exec("DROP INDEX expunged_modseq").ok());
        REQUIRE(db->exec("ALTER TABLE messages DROP COLUMN pop3_uidl; " + std::string(mr::storage::test::kDropV9) +
                         "PRAGMA user_version=3")
                    .ok());
    }
    auto store = open_store(dir);
    REQUIRE(store.append("INBOX", "Subject: 2\r\n\r\nx\r\n").ok());
    CHECK(*store.unclaimed_recent("INBOX") == 1);  // message 1 stays claimed
    auto claim = store.claim_recent("INBOX");
    REQUIRE(claim.ok());
    CHECK(claim->first == 2);
    CHECK(claim->end == 3);
}

TEST_CASE("mailbox store: schema v9 gives old rows ids and their internal date as save date") {
    TempDir dir;
    {
        auto store = open_store(dir);
        REQUIRE(store.append("INBOX", "Subject: 1\r\n\r\nx\r\n", 0, {}, 1000000000).ok());
    }
    {
        auto db = sqlite::Db::open(dir / "user" / "index.sqlite", sqlite::Durability::Normal);
        REQUIRE(db.ok());
        REQUIRE(db->exec(std::string(mr::storage::test::kDropV9) + "PRAGMA user_version=8").ok());
    }
    auto store = open_store(dir);
    auto inbox = store.mailbox("INBOX");
    REQUIRE(inbox.ok());
    CHECK(inbox->object_id.size() == 25);
    CHECK(inbox->object_id[0] == 'F');
    auto msgs = store.messages("INBOX");
    REQUIRE(msgs.ok());
    REQUIRE(msgs->size() == 1);
    CHECK(msgs->front().email_id.size() == 25);
    CHECK(msgs->front().email_id[0] == 'M');
    CHECK(msgs->front().save_date == 1000000000);
    // COPY keeps the EMAILID and stamps a new save date; RENAME keeps the MAILBOXID.
    REQUIRE(store.create_mailbox("Other").ok());
    REQUIRE(store.copy("INBOX", std::vector<std::uint32_t>{1}, "Other").ok());
    auto copied = store.messages("Other");
    REQUIRE(copied.ok());
    CHECK(copied->front().email_id == msgs->front().email_id);
    CHECK(copied->front().save_date > 1000000000);
    const std::string other_id = store.mailbox("Other")->object_id;
    CHECK(other_id != inbox->object_id);
    REQUIRE(store.rename_mailbox("Other", "Renamed").ok());
    CHECK(store.mailbox("Renamed")->object_id == other_id);
}
