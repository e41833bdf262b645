// What remote delivery tells SMTP TLS Reporting (RFC 8460) of a session: the policy that
// applied to an MX host (as §4.4 writes it) and the §4.3 result type of a failed TLS
// handshake, from OpenSSL's verify result.
#pragma once

#include <string>
#include <vector>

#include "deliverd/tls_policy/dane.hpp"

namespace mr::deliverd {

struct VerifyFailure {
    std::string result_type;  // RFC 8460 §4.3.1
    std::string reason_code;  // OpenSSL's text for it, as §4.3.3 suggests ("" when none)
};

// `x509_error`: SSL_get_verify_result() after the handshake failed (X509_V_OK: the
// certificate was not what failed).
VerifyFailure verify_failure(long x509_error);

// §4.4 policy-string of a DANE policy: each TLSA record in presentation form.
std::vector<std::string> tlsa_strings(const std::vector<tls_policy::TlsaRecord>& records);

// §4.4 policy-string of an MTA-STS policy: its lines, without empty ones.
std::vector<std::string> policy_lines(const std::string& policy_text);

}  // namespace mr::deliverd
