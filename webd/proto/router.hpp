// route(): one whole request to its response, for webd's few documents. Pure: the Site
// holds everything it reads.
//
// Invariants:
// - Methods: GET, HEAD and POST are served; any other is 405 with Allow (RFC 9110 §15.5.6),
//   on every path. A document answers only the methods it has (GET/HEAD or POST), 405
//   otherwise. Unknown paths are 404.
// - The domain a document describes comes from the address the client names (query or
//   body), else from the Host name (autoconfig.<domain>, mta-sts.<domain>, <domain>). A
//   domain we do not host gets 404 and nothing about our users; an address of a hosted
//   domain gets the same document whoever it names (client_config.hpp).
// - /.well-known/acme-challenge/<token> answers on every Host, and only with ACME on and a
//   pending token (Site::acme_challenge).
// - /metrics (Prometheus) answers GET only to a client in Site::metrics_allow; others get
//   403, and 404 when webd has no metrics.
// - Autodiscover v2 JSON never answers 403 or 404 for an address of a hosted domain:
//   recent Outlook builds give up on those.
#pragma once

#include "webd/proto/http_message.hpp"
#include "webd/proto/site.hpp"

namespace mr::webd::proto {

// `peer_ip`: the client's address, which /metrics checks against Site::metrics_allow.
Response route(const Request& request, const Site& site, std::string_view peer_ip = {});

}  // namespace mr::webd::proto
