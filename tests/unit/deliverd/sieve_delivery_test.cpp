// Local delivery with the user's active Sieve script (deliverd/sieve_filter): where the
// script lives, fileinto/keep/discard with flags and copies, and the implicit keep into
// INBOX whenever the script cannot be run as written.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "deliverd/local_delivery.hpp"
#include "deliverd/sieve_filter.hpp"
#include "storage/mailbox_store.hpp"
#include "storage/atomic_file.hpp"
#include "storage/maildir.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::deliverd;
using mr::storage::test::TempDir;

namespace {

void install_script(const std::filesystem::path& user_dir, const std::string& text, const std::string& name = "main") {
    const auto dir = user_dir / kSieveDir;
    std::filesystem::create_directories(dir);
    std::ofstream(dir / (name + ".sieve"), std::ios::binary) << text;
    std::filesystem::remove(dir / kActiveScriptLink);
    std::filesystem::create_symlink(name + ".sieve", dir / kActiveScriptLink);
}

LocalBatch batch(const TempDir& dir, const std::string& subject, const std::string& extra = "") {
    LocalBatch b{"bob@example.test", dir / "bob", 0, {}};
    b.items.push_back(LocalItem{"00000000000001aaaaaaaa", "bob@example.test", "alice@example.test",
                                std::make_shared<const std::string>("From: alice@example.test\r\nSubject: " + subject +
                                                                    "\r\n" + extra + "\r\nhi\r\n")});
    return b;
}

std::size_t count(const TempDir& dir, const std::string& mailbox) {
    auto store = mr::storage::MailboxStore::open(dir / "bob");
    REQUIRE(store.ok());
    auto msgs = store->messages(mailbox);
    return msgs ? msgs->size() : 0;
}

// bob of example.test under `data`, so the domain's global scripts apply.
void deliver_with_globals(const std::filesystem::path& data, const std::filesystem::path& user,
                          const std::string& subject, const std::string& qid) {
    LocalBatch b{"bob@example.test", user, 0, {}};
    b.data_dir = data;
    b.items.push_back(LocalItem{qid, "bob@example.test", "alice@example.test",
                                std::make_shared<const std::string>("Subject: " + subject + "\r\n\r\nhi\r\n")});
    REQUIRE(deliver_local(b)[0].outcome == LocalOutcome::Delivered);
}

}  // namespace

TEST_CASE("sieve at delivery: fileinto with flags, :copy, keep, discard") {
    TempDir dir;
    {
        auto store = mr::storage::MailboxStore::open(dir / "bob");
        REQUIRE(store.ok());
        REQUIRE(store->create_mailbox("Lists").ok());
    }
    install_script(dir / "bob", R"(require ["fileinto", "imap4flags", "copy", "mailbox"];
if header :contains "subject" "[list]" { fileinto :flags ["\\Seen", "$Listed", "bad(flag"] "Lists"; stop; }
if header :contains "subject" "archive" { fileinto :copy :create "Archive/2026"; }
if header :contains "subject" "spam" { discard; }
)");
    auto r = deliver_local(batch(dir, "[list] hello"));
    REQUIRE(r[0].outcome == LocalOutcome::Delivered);
    CHECK(count(dir, "Lists") == 1);
    CHECK(count(dir, "INBOX") == 0);
    {
        auto store = mr::storage::MailboxStore::open(dir / "bob");
        auto msgs = store->messages("Lists");
        REQUIRE(msgs->size() == 1);
        CHECK((*msgs)[0].flags == mr::storage::kSeen);
        CHECK((*msgs)[0].keywords == std::vector<std::string>{"$Listed"});
    }

    auto b = batch(dir, "archive me");
    b.items[0].queue_id = "00000000000002aaaaaaaa";
    r = deliver_local(b);
    REQUIRE(r[0].outcome == LocalOutcome::Delivered);
    CHECK(count(dir, "Archive/2026") == 1);
    CHECK(count(dir, "INBOX") == 1);
    // Delivered again (a crash before the queue heard): no second copy anywhere.
    r = deliver_local(b);
    CHECK(r[0].duplicate);
    CHECK(count(dir, "Archive/2026") == 1);
    CHECK(count(dir, "INBOX") == 1);

    b = batch(dir, "spam spam");
    b.items[0].queue_id = "00000000000003aaaaaaaa";
    r = deliver_local(b);
    CHECK(r[0].outcome == LocalOutcome::Delivered);
    CHECK(r[0].reply.find("discarded") != std::string::npos);
    CHECK(count(dir, "INBOX") == 1);
}

