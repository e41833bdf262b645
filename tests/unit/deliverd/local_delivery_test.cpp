#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>

#include "deliverd/local_delivery.hpp"
#include "storage/mailbox_store.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::deliverd;
using mr::storage::test::TempDir;

namespace {

LocalItem item(const std::string& qid, const std::string& to, const std::string& body) {
    return LocalItem{qid, to, "alice@example.test", std::make_shared<const std::string>(body)};
}

}  // namespace

TEST_CASE("local delivery: trace headers, group commit, exactly once") {
    TempDir dir;
    LocalBatch b{"bob@example.test", dir / "bob", 0, {}};
    b.items.push_back(item("00000000000001aaaaaaaa", "bob+tag@example.test", "Subject: one\r\n\r\nhi\r\n"));
    b.items.push_back(item("00000000000002aaaaaaaa", "bob@example.test", "Subject: two\r\n\r\nhi\r\n"));
    auto r = deliver_local(b);
    REQUIRE(r.size() == 2);
    CHECK(r[0].outcome == LocalOutcome::Delivered);
    CHECK(r[1].outcome == LocalOutcome::Delivered);
    CHECK_FALSE(r[0].duplicate);

    auto store = mr::storage::MailboxStore::open(dir / "bob");
    REQUIRE(store.ok());
    auto msgs = store->messages("INBOX");
    REQUIRE(msgs.ok());
    REQUIRE(msgs->size() == 2);
    auto first = store->read_message("INBOX", (*msgs)[0].uid);
    REQUIRE(first.ok());
    CHECK(first->starts_with("Return-Path: <alice@example.test>\r\nDelivered-To: bob+tag@example.test\r\nSubject: one"));

    // The same queue ids again (a crash before the queue heard of it): no new mail.
    auto again = deliver_local(b);
    CHECK(again[0].outcome == LocalOutcome::Delivered);
    CHECK(again[0].duplicate);
    CHECK(again[1].duplicate);
    CHECK(store->messages("INBOX")->size() == 2);
}

TEST_CASE("local delivery: quota is a temporary failure, a loop a permanent one") {
    TempDir dir;
    LocalBatch b{"bob@example.test", dir / "bob", 200, {}};
    b.items.push_back(item("00000000000001aaaaaaaa", "bob@example.test", "Subject: small\r\n\r\nhi\r\n"));
    b.items.push_back(item("00000000000002aaaaaaaa", "bob@example.test",
                           "Subject: big\r\n\r\n" + std::string(300, 'x') + "\r\n"));
    b.items.push_back(item("00000000000003aaaaaaaa", "bob@example.test",
                           "Delivered-To: bob@example.test\r\nSubject: loop\r\n\r\nhi\r\n"));
    auto r = deliver_local(b);
    CHECK(r[0].outcome == LocalOutcome::Delivered);
    CHECK(r[1].outcome == LocalOutcome::TempFail);
    CHECK(r[1].reply.starts_with("452 4.2.2"));
    CHECK(r[2].outcome == LocalOutcome::PermFail);
    CHECK(r[2].reply.starts_with("554 5.4.6"));
}

TEST_CASE("local delivery: its files carry the delivery mark crash recovery looks for") {
    TempDir dir;
    LocalBatch b{"bob@example.test", dir / "bob", 0, {}};
    b.items.push_back(item("00000000000001aaaaaaaa", "bob@example.test", "Subject: one\r\n\r\nhi\r\n"));
    REQUIRE(deliver_local(b)[0].outcome == LocalOutcome::Delivered);
    auto store = mr::storage::MailboxStore::open(dir / "bob");
    REQUIRE(store.ok());
    auto inbox = store->messages("INBOX");
    REQUIRE(inbox->size() == 1);
    const std::string file = inbox->front().file;
    REQUIRE(file.starts_with("new/"));
    CHECK(mr::storage::is_delivery_file_name(file.substr(4)));
}

TEST_CASE("local delivery: a kept store is used again, and reopened when the user's index was replaced") {
    TempDir dir;
    mr::storage::StorePool pool(dir / "carol", 1);
    LocalBatch b{"carol@example.test", dir / "carol", 0, {}};
    b.items.push_back(item("00000000000001bbbbbbbb", "carol@example.test", "Subject: one\r\n\r\nhi\r\n"));
    REQUIRE(deliver_local(b, pool)[0].outcome == LocalOutcome::Delivered);
    CHECK(pool.opens() == 1);

    b.items[0] = item("00000000000002bbbbbbbb", "carol@example.test", "Subject: two\r\n\r\nhi\r\n");
    REQUIRE(deliver_local(b, pool)[0].outcome == LocalOutcome::Delivered);
    CHECK(pool.opens() == 1);  // not reopened

    // The user is removed and created again: the kept store's file is gone, so
    // delivering into it would lose the message. The pool must notice.
    std::filesystem::remove_all(dir / "carol");
    b.items[0] = item("00000000000003bbbbbbbb", "carol@example.test", "Subject: three\r\n\r\nhi\r\n");
    REQUIRE(deliver_local(b, pool)[0].outcome == LocalOutcome::Delivered);
    CHECK(pool.opens() == 2);  // reopened: the kept index file is gone
    auto fresh = mr::storage::MailboxStore::open(dir / "carol");
    REQUIRE(fresh.ok());
    auto msgs = fresh->messages("INBOX");
    REQUIRE(msgs.ok());
    REQUIRE(msgs->size() == 1);
    auto bytes = fresh->read_message("INBOX", (*msgs)[0].uid);
    REQUIRE(bytes.ok());
    CHECK(bytes->find("Subject: three") != std::string::npos);
}

TEST_CASE("local delivery: quarantined mail goes to Junk, made again if the user deleted it") {
    TempDir dir;
    {
        auto store = mr::storage::MailboxStore::open(dir / "bob");
        REQUIRE(store.ok());
        REQUIRE(store->delete_mailbox("Junk").ok());
    }
    LocalBatch b{"bob@example.test", dir / "bob", 0, {}};
    b.items.push_back(item("00000000000001aaaaaaaa", "bob@example.test", "Subject: spoof\r\n\r\nhi\r\n"));
    b.items.back().folder = "Junk";
    b.items.push_back(item("00000000000002aaaaaaaa", "bob@example.test", "Subject: fine\r\n\r\nhi\r\n"));
    auto r = deliver_local(b);
    REQUIRE(r.size() == 2);
    CHECK(r[0].outcome == LocalOutcome::Delivered);
    CHECK(r[1].outcome == LocalOutcome::Delivered);
    auto store = mr::storage::MailboxStore::open(dir / "bob");
    REQUIRE(store.ok());
    CHECK(store->messages("Junk")->size() == 1);
    CHECK(store->messages("INBOX")->size() == 1);
    CHECK(store->mailbox("Junk")->special_use == "\\Junk");
}
