// Drives an imapd Session the way the server glue does, synchronously: password checks
// are answered from a fixed table, store jobs run at once against a real MailboxStore in
// a temporary directory, and every Send is collected as text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <map>
#include <memory>

#include "imapd/session/session.hpp"
#include "storage/directory.hpp"
#include "storage/mailbox_store.hpp"
#include "tests/unit/storage/temp_dir.hpp"

namespace mr::imapd::session::test {

inline constexpr std::string_view kUser = "alice@example.test";
inline constexpr std::string_view kPassword = "secret";

inline SessionOptions plaintext_options() {
    SessionOptions o;
    o.hostname = "imap.test";
    o.tls_available = true;
    o.insecure_auth_allowed = true;
    o.max_message_size = 4096;
    return o;
}

struct Harness {
    explicit Harness(SessionOptions o = plaintext_options()) : session(std::move(o)) {
        auto s = storage::MailboxStore::open(dir.path() / "alice");
        REQUIRE(s);
        store.emplace(std::move(s.value()));
        process(session.start());
    }

    // Feeds bytes (the whole of them, resuming after every asynchronous action) and
    // returns what the session sent meanwhile.
    std::string feed(std::string_view bytes) {
        out.clear();
        pending += bytes;
        while (!pending.empty() && !closed && !session.logged_out()) {
            std::string_view in(pending);
            auto acts = session.on_input(in);
            const std::size_t consumed = has_starttls(acts) ? pending.size() : pending.size() - in.size();
            pending.erase(0, consumed);
            const bool any = !acts.empty();
            process(std::move(acts));  // asynchronous results come back right here
            if (consumed == 0 && !any) break;
        }
        return out;
    }

    static bool has_starttls(const Actions& acts) {
        for (const auto& a : acts)
            if (std::holds_alternative<StartTls>(a.v)) return true;
        return false;
    }

    void process(Actions acts) {
        for (auto& a : acts) {
            std::visit(
                [&](auto& x) {
                    using T = std::decay_t<decltype(x)>;
                    if constexpr (std::is_same_v<T, Send>) {
                        out += x.bytes;
                        sent += x.bytes;
                    } else if constexpr (std::is_same_v<T, StartTls>) {
                        starttls = true;
                    } else if constexpr (std::is_same_v<T, VerifyPassword>) {
                        ++password_checks;
                        const bool ok = x.user == kUser && x.password == kPassword;
                        if (checker_busy) {
                            process(session.on_password_busy());
                        } else if (ok && login_limited) {
                            process(session.on_login_limited());
                        } else if (directory_down) {
                            process(session.on_password_checked(Error::internal("db down")));
                        } else {
                            process(session.on_password_checked(ok));
                        }
                    } else if constexpr (std::is_same_v<T, StoreJob>) {
                        ++store_jobs;
                        auto next = x.job(*store_of(x.owner).value());
                        process(session.resume(next));
                    } else if constexpr (std::is_same_v<T, QuotaStoreJob>) {
                        ++quota_reads;
                        auto next = x.job(*store_of(x.owner).value(), quota_bytes);
                        process(session.resume(next));
                    } else if constexpr (std::is_same_v<T, AccountsJob>) {
                        ++accounts_jobs;
                        HarnessAccounts accounts(*this);
                        auto next = x.job(accounts);
                        process(session.resume(next));
                    } else if constexpr (std::is_same_v<T, Delay>) {
                        last_delay = x.duration;
                    } else if constexpr (std::is_same_v<T, AuthFailed>) {
                        ++auth_failures;
                        failed_users.push_back(x.user);
                    } else if constexpr (std::is_same_v<T, LoggedIn>) {
                        logged_in = x.user;
                    } else if constexpr (std::is_same_v<T, LoggedOut>) {
                        ++logged_out;
                        logged_in.clear();
                    } else if constexpr (std::is_same_v<T, Close>) {
                        closed = true;
                    } else if constexpr (std::is_same_v<T, Changed>) {
                        ++changed;
                        changed_owners.push_back(x.owner);
                    } else if constexpr (std::is_same_v<T, StartCompression>) {
                        // The glue hands what is left to the connection's inflater.
                        compressed_input = std::exchange(pending, {});
                        ++compressions;
                    } else if constexpr (std::is_same_v<T, EndCompression>) {
                        // The glue takes what is left as plain input again.
                        plain_input = pending;
                        ++compression_ends;
                    }
                },
                a.v);
        }
    }

    std::string login() { return feed("l1 LOGIN alice@example.test secret\r\n"); }

    // directory.db beside the stores (grants for shared mailboxes), opened on first use.
    storage::Directory& directory() {
        if (!dir_db) {
            auto d = storage::Directory::open(dir.path() / "directory.db");
            REQUIRE(d);
            dir_db = std::make_unique<storage::Directory>(std::move(d.value()));
        }
        return *dir_db;
    }
    // The store of `owner` ("" = alice's own), in dir/<owner>.
    mr::Result<storage::MailboxStore*> store_of(const std::string& owner) {
        if (owner.empty()) return &*store;
        auto it = others.find(owner);
        if (it == others.end()) {
            auto s = storage::MailboxStore::open(dir.path() / owner);
            if (!s) return s.error();
            it = others.emplace(owner, std::make_unique<storage::MailboxStore>(std::move(s.value()))).first;
        }
        return it->second.get();
    }
    // The glue's Accounts, on the directory and stores above.
    struct HarnessAccounts final : Accounts {
        explicit HarnessAccounts(Harness& harness) : h(harness) {}
        mr::Result<void> directory(const std::function<mr::Result<void>(storage::Directory&)>& fn) override {
            return fn(h.directory());
        }
        mr::Result<storage::MailboxStore*> store(const std::string& owner) override { return h.store_of(owner); }
        Harness& h;
    };

    storage::test::TempDir dir;
    std::optional<storage::MailboxStore> store;
    Session session;
    std::string pending;
    std::string out;
    std::string sent;  // everything, greeting included
    bool starttls = false;
    bool closed = false;
    bool directory_down = false;
    // What the directory says the user's quota is when a QuotaStoreJob runs (0 = none).
    mr::Result<std::int64_t> quota_bytes = std::int64_t{0};
    int quota_reads = 0;  // QuotaStoreJobs run
    int store_jobs = 0;   // StoreJobs run
    int accounts_jobs = 0;  // AccountsJobs run
    std::unique_ptr<storage::Directory> dir_db;
    std::map<std::string, std::unique_ptr<storage::MailboxStore>> others;
    std::vector<std::string> changed_owners;  // Changed::owner of each Changed
    bool checker_busy = false;  // the glue's password checker refuses every check
    bool login_limited = false;  // the glue's connection limits refuse every right login
    int password_checks = 0;
    int auth_failures = 0;
    std::vector<std::string> failed_users;  // AuthFailed: the glue counts them and waits
    int changed = 0;  // Changed actions: wake-ups the glue would send to other sessions
    int compressions = 0;          // StartCompression actions
    std::string compressed_input;  // the input left at the last one
    int compression_ends = 0;      // EndCompression actions
    std::string plain_input;       // the input left at the last one
    std::chrono::milliseconds last_delay{0};
    std::string logged_in;
    int logged_out = 0;  // LoggedOut actions (UNAUTHENTICATE)
};

// What the session sends when the glue wakes it (another writer changed the store).
inline std::string wake(Harness& h) {
    h.out.clear();
    h.process(h.session.on_wake());
    return h.out;
}

inline bool contains(std::string_view hay, std::string_view needle) {
    return hay.find(needle) != std::string_view::npos;
}

}  // namespace mr::imapd::session::test
