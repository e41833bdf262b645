// MailboxStore::mailbox_view(): SELECT's view, and its reuse for an unchanged big mailbox
// (view_cache_): every change made through this or another connection must show.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "storage/mailbox_store.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Above the size from which views are kept (mailbox_store_read.cpp).
constexpr std::uint32_t kBig = 1200;

MailboxStore open_store(const fs::path& dir) {
    auto s = MailboxStore::open(dir);
    REQUIRE(s.ok());
    return std::move(*s);
}

void fill(MailboxStore& store, std::uint32_t count) {
    std::vector<std::string> bodies;
    for (std::uint32_t i = 0; i < count; ++i) bodies.push_back("Subject: m" + std::to_string(i) + "\r\n\r\nbody\r\n");
    std::vector<AppendMessage> batch;
    for (const auto& b : bodies) {
        AppendMessage m;
        m.bytes = b;
        m.flags = kSeen;
        batch.push_back(std::move(m));
    }
    REQUIRE(store.append_batch(batch).ok());
}

MailboxView view_of(MailboxStore& store, const char* box = "INBOX") {
    auto v = store.mailbox_view(box);
    REQUIRE(v.ok());
    return std::move(*v);
}

}  // namespace

TEST_CASE("mailbox view: a repeated view of a big mailbox follows every change") {
    TempDir dir;
    auto store = open_store(dir.path());
    auto other = open_store(dir.path());  // another session's or process's connection
    fill(store, kBig);

    auto first = view_of(store);
    REQUIRE(first.uids.size() == kBig);
    CHECK(first.first_unseen == 0);
    CHECK(first.keywords.empty());
    CHECK(view_of(store).uids == first.uids);  // unchanged: same answer

    // Flags changed through the other connection: first unseen and keywords.
    const std::vector<std::uint32_t> one{first.uids[499]};
    REQUIRE(other.set_flags("INBOX", one, FlagOp::Remove, kSeen).ok());
    const std::vector<std::string> kw{"$Work"};
    REQUIRE(other.set_flags("INBOX", one, FlagOp::Add, 0, kw).ok());
    auto flagged = view_of(store);
    CHECK(flagged.first_unseen == 500);
    CHECK(flagged.keywords == kw);

    // Expunged elsewhere: the message is gone from the view.
    const std::vector<std::uint32_t> gone{first.uids[9]};
    REQUIRE(other.set_flags("INBOX", gone, FlagOp::Add, kDeleted).ok());
    REQUIRE(other.expunge("INBOX").ok());
    auto expunged = view_of(store);
    REQUIRE(expunged.uids.size() == kBig - 1);
    CHECK(expunged.uids[9] == first.uids[10]);
    CHECK(expunged.first_unseen == 499);

    // Delivered elsewhere: the new UID is last.
    auto added = other.append("INBOX", "Subject: new\r\n\r\nx\r\n");
    REQUIRE(added.ok());
    auto appended = view_of(store);
    REQUIRE(appended.uids.size() == kBig);
    CHECK(appended.uids.back() == added->uid);
    CHECK(appended.box.uidnext == added->uid + 1);
}

TEST_CASE("mailbox view: a renamed mailbox's view carries its new name") {
    TempDir dir;
    auto store = open_store(dir.path());
    fill(store, kBig);
    auto copied = store.create_mailbox("Old");
    REQUIRE(copied.ok());
    auto all = view_of(store);
    REQUIRE(store.copy("INBOX", all.uids, "Old").ok());
    auto before = view_of(store, "Old");
    REQUIRE(before.uids.size() == kBig);
    REQUIRE(store.rename_mailbox("Old", "New").ok());
    auto after = view_of(store, "New");
    CHECK(after.box.name == "New");
    CHECK(after.uids == before.uids);
    CHECK_FALSE(store.mailbox_view("Old").ok());
}
