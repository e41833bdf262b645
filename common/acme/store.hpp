// Where ACME state lives: <data_dir>/acme/ holds account.key, cert.pem (leaf + chain) and
// key.pem, all 0600 and owned by the daemons' account, and challenges/<token> (the http-01
// key authorizations webd serves while an order is pending; <name>.alpn.pem for tls-alpn-01).
//
// Invariants:
// - cert.pem and key.pem are each replaced by rename, key first, so a daemon that reloads
//   between the two renames finds a key that does not match and keeps its old context
//   (common/net/tls_context.hpp) until the next reload.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/config/config.hpp"
#include "common/util/result.hpp"

namespace mr::acme {

struct Files {
    std::filesystem::path dir;
    std::filesystem::path account_key;
    std::filesystem::path cert;
    std::filesystem::path key;
    std::filesystem::path challenges;
};
Files files(const std::filesystem::path& data_dir);

// The certificate and key the daemons serve: the ACME ones when [acme] is enabled and they
// exist, else [tls] cert/key.
struct TlsFiles {
    std::filesystem::path cert;
    std::filesystem::path key;
};
TlsFiles served_tls_files(const config::Config& cfg);

// Writes `content` to `path` through a temporary file and rename, mode 0600.
Result<void> write_private(const std::filesystem::path& path, std::string_view content);
Result<std::string> read_file(const std::filesystem::path& path);

// challenges/<name>.alpn.pem: the tls-alpn-01 certificate and key for `name` (RFC 8737).
std::filesystem::path alpn_challenge_file(const Files& f, std::string_view name);
// True for a DNS name that may name a file: letters, digits, '-', '.', no "..", not empty.
bool valid_name(std::string_view name);

// True for a token that may name a file: base64url characters only (RFC 8555 §8.3).
bool valid_token(std::string_view token);

}  // namespace mr::acme
