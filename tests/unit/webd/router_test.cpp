#include "webd/proto/router.hpp"

#include <doctest/doctest.h>

#include "tests/unit/webd/test_site.hpp"
#include "webd/proto/client_config.hpp"

using namespace mr::webd::proto;
using mr::webd::test::test_site;

namespace {

Request get(std::string path, std::string host = "example.org",
            std::vector<std::pair<std::string, std::string>> query = {}) {
    Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.host = std::move(host);
    r.query = std::move(query);
    return r;
}

std::string pox(const std::string& email) {
    return "<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover "
           "xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\"><Request>"
           "<EMailAddress>" + email + "</EMailAddress><AcceptableResponseSchema>"
           "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
           "</AcceptableResponseSchema></Request></Autodiscover>";
}

Request post(std::string path, std::string body) {
    Request r;
    r.method = "POST";
    r.path = std::move(path);
    r.host = "autodiscover.example.org";
    r.body = std::move(body);
    return r;
}

bool has_header(const Response& r, const std::string& name, const std::string& value) {
    for (const auto& [n, v] : r.headers) {
        if (n == name && v == value) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("autoconfig: by emailaddress, by autoconfig.<domain>, by the well-known path on the domain") {
    const auto site = test_site();
    auto a = route(get("/mail/config-v1.1.xml", "autoconfig.example.org", {{"emailaddress", "x@example.org"}}), site);
    CHECK(a.status == 200);
    CHECK(a.content_type.starts_with("text/xml"));
    CHECK(a.body == autoconfig_xml(site, "example.org"));
    CHECK(route(get("/mail/config-v1.1.xml", "autoconfig.example.org"), site).body == a.body);
    CHECK(route(get("/.well-known/autoconfig/mail/config-v1.1.xml", "example.org"), site).body == a.body);
    // Same answer for any user of the domain, existing or not.
    CHECK(route(get("/mail/config-v1.1.xml", "x", {{"emailaddress", "nobody@example.org"}}), site).body == a.body);
}

TEST_CASE("autoconfig: a domain we do not host gets 404, a malformed address 400") {
    const auto site = test_site();
    CHECK(route(get("/mail/config-v1.1.xml", "autoconfig.example.org", {{"emailaddress", "x@other.org"}}), site).status ==
          404);
    CHECK(route(get("/mail/config-v1.1.xml", "autoconfig.other.org"), site).status == 404);
    CHECK(route(get("/mail/config-v1.1.xml", "autoconfig.example.org", {{"emailaddress", "no-at-sign"}}), site).status ==
          400);
}

TEST_CASE("Autodiscover POX: POST only; the address is echoed as login; unknown domain 404; bad XML 400") {
    const auto site = test_site();
    auto r = route(post("/autodiscover/autodiscover.xml", pox("chris@example.org")), site);
    CHECK(r.status == 200);
    CHECK(r.body == autodiscover_xml(site, "chris@example.org"));
    // Outlook's other spelling of the path.
    CHECK(route(post("/Autodiscover/Autodiscover.xml", pox("chris@example.org")), site).status == 200);
    CHECK(route(post("/autodiscover/autodiscover.xml", pox("chris@other.org")), site).status == 404);
    CHECK(route(post("/autodiscover/autodiscover.xml", "<x/>"), site).status == 400);
    auto g = route(get("/autodiscover/autodiscover.xml"), site);
    CHECK(g.status == 405);
    CHECK(has_header(g, "Allow", "POST"));
}

TEST_CASE("Autodiscover JSON: query and path forms answer 200 for our domains, never 403/404") {
    const auto site = test_site();
    auto q = route(get("/autodiscover/autodiscover.json", "autodiscover.example.org",
                       {{"Email", "chris@example.org"}, {"Protocol", "AutodiscoverV1"}}),
                   site);
    CHECK(q.status == 200);
    CHECK(q.content_type.starts_with("application/json"));
    CHECK(q.body == autodiscover_json("example.org"));
    auto p = route(get("/autodiscover/autodiscover.json/v1.0/nobody@example.org", "autodiscover.example.org",
                       {{"Protocol", "AutodiscoverV1"}}),
                   site);
    CHECK(p.status == 200);
    CHECK(p.body == q.body);
    CHECK(route(get("/autodiscover/autodiscover.json", "x", {{"Email", "c@other.org"}, {"Protocol", "AutodiscoverV1"}}),
                site)
              .status == 404);
    CHECK(route(get("/autodiscover/autodiscover.json", "x", {{"Email", "c@example.org"}, {"Protocol", "Ews"}}), site)
              .status == 400);
}

TEST_CASE("MTA-STS: served on mta-sts.<domain> only, with the configured mode") {
    auto site = test_site();
    auto r = route(get("/.well-known/mta-sts.txt", "mta-sts.example.org"), site);
    CHECK(r.status == 200);
    CHECK(r.content_type.starts_with("text/plain"));
    CHECK(r.body == "version: STSv1\r\nmode: testing\r\nmx: mx.example.org\r\nmax_age: 604800\r\n");
    CHECK(route(get("/.well-known/mta-sts.txt", "example.org"), site).status == 404);
    CHECK(route(get("/.well-known/mta-sts.txt", "mta-sts.other.org"), site).status == 404);
    site.mta_sts_mode = MtaStsMode::None;
    CHECK(route(get("/.well-known/mta-sts.txt", "mta-sts.example.org"), site).body.find("mode: none\r\n") !=
          std::string::npos);
}

TEST_CASE("methods other than GET, HEAD, POST: 405 with Allow; unknown paths 404") {
    const auto site = test_site();
    for (const char* m : {"PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT"}) {
        auto rq = get("/mail/config-v1.1.xml", "autoconfig.example.org");
        rq.method = m;
        auto r = route(rq, site);
        CHECK(r.status == 405);
        CHECK(has_header(r, "Allow", "GET, HEAD, POST"));
    }
    CHECK(route(get("/"), site).status == 404);
    CHECK(route(get("/index.html"), site).status == 404);
    CHECK(route(post("/mail/config-v1.1.xml", ""), site).status == 405);
}

TEST_CASE("ACME http-01: the key authorization of a pending token on any Host; else 404") {
    Site site = test_site();
    CHECK(route(get("/.well-known/acme-challenge/tok123"), site).status == 404);  // ACME off
    site.acme_challenge = [](const std::string& token) -> std::optional<std::string> {
        if (token == "tok123") return "tok123.thumb";
        return std::nullopt;
    };
    auto r = route(get("/.well-known/acme-challenge/tok123", "autoconfig.example.org"), site);
    CHECK(r.status == 200);
    CHECK(r.body == "tok123.thumb");
    CHECK(r.content_type == "application/octet-stream");
    CHECK(route(get("/.well-known/acme-challenge/tok123", "unknown.test"), site).status == 200);
    CHECK(route(get("/.well-known/acme-challenge/other"), site).status == 404);
    CHECK(route(get("/.well-known/acme-challenge/"), site).status == 404);
    CHECK(route(get("/.well-known/acme-challenge/..%2F..%2Fetc"), site).status == 404);
    CHECK(route(get("/.well-known/acme-challenge/a/b"), site).status == 404);
    CHECK(route(post("/.well-known/acme-challenge/tok123", ""), site).status == 405);
}

TEST_CASE("router: /metrics answers only the networks of metrics_allow, GET only") {
    Site site = test_site();
    CHECK(route(get("/metrics"), site, "127.0.0.1").status == 404);  // webd without metrics
    site.metrics = [] { return std::string("mailroom_queue_messages 0\n"); };
    site.metrics_allow = {*mr::text::parse_ip_network("127.0.0.1/32"), *mr::text::parse_ip_network("10.0.0.0/8")};
    auto ok = route(get("/metrics"), site, "10.1.2.3");
    CHECK(ok.status == 200);
    CHECK(ok.content_type == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(ok.body == "mailroom_queue_messages 0\n");
    CHECK(route(get("/metrics"), site, "192.0.2.1").status == 403);
    CHECK(route(get("/metrics"), site, "::1").status == 403);  // an IPv6 peer never matches an IPv4 net
    CHECK(route(get("/metrics"), site, "").status == 403);
    CHECK(route(post("/metrics", ""), site, "127.0.0.1").status == 405);
}
