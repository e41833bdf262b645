// Self-signed certificate for `mailroom init`, so a fresh install speaks TLS at once.
//
// Invariants:
// - The key file is created with mode 0600 (never world-readable, not even for an instant:
//   it is written to a 0600 temporary file and renamed into place); the certificate is 0644.
// - The certificate names the host in subjectAltName (DNS, or IP for a numeric host), which
//   is what clients check; CN carries it too for old clients. Valid for 10 years from one
//   hour ago (clock skew between the host and its first clients).
// - The host name is put into the certificate as data, never spliced into an OpenSSL config
//   string, so it cannot add extra names.
#pragma once

#include <filesystem>
#include <string>

#include "common/util/result.hpp"

namespace mr::net {

enum class KeyType { EcP256, Rsa2048 };

Result<void> generate_self_signed(const std::string& hostname, const std::filesystem::path& cert,
                                  const std::filesystem::path& key,
                                  KeyType type = KeyType::EcP256);

}  // namespace mr::net
