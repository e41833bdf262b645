#include "common/milter/milter_client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "common/mime/header_parser.hpp"

namespace mr::milter {

namespace {

using Clock = std::chrono::steady_clock;

class Socket {
public:
    Socket() = default;
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    Result<void> connect(const ServerAddress& to, std::chrono::milliseconds timeout);
    Result<void> send(std::string_view bytes);
    Result<Packet> read_packet();
    std::chrono::milliseconds timeout{0};

private:
    Result<void> wait(short events);

    int fd_ = -1;
    PacketReader reader_;
};

Result<void> Socket::wait(short events) {
    pollfd p{fd_, events, 0};
    for (;;) {
        const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (n > 0) return {};
        if (n == 0) return Error::internal("milter timed out after " + std::to_string(timeout.count()) + " ms");
        if (errno != EINTR) return Error::system(errno, std::string("milter poll: ") + std::strerror(errno));
    }
}

Result<void> Socket::connect(const ServerAddress& to, std::chrono::milliseconds wait_for) {
    timeout = wait_for;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(to.port);
    if (int rc = ::getaddrinfo(to.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
        return Error::internal("milter host " + to.host + ": " + ::gai_strerror(rc));
    }
    std::string why = "no address";
    for (addrinfo* a = found; a; a = a->ai_next) {
        fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd_ < 0) continue;
        int rc = ::connect(fd_, a->ai_addr, a->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            if (auto w = wait(POLLOUT); !w) {
                why = w.error().message;
                ::close(fd_);
                fd_ = -1;
                continue;
            }
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
            rc = err == 0 ? 0 : -1;
            errno = err;
        }
        if (rc == 0) break;
        why = std::strerror(errno);
        ::close(fd_);
        fd_ = -1;
    }
    ::freeaddrinfo(found);
    if (fd_ < 0) return Error::internal("milter " + to.host + ":" + port + ": " + why);
    return {};
}

Result<void> Socket::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (auto w = wait(POLLOUT); !w) return w;
            continue;
        }
        return Error::system(errno, std::string("milter send: ") + std::strerror(errno));
    }
    return {};
}

Result<Packet> Socket::read_packet() {
    char buf[16 * 1024];
    for (;;) {
        auto p = reader_.next();
        if (!p) return p.error();
        if (*p) return std::move(**p);
        if (auto w = wait(POLLIN); !w) return w.error();
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n > 0) {
            reader_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
        } else if (n == 0) {
            return Error::internal("milter closed the connection");
        } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
            return Error::system(errno, std::string("milter recv: ") + std::strerror(errno));
        }
    }
}

// A reply to a step, SMFIR_PROGRESS waited through.
Result<Response> read_response(Socket& s) {
    for (;;) {
        auto p = s.read_packet();
        if (!p) return p.error();
        auto r = parse_response(*p);
        if (!r) return r.error();
        if (r->kind != Response::Kind::Progress) return r;
    }
}

// nullopt: go on; else the transaction ends with this outcome.
std::optional<Outcome> ending(const Response& r, const char* step) {
    using K = Response::Kind;
    Outcome o;
    o.step = step;
    switch (r.kind) {
    case K::Accept: o.verdict = Outcome::Verdict::Accept; return o;
    case K::Reject: o.verdict = Outcome::Verdict::Reject; return o;
    case K::TempFail:
    case K::ConnFail: o.verdict = Outcome::Verdict::TempFail; return o;
    case K::Discard: o.verdict = Outcome::Verdict::Discard; return o;
    case K::ReplyCode:
        o.verdict = r.reply.code >= 500 ? Outcome::Verdict::Reject : Outcome::Verdict::TempFail;
        o.reply = r.reply;
        return o;
    default: return std::nullopt;
    }
}

// Header values go without the space after the colon (no HDR_LEADSPC) and with LF line
// ends inside, as libmilter's MTAs send them.
std::string milter_value(std::string_view raw) {
    while (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) raw.remove_prefix(1);
    while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.remove_suffix(1);
    std::string v;
    v.reserve(raw.size());
    for (char c : raw) {
        if (c != '\r') v += c;
    }
    return v;
}

// The outcome a step ended the replay with, or its error.
Result<Outcome> finish(Result<std::optional<Outcome>> r) {
    if (!r) return r.error();
    return std::move(**r);
}

