// THREADIDs (RFC 8474 §5.2, schema v11): a message joins the thread of the first message its
// In-Reply-To, References or Message-ID names in the user's store (any mailbox), keeps it
// over COPY and MOVE, and never changes it; rows from before v11 get theirs when first listed.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "storage/mailbox_store.hpp"
#include "storage/reindex.hpp"
#include "storage/sqlite/db.hpp"
#include "tests/unit/storage/index_downgrade.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;

namespace {

MailboxStore open_store(const TempDir& dir) {
    auto s = MailboxStore::open(dir / "user");
    REQUIRE(s.ok());
    return std::move(*s);
}

// A message with these fields ("" leaves a field out).
std::string mail(const std::string& id, const std::string& in_reply_to = "", const std::string& references = "") {
    std::string m = "From: a@example.org\r\nSubject: x\r\n";
    if (!id.empty()) m += "Message-ID: <" + id + ">\r\n";
    if (!in_reply_to.empty()) m += "In-Reply-To: <" + in_reply_to + ">\r\n";
    if (!references.empty()) m += "References: " + references + "\r\n";
    return m + "\r\nbody\r\n";
}

std::uint32_t put(MailboxStore& store, const std::string& bytes, const std::string& box = "INBOX") {
    auto r = store.append(box, bytes);
    REQUIRE(r.ok());
    return r->uid;
}

MessageRecord record(MailboxStore& store, std::uint32_t uid, const std::string& box = "INBOX") {
    auto m = store.messages(box, std::vector<std::uint32_t>{uid});
    REQUIRE(m.ok());
    REQUIRE(m->size() == 1);
    return m->front();
}

std::string thread(MailboxStore& store, std::uint32_t uid, const std::string& box = "INBOX") {
    return record(store, uid, box).thread_id;
}

}  // namespace

TEST_CASE("thread ids: replies join their parent's thread, an unrelated message starts one") {
    TempDir dir;
    auto store = open_store(dir);
    const auto a = put(store, mail("a@x"));
    const auto b = put(store, mail("b@x", "a@x", "<a@x>"));
    const auto c = put(store, mail("c@x", "b@x", "<a@x> <b@x>"));
    const auto only_reply_to = put(store, mail("d@x", "c@x"));
    const auto other = put(store, mail("o@x"));
    const auto none = put(store, mail(""));
    const MessageRecord first = record(store, a);
    // A new thread is named after the message that starts it, apart from every EMAILID
    // (rfc8474.txt:348); objectid syntax (rfc8474.txt:523).
    CHECK(first.thread_id == "T" + first.email_id.substr(1));
    CHECK(first.thread_id.size() == 25);
    CHECK(thread(store, b) == first.thread_id);
    CHECK(thread(store, c) == first.thread_id);
    CHECK(thread(store, only_reply_to) == first.thread_id);
    CHECK(thread(store, other) != first.thread_id);
    CHECK(!thread(store, none).empty());
    CHECK(thread(store, none) != thread(store, other));
    // The same Message-ID delivered twice (a list and a direct copy): one thread.
    CHECK(thread(store, put(store, mail("o@x"))) == thread(store, other));
}

TEST_CASE("thread ids: one thread across mailboxes; COPY and MOVE keep it; ids never change") {
    TempDir dir;
    auto store = open_store(dir);
    REQUIRE(store.create_mailbox("Projects").ok());
    const auto a = put(store, mail("a@x"));
    const std::string t = thread(store, a);
    const auto mine = put(store, mail("mine@y", "a@x", "<a@x>"), "Sent");  // rfc8474.txt:327
    CHECK(thread(store, mine, "Sent") == t);
    auto copied = store.copy("INBOX", std::vector<std::uint32_t>{a}, "Projects");
    REQUIRE(copied.ok());
    CHECK(thread(store, copied->uids.front().second, "Projects") == t);
    auto moved = store.move("Sent", std::vector<std::uint32_t>{mine}, "Projects");
    REQUIRE(moved.ok());
    CHECK(thread(store, moved->uids.front().second, "Projects") == t);
    // Listing again, from another open of the store, reads the same ids.
    auto again = open_store(dir);
    CHECK(thread(again, a) == t);
}

TEST_CASE("thread ids: a batch threads its replies to messages earlier in the same batch") {
    TempDir dir;
    auto store = open_store(dir);
    const std::string parent = mail("p@x"), child = mail("c@x", "p@x", "<p@x>");
    std::vector<AppendMessage> batch(2);
    batch[0].bytes = parent;
    batch[1].bytes = child;
    auto r = store.append_batch(batch);
    REQUIRE(r.ok());
    CHECK(thread(store, (*r)[0].uid) == thread(store, (*r)[1].uid));
}

