// tls-alpn-01 (RFC 8737) on webd's HTTPS listener: a ClientHello offering only the
// "acme-tls/1" protocol gets the validation certificate `mailroom acme renew` wrote for its
// SNI name (<data_dir>/acme/challenges/<name>.alpn.pem) and that protocol; any other
// ClientHello is untouched (webd negotiates no ALPN otherwise).
#pragma once

#include <filesystem>

#include "common/net/tls_context.hpp"

namespace mr::webd::server {

void answer_tls_alpn(net::TlsContext& tls, const std::filesystem::path& challenge_dir);

}  // namespace mr::webd::server