class Conversation {
public:
    Conversation(Socket& s, const Transaction& t) : s_(s), t_(t) {}

    Result<Outcome> run(const MessageBytes& m);

private:
    // Sends one step (its macros first); a reply that ends the transaction is returned.
    Result<std::optional<Outcome>> step(const char* name, char cmd, const Macros& macros, const std::string& pkt,
                                        std::uint32_t no_flag, std::uint32_t nr_flag);
    Result<std::optional<Outcome>> body(const MessageBytes& m);
    Result<std::optional<Outcome>> body_chunk(std::string_view chunk, bool& skip);
    Result<Outcome> end_of_message();

    Socket& s_;
    const Transaction& t_;
    std::uint32_t flags_ = 0;
};

Result<std::optional<Outcome>> Conversation::step(const char* name, char cmd, const Macros& macros,
                                                  const std::string& pkt, std::uint32_t no_flag,
                                                  std::uint32_t nr_flag) {
    if (!macros.empty()) {
        if (auto r = s_.send(macro_packet(cmd, macros)); !r) return r.error();
    }
    if (flags_ & no_flag) return std::optional<Outcome>();
    if (auto r = s_.send(pkt); !r) return r.error();
    if (flags_ & nr_flag) return std::optional<Outcome>();
    auto r = read_response(s_);
    if (!r) return r.error();
    if (auto o = ending(*r, name)) return o;
    if (r->kind != Response::Kind::Continue) {
        return Error::syntax(std::string("milter answered '") + r->command + "' to " + name);
    }
    return std::optional<Outcome>();
}

Result<std::optional<Outcome>> Conversation::body_chunk(std::string_view chunk, bool& skip) {
    if (auto r = s_.send(body_packet(chunk)); !r) return r.error();
    if (flags_ & protocol::kNrBody) return std::optional<Outcome>();
    auto r = read_response(s_);
    if (!r) return r.error();
    if (auto o = ending(*r, "body")) return o;
    if (r->kind == Response::Kind::Skip && (flags_ & protocol::kSkip)) {
        skip = true;
        return std::optional<Outcome>();
    }
    if (r->kind != Response::Kind::Continue) return Error::syntax(std::string("milter answered '") + r->command + "' to body");
    return std::optional<Outcome>();
}

Result<std::optional<Outcome>> Conversation::body(const MessageBytes& m) {
    if (flags_ & protocol::kNoBody) return std::optional<Outcome>();
    bool skip = false;
    if (m.file.empty()) {
        std::string_view rest = m.body;
        while (!rest.empty() && !skip) {
            auto r = body_chunk(rest.substr(0, kMaxBodyChunk), skip);
            if (!r || *r) return r;
            rest.remove_prefix(std::min(rest.size(), kMaxBodyChunk));
        }
        return std::optional<Outcome>();
    }
    std::ifstream in(m.file, std::ios::binary);
    if (!in) return Error::internal("cannot read " + m.file.string());
    in.seekg(static_cast<std::streamoff>(m.body_offset));
    std::string chunk(kMaxBodyChunk, '\0');
    while (in && !skip) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        const auto n = static_cast<std::size_t>(in.gcount());
        if (n == 0) break;
        auto r = body_chunk(std::string_view(chunk.data(), n), skip);
        if (!r || *r) return r;
    }
    if (in.bad()) return Error::internal("cannot read " + m.file.string());
    return std::optional<Outcome>();
}

Result<Outcome> Conversation::end_of_message() {
    if (auto r = s_.send(macro_packet(command::kEom, {{"i", t_.queue_id}})); !r) return r.error();
    if (auto r = s_.send(packet(command::kEom, {})); !r) return r.error();
    Outcome collected;
    collected.step = "eom";
    using K = Response::Kind;
    for (;;) {
        auto r = read_response(s_);
        if (!r) return r.error();
        switch (r->kind) {
        case K::AddHeader: collected.edits.push_back({HeaderEdit::Kind::Add, 0, r->name, r->value}); continue;
        case K::InsHeader: collected.edits.push_back({HeaderEdit::Kind::Insert, r->index, r->name, r->value}); continue;
        case K::ChgHeader: collected.edits.push_back({HeaderEdit::Kind::Change, r->index, r->name, r->value}); continue;
        case K::Quarantine: collected.quarantine = r->reason; continue;
        case K::Unrequested: ++collected.unrequested; continue;
        case K::Continue: return collected;
        default: break;
        }
        auto o = ending(*r, "eom");
        if (!o) return Error::syntax(std::string("milter answered '") + r->command + "' to end of message");
        if (o->verdict == Outcome::Verdict::Accept) return collected;
        o->quarantine = collected.quarantine;
        o->unrequested = collected.unrequested;
        return *o;
    }
}

