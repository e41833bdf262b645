// The documents mail clients read to set themselves up, rendered from a Site.
//
// - Thunderbird autoconfig, the "clientConfig" format version 1.1 (Mozilla's
//   autoconfiguration file format, also read by Evolution, K-9/Thunderbird for Android,
//   KMail): IMAP (implicit TLS, then STARTTLS), POP3 (same), SMTP submission (same), user
//   name %EMAILADDRESS%, password-cleartext (over TLS).
// - Outlook Autodiscover "POX": request schema outlook/requestschema/2006, response
//   outlook/responseschema/2006a with one Protocol element each for IMAP, SMTP, POP3.
// - Autodiscover v2 JSON (what recent Outlook builds ask first): where the POX endpoint is.
//
// Invariants:
// - Nothing in a document depends on whether the user exists: the answer for an address
//   of a hosted domain is the same for every local part (the address itself is echoed
//   back as the login name, and that is all).
// - Every value taken from the request is XML-escaped (escape_xml) or JSON-encoded.
// - The POX request is parsed by expat, namespace-aware; a DOCTYPE (and so any entity
//   declaration) is refused, so no entity expansion happens.
#pragma once

#include <string>
#include <string_view>

#include "common/util/result.hpp"
#include "webd/proto/site.hpp"

namespace mr::webd::proto {

inline constexpr std::string_view kAutodiscoverRequestNs =
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006";
inline constexpr std::string_view kAutodiscoverResponseNs =
    "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
inline constexpr std::string_view kAutodiscoverOutlookNs =
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

std::string escape_xml(std::string_view text);

// clientConfig v1.1 for `domain` (hosted; lower-case).
std::string autoconfig_xml(const Site& site, const std::string& domain);

// The POX response for `address` (its domain hosted).
std::string autodiscover_xml(const Site& site, const std::string& address);

// {"Protocol":"AutodiscoverV1","Url":"https://autodiscover.<domain>/autodiscover/autodiscover.xml"}
std::string autodiscover_json(const std::string& domain);

// The EMailAddress of a POX request body. Syntax: not well-formed XML, a DOCTYPE, not an
// Autodiscover/Request of the request schema, or no EMailAddress in it.
Result<std::string> parse_autodiscover_request(std::string_view body);

}  // namespace mr::webd::proto
