// mr::acme certificate pieces: the CSR we finalize an order with (RFC 8555 §7.4; every name
// as a subjectAltName) and what we read back from an issued certificate. Pure: no I/O.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "common/acme/jws.hpp"
#include "common/util/result.hpp"

namespace mr::acme {

// DER of a CSR signed by `key`, CN = names[0], SAN = every name.
Result<std::string> make_csr(EVP_PKEY* key, const std::vector<std::string>& names);

struct CertInfo {
    std::time_t not_after = 0;
    std::string serial_hex;
    std::vector<std::string> dns_names;  // subjectAltName DNS entries
};
// The first certificate of a PEM chain.
Result<CertInfo> read_certificate(std::string_view pem);

// The names our certificate must cover: the hostname, then autoconfig., autodiscover. and
// mta-sts. of each domain; lower case, without duplicates, in that order.
std::vector<std::string> certificate_names(std::string_view hostname, const std::vector<std::string>& domains);

// The tls-alpn-01 validation certificate (RFC 8737 §3): self-signed by `key`, SAN = `name`,
// and the critical acmeIdentifier extension holding SHA-256 of the key authorization.
// PEM certificate followed by the PEM key, as webd loads it.
Result<std::string> make_alpn_challenge_pem(EVP_PKEY* key, const std::string& name,
                                            std::string_view key_authorization);

// Whether a certificate must be (re)obtained `now`: none, fewer than 30 days left, or a
// wanted name missing from it.
bool renewal_due(const CertInfo& cert, const std::vector<std::string>& wanted, std::time_t now);

}  // namespace mr::acme
