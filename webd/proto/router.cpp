#include "webd/proto/router.hpp"

#include <algorithm>
#include <optional>

#include "common/acme/store.hpp"
#include "common/text/address.hpp"
#include "common/text/ascii.hpp"
#include "common/text/domain.hpp"
#include "webd/proto/client_config.hpp"
#include "webd/proto/metrics_text.hpp"
#include "webd/proto/mta_sts_policy.hpp"

namespace mr::webd::proto {

namespace {

struct ParsedAddress {
    std::string address;  // local@domain, domain lower-cased
    std::string domain;
};

std::optional<ParsedAddress> parse_email(const std::string& text) {
    if (text.empty() || text.size() > text::kMaxPath) return std::nullopt;
    auto a = text::parse_addr_spec(text);
    if (!a || a->has_address_literal()) return std::nullopt;
    return ParsedAddress{a->to_string(), a->domain};
}

// The hosted domain a Host name stands for: "<prefix><domain>" or, when `bare` allows it,
// "<domain>" itself.
std::optional<std::string> domain_of_host(const Site& site, const std::string& host, std::string_view prefix,
                                          bool bare) {
    if (host.starts_with(prefix) && site.hosts(host.substr(prefix.size()))) return host.substr(prefix.size());
    if (bare && site.hosts(host)) return host;
    return std::nullopt;
}

Response document(std::string content_type, std::string body) {
    Response r;
    r.content_type = std::move(content_type);
    r.body = std::move(body);
    return r;
}

Response method_not_allowed(const char* allow) {
    Response r = error_response(405);
    r.headers.emplace_back("Allow", allow);
    return r;
}

bool is_get(const Request& rq) { return rq.method == "GET" || rq.method == "HEAD"; }

// GET /mail/config-v1.1.xml?emailaddress=... on autoconfig.<domain>, and
// GET /.well-known/autoconfig/mail/config-v1.1.xml on <domain>.
Response autoconfig(const Request& rq, const Site& site) {
    if (!is_get(rq)) return method_not_allowed("GET, HEAD");
    std::optional<std::string> domain;
    const std::string email = rq.query_value("emailaddress");
    if (!email.empty()) {
        auto a = parse_email(email);
        if (!a) return error_response(400);
        if (site.hosts(a->domain)) domain = a->domain;
    } else {
        domain = domain_of_host(site, rq.host, "autoconfig.", true);
    }
    if (!domain) return error_response(404);
    return document("text/xml; charset=utf-8", autoconfig_xml(site, *domain));
}

// POST /autodiscover/autodiscover.xml: the POX request names the address.
Response autodiscover_pox(const Request& rq, const Site& site) {
    if (rq.method != "POST") return method_not_allowed("POST");
    auto email = parse_autodiscover_request(rq.body);
    if (!email) return error_response(400);
    auto a = parse_email(*email);
    if (!a) return error_response(400);
    if (!site.hosts(a->domain)) return error_response(404);
    return document("text/xml; charset=utf-8", autodiscover_xml(site, a->address));
}

Response json_error(int status, const char* code, const char* message) {
    Response r = error_response(status);
    r.content_type = "application/json; charset=utf-8";
    r.body = std::string("{\"ErrorCode\":\"") + code + "\",\"ErrorMessage\":\"" + message + "\"}";
    return r;
}

// GET /autodiscover/autodiscover.json?Email=...&Protocol=AutodiscoverV1, and the path
// form /autodiscover/autodiscover.json/v1.0/<email>?Protocol=AutodiscoverV1.
Response autodiscover_json_endpoint(const Request& rq, const Site& site, const std::string& path_email) {
    if (!is_get(rq)) return method_not_allowed("GET, HEAD");
    const std::string email = path_email.empty() ? rq.query_value("email") : path_email;
    auto a = parse_email(email);
    if (!a) return json_error(400, "InvalidUser", "A valid e-mail address is required");
    if (!site.hosts(a->domain)) return json_error(404, "InvalidUser", "No such domain");
    if (text::to_lower(rq.query_value("protocol")) != "autodiscoverv1") {
        return json_error(400, "InvalidProtocol", "Only AutodiscoverV1 is served");
    }
    return document("application/json; charset=utf-8", autodiscover_json(a->domain));
}

// GET /.well-known/mta-sts.txt on mta-sts.<domain> (RFC 8461 §3.3, rfc8461.txt:358).
Response mta_sts(const Request& rq, const Site& site) {
    if (!is_get(rq)) return method_not_allowed("GET, HEAD");
    if (!domain_of_host(site, rq.host, "mta-sts.", false)) return error_response(404);
    return document("text/plain; charset=utf-8", mta_sts_policy(site.mta_sts_mode, site.hostname));
}

// GET /.well-known/acme-challenge/<token> (RFC 8555 §8.3): on any Host, since the CA asks
// with each name of the order; the answer is the bare key authorization.
Response acme_challenge(const Request& rq, const Site& site, const std::string& token) {
    if (!is_get(rq)) return method_not_allowed("GET, HEAD");
    if (!site.acme_challenge || !acme::valid_token(token)) return error_response(404);
    auto key_authorization = site.acme_challenge(token);
    if (!key_authorization) return error_response(404);
    return document("application/octet-stream", *key_authorization);
}

// GET /metrics: the Prometheus text format, to the networks of [http] metrics_allow only.
Response metrics(const Request& rq, const Site& site, std::string_view peer_ip) {
    if (!site.metrics) return error_response(404);
    if (!is_get(rq)) return method_not_allowed("GET, HEAD");
    const bool allowed = std::any_of(site.metrics_allow.begin(), site.metrics_allow.end(),
                                     [&](const text::IpNetwork& n) { return text::network_contains(n, peer_ip); });
    if (!allowed) return error_response(403);
    return document(kMetricsContentType, site.metrics());
}

}  // namespace

Response route(const Request& rq, const Site& site, std::string_view peer_ip) {
    if (rq.method != "GET" && rq.method != "HEAD" && rq.method != "POST") return method_not_allowed("GET, HEAD, POST");
    // Outlook spells the Autodiscover paths in either case.
    const std::string lower = text::to_lower(rq.path);
    if (rq.path == "/mail/config-v1.1.xml" || rq.path == "/.well-known/autoconfig/mail/config-v1.1.xml") {
        return autoconfig(rq, site);
    }
    if (lower == "/autodiscover/autodiscover.xml") return autodiscover_pox(rq, site);
    if (lower == "/autodiscover/autodiscover.json") return autodiscover_json_endpoint(rq, site, "");
    constexpr std::string_view kJsonPathForm = "/autodiscover/autodiscover.json/v1.0/";
    if (lower.starts_with(kJsonPathForm)) {
        const std::string email = rq.path.substr(kJsonPathForm.size());
        if (email.empty()) return json_error(400, "InvalidUser", "A valid e-mail address is required");
        return autodiscover_json_endpoint(rq, site, email);
    }
    if (rq.path == "/.well-known/mta-sts.txt") return mta_sts(rq, site);
    if (rq.path == "/metrics") return metrics(rq, site, peer_ip);
    constexpr std::string_view kAcmeChallenge = "/.well-known/acme-challenge/";
    if (rq.path.starts_with(kAcmeChallenge)) return acme_challenge(rq, site, rq.path.substr(kAcmeChallenge.size()));
    return error_response(404);
}

}  // namespace mr::webd::proto
