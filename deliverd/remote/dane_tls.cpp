// See dane_tls.hpp.
#include "deliverd/remote/dane_tls.hpp"

#include <openssl/ssl.h>

namespace mr::deliverd {

Result<std::shared_ptr<net::TlsContext>> dane_tls_context(const std::string& mx_host,
                                                          const std::vector<tls_policy::TlsaRecord>& tlsa) {
    net::TlsContext::ClientOptions options;
    options.verify_peer = true;
    options.on_new_ssl = [mx_host, tlsa](SSL* ssl) {
        // The TLSA base domain is the MX host (RFC 7672 §2.2.3): SNI and the reference
        // identifier of DANE-TA(2) name checks (§3.2.2).
        if (SSL_dane_enable(ssl, mx_host.c_str()) <= 0) return false;
        // RFC 7672 §3.2.1 (rfc7672.txt:1315): "The SMTP client MUST NOT perform certificate
        // name checks with certificate usage DANE-EE(3)"; OpenSSL's default would.
        SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
        int added = 0;
        for (const auto& r : tlsa) {
            if (SSL_dane_tlsa_add(ssl, r.usage, r.selector, r.mtype, r.data.data(), r.data.size()) > 0) ++added;
        }
        return added > 0;
    };
    auto ctx = net::TlsContext::client(options);
    if (!ctx) return ctx.error();
    bool enabled = true;
    (*ctx)->configure([&enabled](SSL_CTX* raw) { enabled = SSL_CTX_dane_enable(raw) > 0; });
    if (!enabled) return Error::internal("SSL_CTX_dane_enable failed");
    return ctx;
}

}  // namespace mr::deliverd
