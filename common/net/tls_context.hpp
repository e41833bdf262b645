// mr::net::TlsContext — an OpenSSL 3 SSL_CTX configured once at start-up, shared by every
// TLS connection of a listener (or every outbound connection of a client).
//
// Invariants:
// - TLS 1.2 is the minimum; renegotiation and compression are off; TLS 1.2 suites are ECDHE
//   (or DHE) with AEAD only (Mozilla "intermediate"); TLS 1.3 uses OpenSSL's defaults.
// - A server context always holds a certificate and a matching private key (checked here, so
//   a bad key fails `mailroom up`, not the first client).
// - A connection's SSL object holds a reference to the SSL_CTX it was made from, so a
//   context stays usable by existing sessions after a reload replaces it.
// - Reload (a server context made with reloading()): after request_tls_reload() (SIGHUP in
//   every daemon, see install_tls_reload_signal), the next new_ssl() loads the certificate
//   and key the source names into a fresh SSL_CTX and makes new handshakes use it; existing
//   sessions keep theirs. Files that cannot be used are logged and the old context stays.
//   Loading happens at most once per request, on the thread making that handshake.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/util/result.hpp"

using SSL_CTX = struct ssl_ctx_st;
using SSL = struct ssl_st;

namespace mr::net {

enum class TlsRole { Server, Client };

class TlsContext {
public:
    static Result<std::shared_ptr<TlsContext>> server(const std::filesystem::path& cert_pem,
                                                      const std::filesystem::path& key_pem);

    // Which certificate and key a reloading server context loads (asked at start and on
    // each reload, so the answer may change, e.g. to the ACME files once obtained).
    struct Files {
        std::filesystem::path cert;
        std::filesystem::path key;
    };
    static Result<std::shared_ptr<TlsContext>> reloading(std::function<Files()> source);

    struct ClientOptions {
        // Off for opportunistic outbound STARTTLS between MTAs (RFC 7435) and for tests.
        bool verify_peer = true;
        // Trust anchors; empty means the system store.
        std::filesystem::path ca_file;
        // Trusted beside the system store (ignored when ca_file is set); empty: none.
        std::filesystem::path extra_ca_file = {};
        // Called on each new SSL of this context (e.g. DANE's per-connection TLSA records);
        // false fails the connection.
        std::function<bool(SSL*)> on_new_ssl = {};
    };
    static Result<std::shared_ptr<TlsContext>> client(const ClientOptions& options);

    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    // Applies `hook` to the current SSL_CTX and to every one a reload makes (a daemon's own
    // callbacks, e.g. webd's tls-alpn-01 answer).
    void configure(std::function<void(SSL_CTX*)> hook);

    // The current SSL_CTX (a reload may replace it: new_ssl() is how sessions start).
    SSL_CTX* raw() const;
    // A session on the current context, reloading first when one was requested.
    SSL* new_ssl();
    // Runs ClientOptions::on_new_ssl on a client session once its server name is set.
    bool prepare_ssl(SSL* ssl) const { return !on_new_ssl_ || on_new_ssl_(ssl); }
    TlsRole role() const { return role_; }
    bool verify_peer() const { return verify_peer_; }

private:
    TlsContext(SSL_CTX* ctx, TlsRole role, bool verify) : ctx_(ctx), role_(role), verify_peer_(verify) {}
    void reload_locked();

    mutable std::mutex mutex_;
    SSL_CTX* ctx_;
    TlsRole role_;
    bool verify_peer_;
    std::function<Files()> source_;  // empty: never reloads
    std::function<void(SSL_CTX*)> hook_;
    std::function<bool(SSL*)> on_new_ssl_;
    unsigned generation_ = 0;        // of the last reload request acted on
};

// Asks every reloading context to re-read its files before its next handshake.
// Async-signal-safe.
void request_tls_reload();
// SIGHUP calls request_tls_reload() (a plain handler: it only bumps a counter).
void install_tls_reload_signal();

// Drains OpenSSL's thread-local error queue into one readable string ("" if empty).
std::string openssl_errors();

}  // namespace mr::net
