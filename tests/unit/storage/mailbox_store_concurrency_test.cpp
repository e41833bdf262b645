// Several processes on one store at once: what smtpd/deliverd/imapd do.
#include <cstdio>
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <vector>

#include "storage/mailbox_store.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;

namespace {

constexpr int kProcesses = 3;
constexpr int kPerProcess = 30;

// Runs in the child: opens its own store (never share SQLite handles across
// fork) and appends, half one by one, half in batches. Exit code 0 = success.
int child_appends(const std::filesystem::path& user_dir, int who) {
    auto store = MailboxStore::open(user_dir);
    if (!store) { std::fprintf(stderr, "open: %s\n", store.error().message.c_str()); return 2; }
    std::vector<std::string> bodies;
    for (int i = 0; i < kPerProcess; ++i) {
        bodies.push_back(std::string("From: p") + std::to_string(who) + std::string("\r\nSubject: ") + std::to_string(i) + "\r\n\r\nx\r\n");
    }
    for (int i = 0; i < kPerProcess / 2; ++i) {
        if (!store->append("INBOX", bodies[static_cast<std::size_t>(i)])) return 3;
    }
    std::vector<AppendMessage> batch;
    for (int i = kPerProcess / 2; i < kPerProcess; ++i) {
        AppendMessage m;
        m.bytes = bodies[static_cast<std::size_t>(i)];
        m.delivery_key = std::string("p") + std::to_string(who) + std::string("/") + std::to_string(i);
        batch.push_back(m);
        if (batch.size() == 5) {
            if (!store->append_batch(batch)) return 4;
            batch.clear();
        }
    }
    const std::vector<std::uint32_t> first = {1};
    if (!store->set_flags("INBOX", first, FlagOp::Add, kSeen)) return 5;
    return 0;
}

}  // namespace

TEST_CASE("mailbox store: processes appending at once get unique UIDs, lose nothing") {
    TempDir dir;
    const auto user_dir = dir / "user";  // not created yet: the children race to create it
    std::vector<pid_t> children;
    for (int who = 0; who < kProcesses; ++who) {
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) ::_exit(child_appends(user_dir, who));
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    auto store = MailboxStore::open(user_dir);
    REQUIRE(store.ok());
    CHECK(store->list_mailboxes()->size() == 6);  // defaults created exactly once
    auto messages = store->messages("INBOX");
    REQUIRE(messages.ok());
    CHECK(messages->size() == static_cast<std::size_t>(kProcesses * kPerProcess));
    std::set<std::uint32_t> uids;
    std::set<std::string> bodies;
    for (const auto& m : *messages) {
        uids.insert(m.uid);
        auto bytes = store->read_message("INBOX", m.uid);
        REQUIRE(bytes.ok());
        bodies.insert(*bytes);
    }
    CHECK(uids.size() == messages->size());
    CHECK(bodies.size() == messages->size());
    CHECK(*uids.rbegin() == static_cast<std::uint32_t>(kProcesses * kPerProcess));
    CHECK(store->status("INBOX")->uidnext == *uids.rbegin() + 1);
    CHECK(store->status("INBOX")->unseen == messages->size() - 1);
}