TEST_CASE("sieve at delivery: anything that goes wrong ends in INBOX") {
    TempDir dir;
    auto deliver = [&](const std::string& script, const std::string& qid) {
        install_script(dir / "bob", script);
        auto b = batch(dir, "x");
        b.items[0].queue_id = qid;
        auto r = deliver_local(b);
        INFO(r[0].reply);
        REQUIRE(r[0].outcome == LocalOutcome::Delivered);
    };
    deliver("this is not sieve", "00000000000001aaaaaaaa");  // does not compile
    CHECK(count(dir, "INBOX") == 1);
    deliver("require \"fileinto\";\nfileinto \"Missing\";", "00000000000002aaaaaaaa");  // no :create
    CHECK(count(dir, "INBOX") == 2);
    CHECK(count(dir, "Missing") == 0);
    deliver("require \"reject\";\nkeep;\nreject \"no\";", "00000000000003aaaaaaaa");  // reject after keep
    CHECK(count(dir, "INBOX") == 3);
    std::string many = "require [\"fileinto\", \"mailbox\"];\n";
    for (int i = 0; i < 40; ++i) many += "fileinto :create \"F" + std::to_string(i) + "\";";
    deliver(many, "00000000000004aaaaaaaa");  // runtime error: too many actions
    CHECK(count(dir, "INBOX") == 4);
    CHECK(count(dir, "F0") == 0);
    deliver("require [\"fileinto\", \"mailbox\"];\nfileinto :create \"bad//name\";", "00000000000005aaaaaaaa");
    CHECK(count(dir, "INBOX") == 5);
    // The link must name a file beside it.
    std::filesystem::remove(dir / "bob" / kSieveDir / kActiveScriptLink);
    std::filesystem::create_symlink("../sieve/main.sieve", dir / "bob" / kSieveDir / kActiveScriptLink);
    CHECK_FALSE(load_active_script(dir / "bob", "bob@example.test"));
    std::filesystem::remove(dir / "bob" / kSieveDir / kActiveScriptLink);
    std::filesystem::create_symlink("main.sieve", dir / "bob" / kSieveDir / kActiveScriptLink);
    CHECK(load_active_script(dir / "bob", "bob@example.test"));
    // Without an "active" link there is no filtering at all.
    std::filesystem::remove(dir / "bob" / kSieveDir / kActiveScriptLink);
    CHECK_FALSE(load_active_script(dir / "bob", "bob@example.test"));
}

TEST_CASE("sieve at delivery: reject and ereject refuse the message (RFC 5429)") {
    TempDir dir;
    std::vector<OutgoingMail> sent;
    for (const char* command : {"reject", "ereject"}) {
        install_script(dir / "bob", std::string("require \"") + command + "\";\n" + command +
                                        " text:\nI do not want\r\nyour mail.\n.\n;");
        auto b = batch(dir, "x");
        b.send_mail = [&](const OutgoingMail& m) { sent.push_back(m); };
        auto r = deliver_local(b);
        INFO(r[0].reply);
        // The queue's DSN carries the refusal to the sender: a permanent failure, one line.
        CHECK(r[0].outcome == LocalOutcome::PermFail);
        CHECK(r[0].reply == "550 5.7.1 rejected by the Sieve script of <bob@example.test>: I do not want  your mail.");
        CHECK(count(dir, "INBOX") == 0);
    }
    CHECK(sent.empty());
}

