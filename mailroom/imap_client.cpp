#include "mailroom/imap_client.hpp"

#include <netdb.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mailroom/cli_context.hpp"

namespace mr::cli {

namespace {

constexpr int kTimeoutSeconds = 120;

std::string ssl_error_text() {
    const unsigned long e = ERR_get_error();
    if (e == 0) return "connection closed";
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

int connect_tcp(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0) {
        throw CliError{"cannot resolve " + host + ": " + gai_strerror(rc)};
    }
    std::string error = "no address";
    int fd = -1;
    for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        const timeval tv{kTimeoutSeconds, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            error = std::strerror(errno);
            ::close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) throw CliError{"cannot connect to " + host + ":" + service + ": " + error};
    return fd;
}

// The text after the tag and status word, for error messages.
std::string describe(const imapc::Response& r) {
    std::string out;
    for (std::size_t i = 1; i < r.values.size(); ++i) {
        if (!out.empty()) out += ' ';
        out += r.values[i].text;
    }
    return out;
}

}  // namespace

std::string imap_quoted(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

ImapClient::ImapClient(const ImapServer& server) {
    fd_ = connect_tcp(server.host, server.port);
    if (server.tls == ImapTls::Implicit) start_tls(server);
    auto greeting = read_response();
    if (greeting.values.empty() || !greeting.values[0].is_atom("OK")) {
        throw CliError{server.host + " did not greet with OK: " + describe(greeting)};
    }
    if (server.tls == ImapTls::StartTls) {
        command("STARTTLS");
        start_tls(server);
    }
}

ImapClient::~ImapClient() {
    if (ssl_ != nullptr) {
        SSL_shutdown(ssl_);
        SSL_free(ssl_);
    }
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
}

void ImapClient::start_tls(const ImapServer& server) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (ctx_ == nullptr) throw CliError{"TLS: " + ssl_error_text()};
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_default_verify_paths(ctx_);
    if (!server.ca_file.empty() && SSL_CTX_load_verify_locations(ctx_, server.ca_file.c_str(), nullptr) != 1) {
        throw CliError{"cannot load " + server.ca_file + ": " + ssl_error_text()};
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    // SSL_set_tlsext_host_name() spelled out: the macro hides a C cast.
    SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(server.host.c_str()));
    SSL_set1_host(ssl_, server.host.c_str());
    if (SSL_connect(ssl_) != 1) {
        const long verify = SSL_get_verify_result(ssl_);
        const std::string why =
            verify != X509_V_OK ? X509_verify_cert_error_string(verify) : ssl_error_text();
        throw CliError{"TLS with " + server.host + " failed: " + why};
    }
}

void ImapClient::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const long n = ssl_ != nullptr ? SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()))
                                       : ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) throw CliError{"sending to the IMAP server failed"};
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

imapc::Response ImapClient::read_response() {
    char buf[65536];
    for (;;) {
        auto next = reader_.next();
        if (!next) throw CliError{"the IMAP server sent something unreadable: " + next.error().message};
        if (*next) return std::move(**next);
        const long n = ssl_ != nullptr ? SSL_read(ssl_, buf, sizeof buf) : ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) throw CliError{"the IMAP server closed the connection or timed out"};
        reader_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    }
}

std::vector<imapc::Response> ImapClient::command(std::string_view text) {
    const std::string tag = "m" + std::to_string(next_tag_++);
    send(tag + " " + std::string(text) + "\r\n");
    std::vector<imapc::Response> untagged;
    for (;;) {
        auto r = read_response();
        if (r.tag != tag) {
            untagged.push_back(std::move(r));
            continue;
        }
        if (r.values.empty() || !r.values[0].is_atom("OK")) {
            const std::string verb(text.substr(0, text.find(' ')));
            throw CliError{"the IMAP server refused " + verb + ": " + describe(r)};
        }
        return untagged;
    }
}

void ImapClient::login(std::string_view user, std::string_view password) {
    for (char c : password) {
        if (c == '\r' || c == '\n' || c == '\0') throw CliError{"the password contains a line break or NUL"};
    }
    // Not command(): its error message would carry the command's text, the password.
    const std::string tag = "m" + std::to_string(next_tag_++);
    send(tag + " LOGIN " + imap_quoted(user) + " " + imap_quoted(password) + "\r\n");
    for (;;) {
        auto r = read_response();
        if (r.tag != tag) continue;
        if (r.values.empty() || !r.values[0].is_atom("OK")) throw CliError{"login refused: " + describe(r)};
        return;
    }
}

}  // namespace mr::cli
