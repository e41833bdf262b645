// mr::acme::Client — obtains a certificate from an ACME server (RFC 8555) with http-01 or
// tls-alpn-01 (RFC 8737):
// directory, nonce, account, order, authorizations, challenge, finalize, download.
//
// The only I/O here is HTTPS through libcurl (trusting ca_file when set) and the challenge
// files it writes for webd (store.hpp); what is sent and read is built and parsed by
// jws.hpp / messages.hpp / certificate.hpp. Blocking: it runs in `mailroom acme renew`,
// never in a daemon's event loop.
//
// Invariants:
// - Each request uses the newest Replay-Nonce; a badNonce answer is retried once with the
//   fresh nonce it carries (RFC 8555 §6.5).
// - Pending objects are polled with back-off (Retry-After when given, else 1, 2, 4 ... s)
//   for at most `poll_timeout_s` in total; then the attempt fails.
// - Challenge files are removed when the attempt ends, whatever the outcome.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/acme/jws.hpp"
#include "common/util/result.hpp"

namespace mr::acme {

struct ClientOptions {
    std::string directory;
    std::filesystem::path ca_file;  // empty: system store
    std::string email;
    std::filesystem::path challenge_dir;
    std::string challenge = "http-01";  // or "tls-alpn-01" (RFC 8737)
    long poll_timeout_s = 120;
};

struct Issued {
    std::string cert_pem;  // leaf then chain
    std::string key_pem;
};

Result<Issued> obtain_certificate(const ClientOptions& options, const AccountKey& account,
                                  const std::vector<std::string>& names);

}  // namespace mr::acme
