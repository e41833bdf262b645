#include "test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "common/log/log.hpp"
#include "common/net/connection.hpp"
#include "common/net/thread_pool.hpp"
#include "common/net/timer.hpp"

namespace mr::net::test {

// Info lines (listening, refused, ...) would drown doctest's report; warnings still show.
static const bool quiet_logs = (log::configure("unit_net", log::Level::Warn), true);

void Recorder::add(std::string event) {
    {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(event));
    }
    cv_.notify_all();
}

bool Recorder::contains(const std::string& event) const { return count(event) > 0; }

std::size_t Recorder::count(const std::string& event) const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count(events_.begin(), events_.end(), event));
}

bool Recorder::wait_for(const std::string& event, std::chrono::milliseconds timeout,
                        std::size_t times) const {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
        return static_cast<std::size_t>(std::count(events_.begin(), events_.end(), event)) >= times;
    });
}

std::vector<std::string> Recorder::events() const {
    std::lock_guard lock(mutex_);
    return events_;
}

namespace {

std::size_t to_size(std::string_view s) {
    std::size_t n = 0;
    std::from_chars(s.data(), s.data() + s.size(), n);
    return n;
}

// Test protocol, one command per line:
//   QUIT            "bye", close after flush
//   BYTES n         "go", then n raw bytes, answered "got <bytes>"
//   STARTTLS        "ready", then the TLS upgrade; "tls <version>" once it is up
//   TIMEOUT ms      change the idle timeout; "ok"
//   FLOOD n         n lines of 16 KiB, produced only while writable(); then "flood done"
//   BIG n           n lines of 1 KiB written at once, ignoring writable()
//   PAUSE ms        stop reading for ms, then resume; "resumed"
//   WORK            thread-pool job (100 ms); "work <value>" if the connection still exists
//   TLS?            "tls <version>" or "plain"
//   LOGIN user      Connection::count_login(user): "login ok" or "login refused"
//   anything else   "echo: <line>"
class EchoHandler final : public ConnectionHandler {
public:
    explicit EchoHandler(Recorder& rec) : rec_(rec) {}

    void on_start(Connection& c) override {
        rec_.add("start");
        c.write("hello\r\n");
    }

    void on_line(Connection& c, std::string_view line, LineEnd end) override {
        rec_.add("line:" + std::string(line) + (end == LineEnd::LF ? " [LF]" : ""));
        std::string_view arg = line.find(' ') == std::string_view::npos ? "" : line.substr(line.find(' ') + 1);
        if (line == "QUIT") {
            c.write("bye\r\n");
            c.close_after_flush();
        } else if (line.starts_with("BYTES ")) {
            c.write("go\r\n");
            bytes_.clear();
            c.read_bytes(to_size(arg));
        } else if (line == "STARTTLS") {
            c.write("ready\r\n");
            rec_.add(c.start_tls() ? "starttls ok" : "starttls refused");
        } else if (line.starts_with("TIMEOUT ")) {
            c.set_idle_timeout(std::chrono::milliseconds(to_size(arg)));
            c.write("ok\r\n");
        } else if (line.starts_with("FLOOD ")) {
            flood_left_ = to_size(arg);
            produce(c);
        } else if (line.starts_with("BIG ")) {
            std::string kib(1022, 'y');
            kib += "\r\n";
            for (std::size_t i = to_size(arg); i > 0; --i) c.write(kib);
            note_buffered(c);
            rec_.add(c.writable() ? "big writable" : "big not writable");
        } else if (line.starts_with("PAUSE ")) {
            c.pause_reading();
            timer_ = std::make_unique<Timer>(c.loop());
            timer_->start(std::chrono::milliseconds(to_size(arg)), [this, &c] {
                c.write("resumed\r\n");
                c.resume_reading();
            });
        } else if (line == "WORK") {
            Recorder* rec = &rec_;
            Connection* conn = &c;
            run_off_loop(
                c.loop(), c.alive(),
                [rec] {
                    std::this_thread::sleep_for(100ms);
                    rec->add("work ran");
                    return 42;
                },
                [rec, conn](int v) {
                    rec->add("work done");
                    conn->write("work " + std::to_string(v) + "\r\n");
                });
        } else if (line.starts_with("LOGIN ")) {
            c.write(c.count_login(std::string(arg)) ? "login ok\r\n" : "login refused\r\n");
        } else if (line == "TLS?") {
            c.write(c.is_tls() ? "tls " + c.tls_version() + "\r\n" : "plain\r\n");
        } else {
            c.write("echo: " + std::string(line) + "\r\n");
        }
    }