TEST_CASE("sieve at delivery: redirect sends the message on after it is delivered") {
    TempDir dir;
    std::vector<OutgoingMail> sent;
    auto deliver = [&](const std::string& script, const std::string& qid) {
        install_script(dir / "bob", script);
        auto b = batch(dir, "x");
        b.items[0].queue_id = qid;
        b.send_mail = [&](const OutgoingMail& m) { sent.push_back(m); };
        auto r = deliver_local(b);
        INFO(r[0].reply);
        REQUIRE(r[0].outcome == LocalOutcome::Delivered);
        return r[0];
    };
    deliver("redirect \"carol@example.org\";", "00000000000001aaaaaaaa");
    CHECK(count(dir, "INBOX") == 0);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].kind == "redirect");
    CHECK(sent[0].sender == "alice@example.test");
    CHECK(sent[0].recipient == "carol@example.org");
    CHECK(sent[0].forwarded_by == "bob@example.test");
    CHECK(sent[0].message.starts_with("Delivered-To: bob@example.test\r\nFrom: alice@example.test\r\n"));

    sent.clear();
    deliver("require \"copy\";\nredirect :copy \"carol@example.org\";\nredirect :copy \"dave@example.org\";",
            "00000000000002aaaaaaaa");
    CHECK(count(dir, "INBOX") == 1);
    REQUIRE(sent.size() == 2);
    CHECK(sent[1].recipient == "dave@example.org");
    // Delivered again (the queue did not hear of the first attempt): no second redirect.
    sent.clear();
    CHECK(deliver("require \"copy\";\nredirect :copy \"carol@example.org\";", "00000000000002aaaaaaaa").duplicate);
    CHECK(sent.empty());

    // More redirects than a run allows: a runtime error, the implicit keep, nothing sent.
    std::string many;
    for (int i = 0; i < 5; ++i) many += "redirect \"r" + std::to_string(i) + "@example.org\";\n";
    deliver(many, "00000000000003aaaaaaaa");
    CHECK(sent.empty());
    CHECK(count(dir, "INBOX") == 2);
}

TEST_CASE("sieve at delivery: a redirect that comes back is a loop") {
    TempDir dir;
    install_script(dir / "bob", "redirect \"bob@example.test\";");
    std::vector<OutgoingMail> sent;
    auto b = batch(dir, "x");
    b.send_mail = [&](const OutgoingMail& m) { sent.push_back(m); };
    REQUIRE(deliver_local(b)[0].outcome == LocalOutcome::Delivered);
    REQUIRE(sent.size() == 1);
    // The queue brings it back to bob: refused as a loop, not sent on again.
    auto again = batch(dir, "x");
    again.items[0].queue_id = "00000000000009aaaaaaaa";
    again.items[0].message = std::make_shared<const std::string>(sent[0].message);
    again.send_mail = b.send_mail;
    auto r = deliver_local(again);
    CHECK(r[0].outcome == LocalOutcome::PermFail);
    CHECK(r[0].reply.starts_with("554 5.4.6"));
    CHECK(sent.size() == 1);
}

TEST_CASE("sieve at delivery: the header editheader leaves is what is stored and redirected") {
    TempDir dir;
    install_script(dir / "bob", "require [\"editheader\", \"copy\"];\n"
                                "deleteheader \"subject\";\naddheader \"X-Filtered\" \"yes\";\n"
                                "redirect :copy \"carol@example.org\";");
    std::vector<OutgoingMail> sent;
    auto b = batch(dir, "secret");
    b.send_mail = [&](const OutgoingMail& m) { sent.push_back(m); };
    REQUIRE(deliver_local(b)[0].outcome == LocalOutcome::Delivered);
    std::string stored;
    for (const auto& e : std::filesystem::directory_iterator(dir / "bob" / "new")) {
        auto bytes = mr::storage::read_file(e.path());
        REQUIRE(bytes.ok());
        stored = *bytes;
    }
    CHECK(stored.find("X-Filtered: yes\r\nFrom: alice@example.test\r\n\r\nhi\r\n") != std::string::npos);
    CHECK(stored.find("secret") == std::string::npos);
    CHECK(stored.starts_with("Return-Path: <alice@example.test>\r\nDelivered-To: bob@example.test\r\n"));
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].message == "Delivered-To: bob@example.test\r\nX-Filtered: yes\r\nFrom: alice@example.test\r\n\r\nhi\r\n");
}

