// pop3_load: the POP3 load client of bench/pop3.sh, the same binary against mailroom's
// pop3d and Dovecot. Plain POP3 (RFC 1939) over loopback, one blocking thread per
// session, RETRs pipelined (RFC 2449 PIPELINING, rfc2449.txt; both servers announce it)
// with a window of outstanding commands, so the client never waits a round trip.
//
//   pop3_load retr  --port P --users FMT --first I --sessions N --password PW [--window W]
//       Session k logs in as FMT with %d replaced by I+k, STATs, and then RETRs every
//       message; the clock runs from the moment all sessions are logged in until the last
//       one received its last message. Prints one JSON line: messages, bytes (message
//       octets as received, dot-stuffed, without status lines and terminators), seconds,
//       and the login (connect → STAT answered) times.
//   pop3_load idle  --port P --users FMT --first I --sessions N --password PW
//       Opens N authenticated sessions, prints "READY N", waits for a line on stdin, QUITs.
//   pop3_load selftest [--window W] [--messages M]
//       The client's own ceiling: the same code against an in-process fake server that
//       answers every RETR at once with a canned 4 KiB message.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "pop3_load: %s\n", what.c_str());
    std::exit(1);
}

int connect_to(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        die("connect 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno));
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

void send_all(int fd, const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) die(std::string("send: ") + std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
}

// Buffered reader of POP3 replies.
class Reader {
public:
    explicit Reader(int fd) : fd_(fd) {}

    std::string line() {
        for (;;) {
            const auto end = buf_.find("\r\n", pos_);
            if (end != std::string::npos) {
                std::string out = buf_.substr(pos_, end - pos_);
                pos_ = end + 2;
                return out;
            }
            fill();
        }
    }

    // After a "+OK" status line: the multi-line body up to CRLF.CRLF; returns its octets
    // (without the terminating ".CRLF").
    std::size_t body() {
        // The status line's CRLF precedes the body, so an empty body is "\r\n.\r\n" too.
        std::size_t from = pos_ - 2;  // pos_ >= 2: a status line was just read
        for (;;) {
            const void* hit = ::memmem(buf_.data() + from, buf_.size() - from, "\r\n.\r\n", 5);
            if (hit != nullptr) {
                const auto at = static_cast<std::size_t>(static_cast<const char*>(hit) - buf_.data());
                const std::size_t octets = at + 2 - pos_;
                pos_ = at + 5;
                return octets;
            }
            // fill() may move the unread bytes (and the 2 before them) to the front: keep
            // `from` relative to pos_. from >= pos_ - 2 always.
            const std::size_t scanned = std::max(from, buf_.size() >= 4 ? buf_.size() - 4 : 0) + 2 - pos_;
            fill();
            from = pos_ + scanned - 2;
        }
    }

private:
    void fill() {
        if (pos_ > 2 && pos_ >= buf_.size() / 2) {
            buf_.erase(0, pos_ - 2);  // keep the CRLF before pos_: body() searches from it
            pos_ = 2;
        }
        const std::size_t old = buf_.size();
        buf_.resize(old + 256 * 1024);
        ssize_t n;
        do {
            n = ::recv(fd_, buf_.data() + old, buf_.size() - old, 0);
        } while (n < 0 && errno == EINTR);
        if (n <= 0) die(n == 0 ? "connection closed by server" : std::string("recv: ") + std::strerror(errno));
        buf_.resize(old + static_cast<std::size_t>(n));
    }

    int fd_;
    std::string buf_;
    std::size_t pos_ = 0;
};

void expect_ok(const std::string& reply, const std::string& what) {
    if (reply.rfind("+OK", 0) != 0) die(what + ": " + reply);
}

struct Options {
    int port = 0;
    std::string users;
    int first = 0;
    int sessions = 1;
    std::string password;
    int window = 64;
    int messages = 20000;
};

std::string user_name(const Options& o, int k) {
    std::string u = o.users;
    const auto at = u.find("%d");
    if (at != std::string::npos) u.replace(at, 2, std::to_string(o.first + k));
    return u;
}

struct Session {
    int fd = -1;
    std::unique_ptr<Reader> reader;
    int count = 0;
    double login_seconds = 0;
    std::size_t messages = 0;
    std::size_t bytes = 0;
};

void login(Session& s, int port, const std::string& user, const std::string& password, bool stat) {
    const auto t0 = Clock::now();
    s.fd = connect_to(port);
    s.reader = std::make_unique<Reader>(s.fd);
    expect_ok(s.reader->line(), "greeting");
    send_all(s.fd, "USER " + user + "\r\nPASS " + password + "\r\n");
    expect_ok(s.reader->line(), "USER " + user);
    expect_ok(s.reader->line(), "PASS for " + user);
    if (stat) {
        send_all(s.fd, "STAT\r\n");
        const std::string reply = s.reader->line();
        expect_ok(reply, "STAT");
        s.count = std::atoi(reply.c_str() + 4);
    }
    s.login_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
}

void retrieve_all(Session& s, int window) {
    int sent = 0;
    int received = 0;
    std::string out;
    while (received < s.count) {
        if (sent < s.count && sent - received <= window / 2) {
            out.clear();
            while (sent < s.count && sent - received < window) out += "RETR " + std::to_string(++sent) + "\r\n";
            send_all(s.fd, out);
        }
        expect_ok(s.reader->line(), "RETR " + std::to_string(received + 1));
        s.bytes += s.reader->body();
        ++s.messages;
        ++received;
    }
}

void quit(Session& s) {
    send_all(s.fd, "QUIT\r\n");
    (void)s.reader->line();
    ::close(s.fd);
}

// Logs every session in, then releases them together and times the RETR phase.
int run_retr(const Options& o) {
    std::vector<Session> sessions(static_cast<std::size_t>(o.sessions));
    std::mutex mu;
    std::condition_variable cv;
    int ready = 0;
    bool go = false;
    std::vector<std::thread> threads;
    for (int k = 0; k < o.sessions; ++k) {
        threads.emplace_back([&, k] {
            Session& s = sessions[static_cast<std::size_t>(k)];
            login(s, o.port, user_name(o, k), o.password, true);
            {
                std::unique_lock lock(mu);
                ++ready;
                cv.notify_all();
                cv.wait(lock, [&] { return go; });
            }
            retrieve_all(s, o.window);
        });
    }
    Clock::time_point start;
    {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return ready == o.sessions; });
        start = Clock::now();
        go = true;
        cv.notify_all();
    }
    for (auto& t : threads) t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::size_t messages = 0, bytes = 0;
    std::vector<double> logins;
    for (auto& s : sessions) {
        messages += s.messages;
        bytes += s.bytes;
        logins.push_back(s.login_seconds);
        quit(s);
    }
    std::sort(logins.begin(), logins.end());
    std::printf("{\"sessions\": %d, \"messages\": %zu, \"bytes\": %zu, \"seconds\": %.6f, "
                "\"login_median\": %.6f, \"login_max\": %.6f}\n",
                o.sessions, messages, bytes, seconds, logins[logins.size() / 2], logins.back());
    return 0;
}