    void on_line_too_long(Connection& c) override {
        rec_.add("toolong");
        c.write("toolong\r\n");
    }

    void on_refused_line(Connection& c, const text::RefusedLine& why) override {
        const std::string what = std::string(why.bare_lf ? " LF" : "") + (why.bare_cr ? " CR" : "");
        rec_.add("refused" + what);
        c.write("refused" + what + "\r\n");
    }

    void on_bytes(Connection& c, std::string_view chunk, std::size_t remaining) override {
        bytes_ += chunk;
        if (remaining == 0) {
            rec_.add("bytes:" + bytes_);
            c.write("got " + bytes_ + "\r\n");
        }
    }

    void on_tls_ready(Connection& c) override {
        rec_.add("tls_ready " + c.tls_version());
        c.write("tls " + c.tls_version() + "\r\n");
    }

    void on_timeout(Connection& c) override {
        rec_.add("timeout");
        c.write("timeout\r\n");
        c.close_after_flush();
    }

    void on_drain(Connection& c) override { produce(c); }

    void on_closed(Connection&) override {
        timer_.reset();
        rec_.add("closed");
    }

private:
    void produce(Connection& c) {
        if (flood_left_ == 0) return;
        std::string chunk(16 * 1024 - 2, 'x');
        chunk += "\r\n";
        while (flood_left_ > 0 && c.writable()) {
            c.write(chunk);
            --flood_left_;
            note_buffered(c);
        }
        if (flood_left_ == 0) c.write("flood done\r\n");
    }

    void note_buffered(Connection& c) {
        std::size_t b = c.buffered_output();
        std::size_t prev = rec_.max_buffered.load();
        while (b > prev && !rec_.max_buffered.compare_exchange_weak(prev, b)) {
        }
    }

    Recorder& rec_;
    std::string bytes_;
    std::size_t flood_left_ = 0;
    std::unique_ptr<Timer> timer_;
};

}  // namespace

std::unique_ptr<ConnectionHandler> make_echo_handler(Recorder& rec) {
    return std::make_unique<EchoHandler>(rec);
}

TestServer::TestServer(ListenerOptions options) {
    if (std::holds_alternative<std::monostate>(options.connection.framing)) options.connection.framing = kTestLines;
    listener_ = std::make_unique<Listener>(loop_, std::move(options),
                                           [this](Connection&) { return make_echo_handler(rec); });
}

TestServer::TestServer(ListenerOptions options,
                       std::function<std::unique_ptr<ConnectionHandler>(Connection&, Recorder&)> make) {
    listener_ = std::make_unique<Listener>(loop_, std::move(options),
                                           [this, make](Connection& c) { return make(c, rec); });
}

TestServer::~TestServer() {
    loop_.stop();
    if (thread_.joinable()) thread_.join();
    listener_.reset();
    // ~Loop closes the connections still open; their on_closed runs while rec still exists.
}

Result<void> TestServer::start(const std::string& address) {
    auto r = listener_->listen(address);
    if (!r) return r;
    port_ = listener_->port();
    thread_ = std::thread([this] { loop_.run(); });
    return {};
}

Result<void> TestServer::start_adopted(int fd) {
    auto r = listener_->adopt(fd);
    if (!r) return r;
    port_ = listener_->port();
    thread_ = std::thread([this] { loop_.run(); });
    return {};
}