TEST_CASE("sieve at delivery: the domain's before and after scripts run around the user's") {
    TempDir dir;
    const auto data = dir / "data";
    const auto user = data / "mail" / "example.test" / "bob";
    auto global = [&](const std::string& when, const std::string& text) {
        const auto d = data / "sieve-global" / "example.test" / kSieveDir;
        std::filesystem::create_directories(d);
        std::ofstream(d / (when + ".sieve"), std::ios::binary) << text;
    };
    global("before", "require [\"fileinto\", \"mailbox\"];\n"
                     "if header :contains \"subject\" \"spam\" { fileinto :create \"Junk\"; }\n");
    global("after", "require [\"fileinto\", \"mailbox\"];\nfileinto :create \"Unsorted\";\n");
    install_script(user, "require [\"fileinto\", \"mailbox\"];\n"
                         "if header :contains \"subject\" \"work\" { fileinto :create \"Work\"; }\n");
    auto deliver = [&](const std::string& subject, const std::string& qid) { deliver_with_globals(data, user, subject, qid); };
    auto in = [&](const std::string& mailbox) {
        auto store = mr::storage::MailboxStore::open(user);
        REQUIRE(store.ok());
        auto msgs = store->messages(mailbox);
        return msgs ? msgs->size() : 0;
    };
    deliver("spam offer", "00000000000001aaaaaaaa");  // before files it: the user's script never runs
    deliver("work item", "00000000000002aaaaaaaa");   // the user's script files it: after is skipped
    deliver("hello", "00000000000003aaaaaaaa");       // nobody decided: the after script does
    CHECK(in("Junk") == 1);
    CHECK(in("Work") == 1);
    CHECK(in("Unsorted") == 1);
    CHECK(in("INBOX") == 0);
    // A broken global script is left out, never fatal.
    global("before", "this is not sieve");
    deliver("work two", "00000000000004aaaaaaaa");
    CHECK(in("Work") == 2);
}

TEST_CASE("sieve at delivery: include finds the user's scripts and the domain's") {
    TempDir dir;
    const auto data = dir / "data";
    const auto user = data / "mail" / "example.test" / "bob";
    const auto global = data / "sieve-global" / "example.test" / kSieveDir;
    std::filesystem::create_directories(global);
    std::ofstream(global / "spam.sieve", std::ios::binary)
        << "require [\"fileinto\", \"mailbox\"];\nif header :contains \"subject\" \"spam\" { fileinto :create \"Junk\"; }\n";
    install_script(user, "require [\"fileinto\", \"mailbox\"];\nfileinto :create \"Lists\";\n", "lists");
    install_script(user, "require [\"include\"];\ninclude :global \"spam\";\ninclude :optional \"gone\";\n"
                         "if header :contains \"subject\" \"list\" { include \"lists\"; }\n");
    auto deliver = [&](const std::string& subject, const std::string& qid) { deliver_with_globals(data, user, subject, qid); };
    deliver("spam offer", "00000000000001aaaaaaaa");
    deliver("list post", "00000000000002aaaaaaaa");
    auto store = mr::storage::MailboxStore::open(user);
    REQUIRE(store.ok());
    CHECK(store->messages("Junk")->size() == 1);
    CHECK(store->messages("Lists")->size() == 1);
    CHECK(store->messages("INBOX")->size() == 0);
    // A script that includes itself: a runtime error, the implicit keep.
    install_script(user, "require [\"include\"];\ninclude \"main\";\n");
    deliver("loop", "00000000000003aaaaaaaa");
    CHECK(store->messages("INBOX")->size() == 1);
}
