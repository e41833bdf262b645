// mr::net::Loop — one libuv loop per daemon process, and the rules every handle follows.
//
// Invariants:
// - The Loop outlives every wrapper made on it (Timer, SignalWatcher, Listener, WakeupReceiver,
//   Connection). Wrappers owned by daemon code are destroyed before the Loop; self-owned
//   objects (Connection) register as LoopResidents and are closed by ~Loop.
// - A libuv handle's memory must live until its uv_close callback. Owner-held wrappers
//   therefore keep their handle on the heap and hand it to close_and_delete() in their
//   destructor; the wrapper itself may vanish at once (STYLE.md example 15).
// - Everything here runs on the loop thread except post() and stop(), which are thread-safe.
// - ~Loop closes residents, runs the loop until every close callback and queued work request
//   has finished, then uv_loop_close()s: no handle or thread-pool job outlives the Loop.
#pragma once

#include <uv.h>

#include <csignal>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_set>
#include <vector>

namespace mr::net {

// A self-owned object (a Connection) that the loop must close at shutdown.
class LoopResident {
public:
    virtual ~LoopResident() = default;
    // Start closing; the object deletes itself in its close callbacks.
    virtual void close_for_shutdown() = 0;
};

class Loop {
public:
    Loop();
    ~Loop();
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    uv_loop_t* raw() { return &loop_; }

    // Runs until stop() or until nothing is left to do.
    void run();
    // One iteration, blocking for I/O if there is something to wait for. False when idle.
    bool run_once();
    // Thread-safe: makes run() return at the end of the current iteration.
    void stop();
    // Thread-safe: runs fn on the loop thread at its next iteration. Does not keep the loop
    // alive on its own: posting to a loop that is not running just queues the function.
    void post(std::function<void()> fn);

    // Asks every resident (open connection) to close; they finish in their close callbacks.
    void close_residents();
    void add_resident(LoopResident* r) { residents_.insert(r); }
    void remove_resident(LoopResident* r) { residents_.erase(r); }
    std::size_t resident_count() const { return residents_.size(); }

    // One 64 KiB read buffer shared by every stream on this loop. libuv calls alloc and read
    // callbacks back to back for one stream at a time, and readers consume or copy the bytes
    // before returning, so idle connections hold no read buffer at all.
    std::span<char> read_buffer() { return read_buffer_; }

private:
    static void on_async(uv_async_t* handle);

    uv_loop_t loop_{};
    uv_async_t async_{};
    std::mutex posted_mutex_;
    std::vector<std::function<void()>> posted_;
    bool stop_requested_ = false;  // guarded by posted_mutex_
    std::unordered_set<LoopResident*> residents_;
    std::vector<char> read_buffer_;
};

// Closes a heap-allocated handle and deletes it in the close callback. H is the concrete libuv
// handle type the pointer was allocated as.
template <class H>
void close_and_delete(H* handle) {
    auto* h = reinterpret_cast<uv_handle_t*>(handle);
    if (uv_is_closing(h)) return;
    uv_close(h, [](uv_handle_t* p) { delete reinterpret_cast<H*>(p); });
}

// Calls a callback on SIGTERM / SIGINT (or any given signals) on the loop thread, so shutdown
// runs as ordinary loop code instead of inside an async-signal context.
class SignalWatcher {
public:
    using Callback = std::function<void(int signum)>;
    SignalWatcher(Loop& loop, std::vector<int> signums, Callback cb);
    SignalWatcher(Loop& loop, Callback cb) : SignalWatcher(loop, {SIGTERM, SIGINT}, std::move(cb)) {}
    ~SignalWatcher();
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

private:
    std::vector<uv_signal_t*> handles_;
    Callback cb_;
};

}  // namespace mr::net