TEST_CASE("thread ids: replies stored before their parent") {
    TempDir dir;
    auto store = open_store(dir);
    // The reply comes first: it starts a thread, and names its parent's id for it, so the
    // parent and the parent's other replies join the reply's thread when they come.
    const auto reply = put(store, mail("r1@x", "p@x", "<p@x>"));
    const auto parent = put(store, mail("p@x"));
    const auto sibling = put(store, mail("r2@x", "p@x", "<p@x>"));
    CHECK(thread(store, parent) == thread(store, reply));
    CHECK(thread(store, sibling) == thread(store, reply));
    // Not over-engineered: a reply that names only an ancestor nobody stored or named yet
    // (q, a reply to p that has not arrived) starts a thread of its own, and keeps it
    // when q comes and joins p's thread: a THREADID never changes once given
    // (rfc8474.txt:332), so threads are never merged.
    const auto grandchild = put(store, mail("g@x", "q@x"));
    const auto q = put(store, mail("q@x", "p@x", "<p@x>"));
    CHECK(thread(store, q) == thread(store, reply));
    CHECK(thread(store, grandchild) != thread(store, reply));
}

TEST_CASE("thread ids: an index from before v11 threads its rows when they are first listed") {
    TempDir dir;
    std::string a_email, d_email;
    {
        auto store = open_store(dir);
        REQUIRE(store.create_mailbox("Other").ok());
        put(store, mail("a@x"));                                        // 1
        put(store, mail("b@x", "a@x", "<a@x>"));                         // 2
        put(store, mail(""));                                          // 3: nothing to link
        REQUIRE(store.copy("INBOX", std::vector<std::uint32_t>{1, 3}, "Other").ok());  // no cached header
        a_email = record(store, 1).email_id;
        d_email = record(store, 3).email_id;
    }
    {
        auto db = sqlite::Db::open(dir / "user" / "index.sqlite", sqlite::Durability::Normal);
        REQUIRE(db.ok());
        REQUIRE(db->exec(std::string(mr::storage::test::kDropV11) + "PRAGMA user_version=10").ok());
    }
    auto store = open_store(dir);
    {
        auto db = sqlite::Db::open(dir / "user" / "index.sqlite", sqlite::Durability::Normal);
        REQUIRE(db.ok());
        auto v = db->prepare("PRAGMA user_version");
        REQUIRE(v.ok());
        REQUIRE(v->step().ok());
        CHECK(v->column_int64(0) == static_cast<std::int64_t>(index::schema_version()));
        auto nulls = db->prepare("SELECT count(*) FROM messages WHERE thread_id IS NULL");
        REQUIRE(nulls.ok());
        REQUIRE(nulls->step().ok());
        CHECK(nulls->column_int64(0) == 5);  // nothing is threaded at open
    }
    // A reply stored after the upgrade, before its parent was listed, starts a thread that
    // the old rows then join through the ids it names.
    const auto c = put(store, mail("c@x", "b@x", "<a@x> <b@x>"));
    const std::string t = thread(store, c);
    CHECK(t == "T" + record(store, c).email_id.substr(1));
    // A copy of a row not threaded yet (no cached header: its file is read) is threaded
    // when its own mailbox is listed, and lands in its original's thread.
    const auto other = store.messages("Other");
    REQUIRE(other.ok());
    REQUIRE(other->size() == 2);
    auto inbox = store.messages("INBOX");
    REQUIRE(inbox.ok());
    REQUIRE(inbox->size() == 4);
    CHECK((*inbox)[0].email_id == a_email);
    CHECK((*inbox)[0].thread_id == t);
    CHECK((*inbox)[1].thread_id == t);
    CHECK((*other)[0].thread_id == t);  // the same EMAILID, the same THREADID (rfc8474.txt:324)
    // Nothing to link by: a thread named after the message, so its copy agrees.
    CHECK((*inbox)[2].thread_id == "T" + d_email.substr(1));
    CHECK((*other)[1].thread_id == (*inbox)[2].thread_id);
    // Stored once: listing again gives the same.
    auto again = store.messages("INBOX");
    REQUIRE(again.ok());
    for (std::size_t i = 0; i < again->size(); ++i) CHECK((*again)[i].thread_id == (*inbox)[i].thread_id);
}

TEST_CASE("thread ids: a rebuilt index threads the Maildir's messages again") {
    TempDir dir;
    {
        auto store = open_store(dir);
        put(store, mail("a@x"));
        put(store, mail("b@x", "a@x", "<a@x>"));
        put(store, mail("z@x"));
    }
    auto report = reindex_user(dir / "user");
    REQUIRE(report.ok());
    auto store = open_store(dir);
    auto msgs = store.messages("INBOX");
    REQUIRE(msgs.ok());
    REQUIRE(msgs->size() == 3);
    CHECK((*msgs)[0].thread_id.size() == 25);
    CHECK((*msgs)[0].thread_id == (*msgs)[1].thread_id);
    CHECK((*msgs)[2].thread_id != (*msgs)[0].thread_id);
}
