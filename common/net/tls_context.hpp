// mr::net::TlsContext — an OpenSSL 3 SSL_CTX configured once at start-up, shared by every
// TLS connection of a listener (or every outbound connection of a client).
//
// Invariants:
// - TLS 1.2 is the minimum; renegotiation and compression are off; TLS 1.2 suites are ECDHE
//   (or DHE) with AEAD only (Mozilla "intermediate"); TLS 1.3 uses OpenSSL's defaults.
// - A server context always holds a certificate and a matching private key (checked here, so
//   a bad key fails `mailroom up`, not the first client).
// - Contexts are immutable after creation and shared through shared_ptr, so a connection
//   keeps its context alive for as long as its SSL object exists.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/util/result.hpp"

using SSL_CTX = struct ssl_ctx_st;

namespace mr::net {

enum class TlsRole { Server, Client };

class TlsContext {
public:
    static Result<std::shared_ptr<TlsContext>> server(const std::filesystem::path& cert_pem,
                                                      const std::filesystem::path& key_pem);

    struct ClientOptions {
        // Off for opportunistic outbound STARTTLS between MTAs (RFC 7435) and for tests.
        bool verify_peer = true;
        // Trust anchors; empty means the system store.
        std::filesystem::path ca_file;
    };
    static Result<std::shared_ptr<TlsContext>> client(const ClientOptions& options);

    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    SSL_CTX* raw() const { return ctx_; }
    TlsRole role() const { return role_; }
    bool verify_peer() const { return verify_peer_; }

private:
    TlsContext(SSL_CTX* ctx, TlsRole role, bool verify) : ctx_(ctx), role_(role), verify_peer_(verify) {}

    SSL_CTX* ctx_;
    TlsRole role_;
    bool verify_peer_;
};

// Drains OpenSSL's thread-local error queue into one readable string ("" if empty).
std::string openssl_errors();

}  // namespace mr::net
