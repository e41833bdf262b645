// See tls_engine.hpp.
#include "common/net/tls_engine.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace mr::net {

Result<std::unique_ptr<TlsEngine>> TlsEngine::create(std::shared_ptr<TlsContext> context,
                                                     std::string_view server_name) {
    ERR_clear_error();
    SSL* ssl = context->new_ssl();
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    if (ssl == nullptr || in == nullptr || out == nullptr) {
        SSL_free(ssl);
        BIO_free(in);
        BIO_free(out);
        return Error::internal("SSL_new: " + openssl_errors());
    }
    // An empty input BIO means "wait for the network", not end of stream.
    BIO_set_mem_eof_return(in, -1);
    BIO_set_mem_eof_return(out, -1);
    SSL_set_bio(ssl, in, out);  // ssl owns both BIOs from here
    std::unique_ptr<TlsEngine> engine(new TlsEngine(std::move(context), ssl, in, out));
    if (engine->role() == TlsRole::Server) {
        SSL_set_accept_state(ssl);
    } else {
        SSL_set_connect_state(ssl);
        if (!server_name.empty()) {
            std::string name(server_name);
            // SSL_set_tlsext_host_name() spelled out: the macro hides a C cast.
            SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(name.c_str()));
            if (engine->context_->verify_peer() && SSL_set1_host(ssl, name.c_str()) != 1) {
                return Error::internal("SSL_set1_host: " + openssl_errors());
            }
        }
        if (!engine->context_->prepare_ssl(ssl)) return Error::internal("TLS client setup: " + openssl_errors());
    }
    return engine;
}

TlsEngine::~TlsEngine() { SSL_free(ssl_); }

TlsEngine::Status TlsEngine::fail(int rc, const char* what) {
    int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return Status::NeedMore;
    if (err == SSL_ERROR_ZERO_RETURN) return Status::PeerClosed;
    error_ = std::string(what) + ": " + openssl_errors();
    if (err == SSL_ERROR_SSL && SSL_get_verify_result(ssl_) != X509_V_OK) {
        error_ += std::string(" (verify: ") +
                  X509_verify_cert_error_string(SSL_get_verify_result(ssl_)) + ")";
    }
    return Status::Failed;
}

void TlsEngine::feed(std::string_view ciphertext) {
    while (!ciphertext.empty()) {
        // Memory BIOs grow as needed; int-sized slices keep BIO_write's contract.
        int chunk = static_cast<int>(std::min<std::size_t>(ciphertext.size(), 1 << 20));
        int n = BIO_write(in_, ciphertext.data(), chunk);
        if (n <= 0) return;
        ciphertext.remove_prefix(static_cast<std::size_t>(n));
    }
}

TlsEngine::Status TlsEngine::handshake() {
    if (handshake_done_) return Status::Done;
    ERR_clear_error();
    int rc = SSL_do_handshake(ssl_);
    if (rc == 1) {
        handshake_done_ = true;
        return Status::Done;
    }
    Status s = fail(rc, "TLS handshake");
    return s == Status::PeerClosed ? Status::Failed : s;
}

TlsEngine::Status TlsEngine::read(std::string& plaintext) {
    char buf[16 * 1024];
    for (;;) {
        ERR_clear_error();
        std::size_t n = 0;
        int rc = SSL_read_ex(ssl_, buf, sizeof buf, &n);
        if (rc == 1) {
            plaintext.append(buf, n);
            continue;
        }
        return fail(rc, "TLS read");
    }
}

bool TlsEngine::write(std::string_view plaintext) {
    if (plaintext.empty()) return true;
    ERR_clear_error();
    std::size_t n = 0;
    // Memory BIOs never push back, so without partial-write mode this writes everything.
    int rc = SSL_write_ex(ssl_, plaintext.data(), plaintext.size(), &n);
    if (rc != 1 || n != plaintext.size()) {
        fail(rc, "TLS write");
        return false;
    }
    return true;
}

void TlsEngine::shutdown() {
    ERR_clear_error();
    SSL_shutdown(ssl_);
    ERR_clear_error();
}

std::size_t TlsEngine::take_output(std::string& out) {
    std::size_t total = 0;
    char* data = nullptr;
    long pending = BIO_get_mem_data(out_, &data);
    if (pending > 0) {
        out.append(data, static_cast<std::size_t>(pending));
        total = static_cast<std::size_t>(pending);
        (void)BIO_reset(out_);
    }
    return total;
}

std::string TlsEngine::version() const { return SSL_get_version(ssl_); }

std::string TlsEngine::cipher() const {
    const char* c = SSL_get_cipher_name(ssl_);
    return c ? c : "";
}

long TlsEngine::verify_result() const { return SSL_get_verify_result(ssl_); }

}  // namespace mr::net
