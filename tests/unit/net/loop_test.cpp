// Loop, timers, signals, cross-thread posting, thread pool and wake-ups, driven in the test
// thread with run_until (every wait has a deadline).
#include <doctest/doctest.h>

#include <csignal>
#include <thread>

#include "common/net/thread_pool.hpp"
#include "common/net/timer.hpp"
#include "common/net/wakeup.hpp"
#include "test_support.hpp"

using namespace mr::net;
using namespace mr::net::test;

TEST_CASE("timer: one-shot, repeating, stop, destroy from its own callback") {
    Loop loop;
    int once = 0, repeat = 0;
    Timer a(loop), b(loop);
    a.start(10ms, [&] { ++once; });
    b.start_repeating(5ms, [&] {
        if (++repeat == 3) b.stop();
    });
    CHECK(run_until(loop, [&] { return once == 1 && repeat == 3; }));
    CHECK_FALSE(a.active());

    auto self_destroying = std::make_unique<Timer>(loop);
    bool fired = false;
    self_destroying->start(1ms, [&] {
        fired = true;
        self_destroying.reset();
    });
    CHECK(run_until(loop, [&] { return fired; }));
    CHECK_FALSE(self_destroying);
}

TEST_CASE("signal watcher: a signal becomes a loop callback") {
    Loop loop;
    int got = 0;
    SignalWatcher w(loop, {SIGUSR2}, [&](int signum) { got = signum; });
    std::raise(SIGUSR2);
    CHECK(run_until(loop, [&] { return got != 0; }));
    CHECK(got == SIGUSR2);
}

TEST_CASE("loop: post from another thread and stop") {
    Loop loop;
    std::thread::id ran_on;
    bool ran = false;
    std::thread t([&] { loop.post([&] { ran = true; ran_on = std::this_thread::get_id(); }); });
    t.join();
    CHECK(run_until(loop, [&] { return ran; }));
    CHECK(ran_on == std::this_thread::get_id());

    Timer keepalive(loop);
    keepalive.start_repeating(1000ms, [] {});
    std::thread stopper([&] { loop.stop(); });
    loop.run();  // returns because of stop(), even though a timer is still active
    stopper.join();
}

TEST_CASE("thread pool: result delivered on the loop thread; dropped when the token expired") {
    Loop loop;
    std::thread::id worker, delivered_on;
    int result = 0;
    run_off_loop(
        loop, [&] { worker = std::this_thread::get_id(); return 6 * 7; },
        [&](int v) { result = v; delivered_on = std::this_thread::get_id(); });
    CHECK(run_until(loop, [&] { return result != 0; }));
    CHECK(result == 42);
    CHECK(worker != std::this_thread::get_id());
    CHECK(delivered_on == std::this_thread::get_id());

    bool void_done = false;
    run_off_loop(loop, [] {}, [&] { void_done = true; });
    CHECK(run_until(loop, [&] { return void_done; }));

    auto token = std::make_shared<int>(0);
    std::atomic<bool> work_ran{false};
    bool guarded_done = false;
    run_off_loop(
        loop, std::weak_ptr<void>(token),
        [&] {
            std::this_thread::sleep_for(50ms);
            work_ran = true;
            return std::string("late");
        },
        [&](std::string) { guarded_done = true; });
    token.reset();  // the connection went away while the job ran
    CHECK(run_until(loop, [&] { return work_ran.load(); }));
    run_until(loop, [] { return false; }, 50ms);
    CHECK_FALSE(guarded_done);
}

TEST_CASE("thread pool: jobs still queued when the loop is destroyed finish first") {
    std::atomic<int> ran{0};
    {
        Loop loop;
        for (int i = 0; i < 8; ++i) {
            run_off_loop(loop, [&] { std::this_thread::sleep_for(5ms); ++ran; }, [] {});
        }
    }
    CHECK(ran.load() == 8);
}

TEST_CASE("wakeup: datagrams reach the receiver; no receiver is a soft error") {
    TempDir dir;
    auto path = wakeup_endpoint(dir.path(), WakeupListener::Deliverd);
    CHECK(path == dir.path() / "run" / "deliverd.sock");  // the on-disk name other tools expect
    CHECK(wakeup_endpoint(dir.path(), WakeupListener::Imapd) == dir.path() / "run" / "imapd.sock");
    Loop loop;
    std::vector<std::string> got;
    auto r = WakeupReceiver::open(loop, path, [&](std::string_view m) { got.emplace_back(m); });
    REQUIRE(r);
    CHECK(std::filesystem::exists(path));

    CHECK(send_wakeup(path, "queue"));
    CHECK(send_wakeup(path, "user joe@example.org"));
    CHECK(run_until(loop, [&] { return got.size() == 2; }));
    CHECK(got == std::vector<std::string>{"queue", "user joe@example.org"});

    // A restarted daemon takes over a stale socket file.
    r->reset();
    CHECK_FALSE(std::filesystem::exists(path));
    auto again = WakeupReceiver::open(loop, path, [&](std::string_view m) { got.emplace_back(m); });
    REQUIRE(again);
    CHECK(send_wakeup(path, "x"));
    CHECK(run_until(loop, [&] { return got.size() == 3; }));
    again->reset();

    auto missing = send_wakeup(dir.path() / "nobody.sock", "queue");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == mr::ErrorKind::Refused);
    CHECK_FALSE(send_wakeup(std::string(200, 'p'), "x"));  // path too long for sun_path
}