Result<Outcome> Conversation::run(const MessageBytes& m) {
    if (auto r = s_.send(optneg_packet(action::kSupported, protocol::kOffered)); !r) return r.error();
    auto answer = read_response(s_);
    if (!answer) return answer.error();
    if (answer->kind != Response::Kind::OptNeg) return Error::syntax("milter did not answer the option negotiation");
    auto agreed = agree({kVersion, action::kSupported, protocol::kOffered}, answer->negotiation);
    if (!agreed) return agreed.error();
    flags_ = agreed->protocol_flags;

    using namespace protocol;
    const std::string client_name = "[" + t_.client_ip + "]";
    const Macros connect_macros{{"j", t_.our_hostname},
                                {"{daemon_name}", "mailroom"},
                                {"{client_addr}", t_.client_ip},
                                {"{client_name}", client_name}};
    const std::string from = "<" + t_.sender + ">";
    Macros mail_macros{{"i", t_.queue_id}, {"{mail_addr}", t_.sender}};
    if (!t_.user.empty()) mail_macros.emplace_back("{auth_authen}", t_.user);

    auto r = step("connect", command::kConnect, connect_macros, connect_packet(client_name, t_.client_ip, t_.client_port),
                  kNoConnect, kNrConnect);
    if (!r || *r) return finish(std::move(r));
    r = step("helo", command::kHelo, {}, helo_packet(t_.helo), kNoHelo, kNrHelo);
    if (!r || *r) return finish(std::move(r));
    r = step("mail", command::kMail, mail_macros, mail_packet(t_.sender), kNoMail, kNrMail);
    if (!r || *r) return finish(std::move(r));
    for (const auto& rcpt : t_.recipients) {
        r = step("rcpt", command::kRcpt, {{"{rcpt_addr}", rcpt}}, rcpt_packet(rcpt), kNoRcpt, kNrRcpt);
        if (!r || *r) return finish(std::move(r));
    }
    r = step("data", command::kData, {}, packet(command::kData, {}), kNoData, kNrData);
    if (!r || *r) return finish(std::move(r));

    mime::HeaderScanner scan(m.header);
    while (auto f = scan.next()) {
        r = step("header", command::kHeader, {}, header_packet(f->name, milter_value(f->raw_value)), kNoHeaders,
                 kNrHeader);
        if (!r || *r) return finish(std::move(r));
    }
    r = step("eoh", command::kEoh, {}, packet(command::kEoh, {}), kNoEoh, kNrEoh);
    if (!r || *r) return finish(std::move(r));
    r = body(m);
    if (!r || *r) return finish(std::move(r));
    return end_of_message();
}

}  // namespace

Result<ServerAddress> parse_server_address(std::string_view spec) {
    const auto bad = [&] { return Error::syntax("milter server '" + std::string(spec) + "': want inet:host:port"); };
    std::string_view rest;
    if (spec.starts_with("inet:")) {
        rest = spec.substr(5);
    } else if (spec.starts_with("inet6:")) {
        rest = spec.substr(6);
    } else {
        return bad();
    }
    std::string_view host;
    std::string_view port;
    if (rest.starts_with('[')) {
        const auto close = rest.find("]:");
        if (close == std::string_view::npos) return bad();
        host = rest.substr(1, close - 1);
        port = rest.substr(close + 2);
    } else {
        const auto colon = rest.rfind(':');
        if (colon == std::string_view::npos) return bad();
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (host.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
        return bad();
    }
    return ServerAddress{std::string(host), static_cast<std::uint16_t>(value)};
}

Result<Outcome> run_conversation(const ServerAddress& server, std::chrono::milliseconds timeout,
                                 const Transaction& t, const MessageBytes& message) {
    Socket s;
    if (auto c = s.connect(server, timeout); !c) return c.error();
    Conversation conv(s, t);
    auto outcome = conv.run(message);
    if (outcome) (void)s.send(packet(command::kQuit, {}));  // the milter's answer does not matter now
    return outcome;
}

}  // namespace mr::milter
