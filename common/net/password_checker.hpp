// PasswordChecker: where a daemon runs its password checks (argon2id, slow on purpose), one
// instance per process, shared by every connection of every loop.
//
// Invariants:
// - Checks run on the checker's own `threads` worker threads, never on the libuv pool: store
//   work (fsync batches, file reads) and the protocol handling of other clients never wait
//   behind hashing, and a flood of logins costs at most `threads` cores.
// - Workers take waiting checks from the client addresses in turn (round robin), not in
//   arrival order: a flood from one address delays that address's logins, while a login
//   from any other address waits for at most one check per worker.
// - At most `max_queued` checks wait for a worker, and at most `max_per_client` checks of one
//   client address are waiting or running. submit() over either bound refuses at once
//   (returns false) and nothing is hashed: a refused check is "busy, try later", not a
//   wrong password, and the caller answers it so without counting a failure. The
//   per-address bound also caps the hashing a flood leaves behind when it stops.
// - A check whose alive token has expired when a worker takes it (the client hung up while
//   it waited) is dropped before hashing; it still frees its per-client slot.
// - `done` runs on the loop thread of the Loop given to submit(), through Loop::post, at most
//   once, and never once alive has expired. It is never called from inside submit(). It may
//   be destroyed without being called, on a worker thread or in stop(): it must capture
//   nothing whose destruction needs the loop thread (raw pointers and weak tokens are fine).
// - The password is wiped (sodium_memzero via text::secure_wipe) whatever happens to it:
//   checked, dropped, refused or discarded by stop().
// - stop() (also run by the destructor) refuses new checks, discards queued ones, waits for
//   the running ones and joins the workers. It must return before any Loop that was given to
//   submit() is destroyed: a worker posts to that loop.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/net/loop.hpp"
#include "common/util/result.hpp"

namespace mr::net {

struct PasswordCheckLimits {
    // Two workers: argon2id (libsodium's interactive limits) takes ~64 MiB and tens of ms of a
    // core per check, and a small organisation's clients log in rarely (they keep sessions),
    // so two threads answer dozens of logins a second while a login flood can never take more
    // than two cores per daemon from store work and the other daemons on the machine.
    unsigned threads = 2;
    // Waiting checks, all clients together: a few hundred bytes each.
    std::size_t max_queued = 1024;
    // Waiting or running checks of one client address. Enough for an office behind one NAT
    // address whose clients log in at the same moment, few enough that what a flood from
    // one address leaves queued is a fraction of a second of hashing: a flooder that hangs
    // up is only noticed when the loop has processed its close, so under load some of its
    // queued checks still run.
    unsigned max_per_client = 16;
};

class PasswordChecker {
public:
    // Runs on a worker thread, several at once: must be thread-safe. Returns the verdict, or
    // an error when the directory could not be asked.
    using Verify = std::function<Result<bool>(const std::string& user, const std::string& password)>;
    using Done = std::function<void(Result<bool> verdict)>;

    PasswordChecker(PasswordCheckLimits limits, Verify verify);
    ~PasswordChecker();
    PasswordChecker(const PasswordChecker&) = delete;
    PasswordChecker& operator=(const PasswordChecker&) = delete;

    // Thread-safe. False: refused at once (queue full, client over its share, stopped); done
    // will not run. True: done(verdict) runs later on `loop` unless alive expires first.
    bool submit(Loop& loop, std::weak_ptr<void> alive, const std::string& client, std::string user,
                std::string password, Done done);

    // See the invariants. Idempotent.
    void stop();

    // Checks waiting for a worker, and checks of `client` waiting or running (for tests).
    std::size_t queued() const;
    unsigned in_flight(const std::string& client) const;
    // Checks dropped unhashed because their client had gone (for tests and logs).
    std::size_t dropped() const;

private:
    struct Job {
        Loop* loop = nullptr;
        std::weak_ptr<void> alive;
        std::string client;
        std::string user;
        std::string password;
        Done done;
    };

    struct Client {
        std::deque<Job> waiting;
        unsigned running = 0;
    };

    void work();
    // mutex_ held: the next job in round-robin order (waiting_ > 0), counted as running.
    Job take_next();
    // mutex_ held: one running job of `client` ended.
    void finished(const std::string& client);

    const PasswordCheckLimits limits_;
    const Verify verify_;
    mutable std::mutex mutex_;  // guards everything below
    std::condition_variable ready_;
    // Clients with at least one waiting job; in_turn_ has each of them exactly once.
    std::unordered_map<std::string, Client> clients_;  // entries with waiting or running jobs only
    std::deque<std::string> in_turn_;
    std::size_t waiting_ = 0;
    std::size_t dropped_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace mr::net
