// The TLS client context for one MX host under DANE (RFC 7672): OpenSSL's own DANE
// verification (SSL_dane_enable, SSL_dane_tlsa_add) with the host's usable TLSA records.
//
// Invariants:
// - DANE-EE(3) matches the server's certificate or public key alone: names and validity
//   dates are not checked (RFC 7672 §3.1.1, §3.2.1); DANE-TA(2) needs a chain to the
//   matched trust anchor and a name that is the MX host (§3.2.2).
// - A handshake whose certificate matches no record fails, so the caller never sends mail
//   over it (and, TLS being required, never falls back to plaintext).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/net/tls_context.hpp"
#include "common/util/result.hpp"
#include "deliverd/tls_policy/dane.hpp"

namespace mr::deliverd {

Result<std::shared_ptr<net::TlsContext>> dane_tls_context(const std::string& mx_host,
                                                          const std::vector<tls_policy::TlsaRecord>& tlsa);

}  // namespace mr::deliverd
