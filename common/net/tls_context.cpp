// See tls_context.hpp.
#include "common/net/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <atomic>
#include <csignal>

#include "common/log/log.hpp"

namespace mr::net {
namespace {

// Mozilla "intermediate" TLS 1.2 list: forward secrecy and AEAD only.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

Result<void> apply_common(SSL_CTX* ctx) {
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
        return Error::internal("TLS context setup: " + openssl_errors());
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    // Idle TLS connections give their read/write buffers back (tens of KiB each).
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    return {};
}

std::atomic<unsigned> g_reload_requests{0};
static_assert(std::atomic<unsigned>::is_always_lock_free);

Result<SSL_CTX*> make_server_ctx(const std::filesystem::path& cert_pem, const std::filesystem::path& key_pem);

}  // namespace

void request_tls_reload() { g_reload_requests.fetch_add(1, std::memory_order_relaxed); }

void install_tls_reload_signal() {
    struct sigaction sa {};
    sa.sa_handler = [](int) { request_tls_reload(); };
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGHUP, &sa, nullptr);
}

void TlsContext::configure(std::function<void(SSL_CTX*)> hook) {
    std::lock_guard lock(mutex_);
    hook_ = std::move(hook);
    hook_(ctx_);
}

SSL_CTX* TlsContext::raw() const {
    std::lock_guard lock(mutex_);
    return ctx_;
}

SSL* TlsContext::new_ssl() {
    std::lock_guard lock(mutex_);
    if (source_ && g_reload_requests.load(std::memory_order_relaxed) != generation_) reload_locked();
    return SSL_new(ctx_);
}

void TlsContext::reload_locked() {
    generation_ = g_reload_requests.load(std::memory_order_relaxed);
    const Files f = source_();
    ERR_clear_error();
    auto fresh = make_server_ctx(f.cert, f.key);
    if (!fresh) {
        log::error("tls_reload_failed", {{"cert", f.cert.string()}, {"error", fresh.error().message}});
        return;
    }
    if (hook_) hook_(*fresh);
    // Sessions made from the old context hold their own reference to it.
    SSL_CTX_free(ctx_);
    ctx_ = *fresh;
    log::info("tls_reloaded", {{"cert", f.cert.string()}});
}

Result<std::shared_ptr<TlsContext>> TlsContext::reloading(std::function<Files()> source) {
    const Files f = source();
    auto ctx = server(f.cert, f.key);
    if (!ctx) return ctx.error();
    (*ctx)->source_ = std::move(source);
    (*ctx)->generation_ = g_reload_requests.load(std::memory_order_relaxed);
    return ctx;
}

std::string openssl_errors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out;
}

Result<std::shared_ptr<TlsContext>> TlsContext::server(const std::filesystem::path& cert_pem,
                                                       const std::filesystem::path& key_pem) {
    ERR_clear_error();
    auto ctx = make_server_ctx(cert_pem, key_pem);
    if (!ctx) return ctx.error();
    return std::shared_ptr<TlsContext>(new TlsContext(*ctx, TlsRole::Server, false));
}

namespace {

Result<SSL_CTX*> make_server_ctx(const std::filesystem::path& cert_pem, const std::filesystem::path& key_pem) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr) return Error::internal("SSL_CTX_new: " + openssl_errors());
    std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> guard(ctx, SSL_CTX_free);
    if (auto r = apply_common(ctx); !r) return r.error();
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_pem.c_str()) != 1) {
        return Error::internal("cannot load certificate " + cert_pem.string() + ": " +
                               openssl_errors());
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_pem.c_str(), SSL_FILETYPE_PEM) != 1) {
        return Error::internal("cannot load private key " + key_pem.string() + ": " +
                               openssl_errors());
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        return Error::internal("private key does not match certificate: " + openssl_errors());
    }
    SSL_CTX_set_dh_auto(ctx, 1);
    static const unsigned char sid_ctx[] = "mailroom";
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1);
    return guard.release();
}

}  // namespace

Result<std::shared_ptr<TlsContext>> TlsContext::client(const ClientOptions& options) {
    ERR_clear_error();
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) return Error::internal("SSL_CTX_new: " + openssl_errors());
    std::shared_ptr<TlsContext> out(new TlsContext(ctx, TlsRole::Client, options.verify_peer));
    if (auto r = apply_common(ctx); !r) return r.error();
    out->on_new_ssl_ = options.on_new_ssl;
    if (options.verify_peer) {
        int ok = options.ca_file.empty()
                     ? SSL_CTX_set_default_verify_paths(ctx)
                     : SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr);
        if (ok == 1 && options.ca_file.empty() && !options.extra_ca_file.empty()) {
            ok = SSL_CTX_load_verify_locations(ctx, options.extra_ca_file.c_str(), nullptr);
        }
        if (ok != 1) return Error::internal("cannot load trust anchors: " + openssl_errors());
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    }
    return out;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

}  // namespace mr::net
