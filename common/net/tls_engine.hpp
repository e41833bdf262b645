// mr::net::TlsEngine — one TLS session driven entirely through memory BIOs.
//
// The engine never touches a socket: the owner feeds it ciphertext that arrived from the
// network, asks it for plaintext, hands it plaintext to send, and takes the ciphertext it
// produced. The same engine serves server connections (implicit TLS and STARTTLS) and client
// connections (tests now, deliverd's outbound STARTTLS later); the role comes from the context.
//
// Invariants:
// - All output the engine produces (handshake records, application data, alerts,
//   close_notify) waits in the write BIO until take_output(); callers drain it after every
//   call that can produce output (handshake, read, write, shutdown).
// - The read BIO reports "retry" when empty, never EOF: running out of ciphertext is
//   NeedMore, not a failure. Peer EOF is reported by the owner, not seen here.
// - After Failed / PeerClosed the engine is only good for take_output() (a final alert).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/net/tls_context.hpp"
#include "common/util/result.hpp"

using SSL = struct ssl_st;
using BIO = struct bio_st;

namespace mr::net {

class TlsEngine {
public:
    // server_name: for a client engine, the SNI sent and (if the context verifies) the name the
    // certificate must match. Ignored for servers.
    static Result<std::unique_ptr<TlsEngine>> create(std::shared_ptr<TlsContext> context,
                                                     std::string_view server_name = {});
    ~TlsEngine();
    TlsEngine(const TlsEngine&) = delete;
    TlsEngine& operator=(const TlsEngine&) = delete;

    enum class Status { Done, NeedMore, PeerClosed, Failed };

    void feed(std::string_view ciphertext);
    // Advances the handshake. Done once finished (and on every later call).
    Status handshake();
    // Appends all plaintext that can be decrypted now. NeedMore when the fed ciphertext is used up.
    Status read(std::string& plaintext);
    // Encrypts all of `plaintext`; only valid after the handshake. False on failure.
    bool write(std::string_view plaintext);
    // Queues close_notify.
    void shutdown();
    // Appends pending ciphertext; returns how many bytes were appended.
    std::size_t take_output(std::string& out);

    bool handshake_done() const { return handshake_done_; }
    TlsRole role() const { return context_->role(); }
    std::string version() const;  // "TLSv1.3"
    std::string cipher() const;
    const std::string& error() const { return error_; }
    // OpenSSL's X509_V_* code of the peer certificate check (X509_V_OK when none failed):
    // why a handshake our verification refused failed, for TLS reports (RFC 8460 §4.3.1).
    long verify_result() const;

private:
    TlsEngine(std::shared_ptr<TlsContext> context, SSL* ssl, BIO* in, BIO* out)
        : context_(std::move(context)), ssl_(ssl), in_(in), out_(out) {}
    Status fail(int rc, const char* what);

    std::shared_ptr<TlsContext> context_;
    SSL* ssl_;
    BIO* in_;   // network -> SSL (owned by ssl_)
    BIO* out_;  // SSL -> network (owned by ssl_)
    bool handshake_done_ = false;
    std::string error_;
};

}  // namespace mr::net
