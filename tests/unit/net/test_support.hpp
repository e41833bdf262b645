// Shared fixtures for the mr_net tests: a server running a line-echo handler on its own loop
// thread, and a blocking POSIX/OpenSSL client with timeouts on every wait.
//
// Threading rule: server objects are created before the loop thread starts and destroyed
// after it is joined; while it runs, the test thread only talks to the server over sockets
// and reads the Recorder (mutex-protected).
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/net/listener.hpp"
#include "common/net/loop.hpp"

namespace mr::net::test {

using namespace std::chrono_literals;

// What the server-side handlers saw, in order.
class Recorder {
public:
    void add(std::string event);
    bool contains(const std::string& event) const;
    std::size_t count(const std::string& event) const;
    // Waits until `event` has been recorded `times` times.
    bool wait_for(const std::string& event, std::chrono::milliseconds timeout = 5s,
                  std::size_t times = 1) const;
    std::vector<std::string> events() const;

    std::atomic<std::size_t> max_buffered{0};

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
    std::vector<std::string> events_;
};

// The echo handler's lines unless a test names other ones: bare CR and LF reach it.
inline constexpr text::LinePolicy kTestLines{8 * 1024 - 2, text::BareLf::Tolerate, text::BareCr::Tolerate};

// The test protocol; see test_support.cpp for the commands it understands.
std::unique_ptr<ConnectionHandler> make_echo_handler(Recorder& rec);

class TestServer {
public:
    explicit TestServer(ListenerOptions options = {});
    // With handlers of the test's own (given the Recorder), instead of the echo handler.
    TestServer(ListenerOptions options, std::function<std::unique_ptr<ConnectionHandler>(Connection&, Recorder&)> make);
    ~TestServer();
    // Binds (or adopts) and starts the loop thread.
    Result<void> start(const std::string& address = "127.0.0.1:0");
    Result<void> start_adopted(int fd);
    int port() const { return port_; }
    Recorder rec;

private:
    void run_thread();
    Loop loop_;
    std::unique_ptr<Listener> listener_;
    std::thread thread_;
    int port_ = 0;
};

class Client {
public:
    Client() = default;
    ~Client();
    Client(Client&& other) noexcept;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Null on failure. bind_ip: local source address (127.0.0.2 to look like another client).
    static std::unique_ptr<Client> connect(const std::string& ip, int port,
                                           const std::string& bind_ip = "", int rcvbuf = 0);
    bool send(std::string_view data);
    // A line without CRLF; nullopt on EOF, error or timeout.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout = 5s);
    // True if the server closed the connection within the timeout (after any pending data).
    bool wait_eof(std::chrono::milliseconds timeout = 5s);
    // TLS client handshake over this socket; afterwards send/read go through TLS.
    bool start_tls(SSL_CTX* ctx, const std::string& sni);
    std::string tls_version() const;
    void close();
    int fd() const { return fd_; }

private:
    long recv_some(char* buf, std::size_t len);
    int fd_ = -1;
    SSL* ssl_ = nullptr;
    std::string buffer_;
};

// A fresh directory under /tmp, removed with its contents on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Runs `loop` in the calling thread until pred() or timeout; returns pred().
template <class Pred>
bool run_until(Loop& loop, Pred pred, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    uv_timer_t tick{};  // keeps run_once from blocking forever when nothing else is active
    uv_timer_init(loop.raw(), &tick);
    uv_timer_start(&tick, [](uv_timer_t*) {}, 10, 10);
    while (!pred() && std::chrono::steady_clock::now() < deadline) loop.run_once();
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    loop.run_once();  // lets the close callback run before `tick` leaves scope
    return pred();
}

}  // namespace mr::net::test