int run_idle(const Options& o) {
    std::vector<Session> sessions(static_cast<std::size_t>(o.sessions));
    // Greeting and USER/PASS to every connection first, then read the answers: the
    // servers verify passwords in parallel.
    for (int k = 0; k < o.sessions; ++k) {
        Session& s = sessions[static_cast<std::size_t>(k)];
        s.fd = connect_to(o.port);
        s.reader = std::make_unique<Reader>(s.fd);
        expect_ok(s.reader->line(), "greeting");
        send_all(s.fd, "USER " + user_name(o, k) + "\r\nPASS " + o.password + "\r\n");
    }
    for (int k = 0; k < o.sessions; ++k) {
        Session& s = sessions[static_cast<std::size_t>(k)];
        expect_ok(s.reader->line(), "USER " + user_name(o, k));
        expect_ok(s.reader->line(), "PASS for " + user_name(o, k));
    }
    std::printf("READY %d\n", o.sessions);
    std::fflush(stdout);
    std::string line;
    std::getline(std::cin, line);
    for (auto& s : sessions) quit(s);
    return 0;
}

// A fake POP3 server on an ephemeral port that answers everything at once.
int run_selftest(Options o) {
    const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 4) != 0 ||
        ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        die("selftest listen");
    }
    std::string message;
    while (message.size() < 4096 - 72) message += "..a line of seventy octets or so, dot-stuffed like a real one.....\r\n";
    const std::string retr_reply = "+OK " + std::to_string(message.size()) + " octets\r\n" + message + ".\r\n";
    const int count = o.messages;
    std::thread server([&] {
        const int fd = ::accept(lfd, nullptr, nullptr);
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        send_all(fd, "+OK fake\r\n");
        std::string in(64 * 1024, '\0');
        std::string pending, out;
        for (;;) {
            const ssize_t n = ::recv(fd, in.data(), in.size(), 0);
            if (n <= 0) break;
            pending.append(in.data(), static_cast<std::size_t>(n));
            out.clear();
            std::size_t pos = 0, end;
            bool quit_seen = false;
            while ((end = pending.find("\r\n", pos)) != std::string::npos) {
                const std::string cmd = pending.substr(pos, 4);
                pos = end + 2;
                if (cmd == "RETR") out += retr_reply;
                else if (cmd == "STAT") out += "+OK " + std::to_string(count) + " 0\r\n";
                else if (cmd == "QUIT") {
                    out += "+OK bye\r\n";
                    quit_seen = true;
                } else out += "+OK\r\n";
            }
            pending.erase(0, pos);
            send_all(fd, out);
            if (quit_seen) break;
        }
        ::close(fd);
    });
    o.port = ntohs(addr.sin_port);
    o.users = "selftest";
    o.password = "x";
    o.sessions = 1;
    const int rc = run_retr(o);
    server.join();
    ::close(lfd);
    return rc;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) die("usage: pop3_load retr|idle|selftest [options] (see the top of pop3_load.cpp)");
    const std::string mode = argv[1];
    Options o;
    std::map<std::string, std::string> args;
    for (int i = 2; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
    auto num = [&](const char* key, int def) { return args.count(key) ? std::atoi(args[key].c_str()) : def; };
    o.port = num("--port", 0);
    o.users = args.count("--users") ? args["--users"] : "";
    o.first = num("--first", 0);
    o.sessions = num("--sessions", 1);
    o.password = args.count("--password") ? args["--password"] : "";
    o.window = num("--window", 64);
    o.messages = num("--messages", 20000);
    if (o.sessions < 1 || o.window < 1) die("--sessions and --window must be positive");
    if (mode == "selftest") return run_selftest(o);
    if (o.port <= 0 || o.users.empty()) die("--port and --users are required");
    if (mode == "retr") return run_retr(o);
    if (mode == "idle") return run_idle(o);
    die("unknown mode " + mode);
}