Client::~Client() { close(); }

Client::Client(Client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), ssl_(std::exchange(other.ssl_, nullptr)),
      buffer_(std::move(other.buffer_)) {}

void Client::close() {
    if (ssl_) SSL_free(ssl_);
    ssl_ = nullptr;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

std::unique_ptr<Client> Client::connect(const std::string& ip, int port, const std::string& bind_ip,
                                        int rcvbuf) {
    bool v6 = ip.find(':') != std::string::npos;
    auto c = std::make_unique<Client>();
    c->fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd_ < 0) return nullptr;
    if (rcvbuf > 0) setsockopt(c->fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_storage ss{};
    socklen_t len = 0;
    auto fill = [&](const std::string& host, int p) {
        ss = {};
        if (v6) {
            auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
            a->sin6_family = AF_INET6;
            a->sin6_port = htons(static_cast<std::uint16_t>(p));
            inet_pton(AF_INET6, host.c_str(), &a->sin6_addr);
            len = sizeof *a;
        } else {
            auto* a = reinterpret_cast<sockaddr_in*>(&ss);
            a->sin_family = AF_INET;
            a->sin_port = htons(static_cast<std::uint16_t>(p));
            inet_pton(AF_INET, host.c_str(), &a->sin_addr);
            len = sizeof *a;
        }
    };
    if (!bind_ip.empty()) {
        fill(bind_ip, 0);
        if (::bind(c->fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) return nullptr;
    }
    fill(ip, port);
    if (::connect(c->fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) return nullptr;
    timeval tv{5, 0};
    setsockopt(c->fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return c;
}

bool Client::send(std::string_view data) {
    while (!data.empty()) {
        long n = ssl_ ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                      : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

long Client::recv_some(char* buf, std::size_t len) {
    if (ssl_) return SSL_read(ssl_, buf, static_cast<int>(len));
    return ::recv(fd_, buf, len, 0);
}

std::optional<std::string> Client::read_line(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto lf = buffer_.find('\n'); lf != std::string::npos) {
            std::string line = buffer_.substr(0, lf);
            buffer_.erase(0, lf + 1);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return line;
        }
        auto left = std::chrono::duration_cast<std::chrono::microseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        timeval tv{static_cast<time_t>(left.count() / 1000000),
                   static_cast<suseconds_t>(left.count() % 1000000)};
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[16384];
        long n = recv_some(buf, sizeof buf);
        if (n <= 0) return std::nullopt;
        buffer_.append(buf, static_cast<std::size_t>(n));
    }
}

bool Client::wait_eof(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        timeval tv{0, 100000};
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[4096];
        long n = recv_some(buf, sizeof buf);
        if (n == 0) return true;
        if (n < 0) {
            if (!ssl_ && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
            if (ssl_) {
                // SSL_read reports a clean close_notify or a reset as <= 0 too.
                if (errno == EAGAIN || errno == EWOULDBLOCK) continue;
                return true;
            }
            return errno == ECONNRESET;
        }
        buffer_.append(buf, static_cast<std::size_t>(n));
    }
    return false;
}

bool Client::start_tls(SSL_CTX* ctx, const std::string& sni) {
    ssl_ = SSL_new(ctx);
    SSL_set_fd(ssl_, fd_);
    SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(sni.c_str()));  // SSL_set_tlsext_host_name without its C cast
    SSL_set1_host(ssl_, sni.c_str());
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return SSL_connect(ssl_) == 1;
}

std::string Client::tls_version() const { return ssl_ ? SSL_get_version(ssl_) : ""; }

TempDir::TempDir() {
    char tmpl[] = "/tmp/mr_net_test_XXXXXX";
    char* p = mkdtemp(tmpl);
    path_ = p ? p : "/tmp";
}

TempDir::~TempDir() {
    std::error_code ec;
    if (path_ != "/tmp") std::filesystem::remove_all(path_, ec);
}

}  // namespace mr::net::test
