// See tls_session_report.hpp. Citations are to RFC 8460 unless named.
#include "deliverd/remote/tls_session_report.hpp"

#include <openssl/x509_vfy.h>
#include <sodium.h>

namespace mr::deliverd {

VerifyFailure verify_failure(long x509_error) {
    switch (x509_error) {
    case X509_V_OK:
        // §4.3.3: a failure outside the categories of §4.3.1.
        return {"validation-failure", "TLS handshake failed"};
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_DANE_NO_MATCH:
        // §4.3.1 (rfc8460.txt:541): the certificate "did not adhere to the constraints
        // specified in the MTA-STS or DANE policy".
        return {"certificate-host-mismatch", X509_verify_cert_error_string(x509_error)};
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return {"certificate-expired", X509_verify_cert_error_string(x509_error)};
    default:
        // §4.3.1: "untrusted/unknown certification authorities (CAs), certificate name
        // constraints, certificate chain errors, etc."
        return {"certificate-not-trusted", X509_verify_cert_error_string(x509_error)};
    }
}

std::vector<std::string> tlsa_strings(const std::vector<tls_policy::TlsaRecord>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) {
        std::string hex(r.data.size() * 2 + 1, '\0');
        sodium_bin2hex(hex.data(), hex.size(), r.data.data(), r.data.size());
        hex.pop_back();
        out.push_back(std::to_string(r.usage) + " " + std::to_string(r.selector) + " " + std::to_string(r.mtype) + " " +
                      hex);
    }
    return out;
}

std::vector<std::string> policy_lines(const std::string& policy_text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < policy_text.size()) {
        auto end = policy_text.find('\n', start);
        if (end == std::string::npos) end = policy_text.size();
        std::string line = policy_text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) out.push_back(std::move(line));
        start = end + 1;
    }
    return out;
}

}  // namespace mr::deliverd
