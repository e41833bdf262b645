#include "webd/proto/client_config.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "tests/unit/webd/test_site.hpp"
#include "tests/unit/webd/xml_paths.hpp"
#include "webd/proto/mta_sts_policy.hpp"

using namespace mr::webd::proto;
using mr::webd::test::test_site;
using mr::webd::test::xml_paths;

namespace {

std::vector<std::string> values(const mr::webd::test::XmlPaths& x, const std::string& path) {
    std::vector<std::string> out;
    auto [b, e] = x.values.equal_range(path);
    for (auto it = b; it != e; ++it) out.push_back(it->second);
    return out;
}

}  // namespace

// The structure of Mozilla's published clientConfig v1.1 example (the autoconfiguration
// wiki's config-v1.1.xml): clientConfig/emailProvider/{domain, incomingServer, outgoingServer}.
TEST_CASE("clientConfig v1.1: IMAP 993 SSL and 143 STARTTLS, POP3 995/110, SMTP 465/587") {
    auto x = xml_paths(autoconfig_xml(test_site(), "example.org"));
    REQUIRE(x.well_formed);
    const std::string p = "clientConfig/emailProvider";
    CHECK(std::count(x.attributes.begin(), x.attributes.end(), "clientConfig@version=1.1") == 1);
    CHECK(std::count(x.attributes.begin(), x.attributes.end(), p + "@id=example.org") == 1);
    CHECK(values(x, p + "/domain") == std::vector<std::string>{"example.org"});
    CHECK(values(x, p + "/incomingServer/port") == std::vector<std::string>{"993", "143", "995", "110"});
    CHECK(values(x, p + "/incomingServer/socketType") == std::vector<std::string>{"SSL", "STARTTLS", "SSL", "STARTTLS"});
    CHECK(values(x, p + "/outgoingServer/port") == std::vector<std::string>{"465", "587"});
    CHECK(values(x, p + "/outgoingServer/socketType") == std::vector<std::string>{"SSL", "STARTTLS"});
    for (const auto& host : values(x, p + "/incomingServer/hostname")) CHECK(host == "mx.example.org");
    for (const auto& user : values(x, p + "/incomingServer/username")) CHECK(user == "%EMAILADDRESS%");
    for (const auto& auth : values(x, p + "/outgoingServer/authentication")) CHECK(auth == "password-cleartext");
    const auto types = x.attributes;
    CHECK(std::count(types.begin(), types.end(), p + "/incomingServer@type=imap") == 2);
    CHECK(std::count(types.begin(), types.end(), p + "/incomingServer@type=pop3") == 2);
    CHECK(std::count(types.begin(), types.end(), p + "/outgoingServer@type=smtp") == 2);
}

TEST_CASE("clientConfig leaves out a service without a listener") {
    auto site = test_site();
    site.pop3 = 0;
    site.pop3s = 0;
    auto x = xml_paths(autoconfig_xml(site, "example.org"));
    CHECK(values(x, "clientConfig/emailProvider/incomingServer/port") == std::vector<std::string>{"993", "143"});
}

// Microsoft's published POX response example (Autodiscover for Outlook, "Autodiscover
// response" with Account/Protocol): Autodiscover{responseschema/2006}/Response{.../2006a}.
TEST_CASE("Autodiscover POX response: IMAP, SMTP, POP3 with SSL on, SPA off, the login name") {
    auto x = xml_paths(autodiscover_xml(test_site(), "a&b@example.org"));
    REQUIRE(x.well_formed);
    const std::string acc = "{" + std::string(kAutodiscoverResponseNs) + "}Autodiscover/{" +
                            std::string(kAutodiscoverOutlookNs) + "}Response/{" + std::string(kAutodiscoverOutlookNs) +
                            "}Account";
    const std::string o = "{" + std::string(kAutodiscoverOutlookNs) + "}";
    CHECK(values(x, acc + "/" + o + "AccountType") == std::vector<std::string>{"email"});
    CHECK(values(x, acc + "/" + o + "Action") == std::vector<std::string>{"settings"});
    const std::string proto = acc + "/" + o + "Protocol/" + o;
    CHECK(values(x, proto + "Type") == std::vector<std::string>{"IMAP", "SMTP", "POP3"});
    CHECK(values(x, proto + "Port") == std::vector<std::string>{"993", "465", "995"});
    CHECK(values(x, proto + "Server") == std::vector<std::string>(3, "mx.example.org"));
    CHECK(values(x, proto + "LoginName") == std::vector<std::string>(3, "a&b@example.org"));
    CHECK(values(x, proto + "SSL") == std::vector<std::string>(3, "on"));
    CHECK(values(x, proto + "SPA") == std::vector<std::string>(3, "off"));
    CHECK(values(x, proto + "AuthRequired") == std::vector<std::string>(3, "on"));
}

// The request as Outlook sends it (Microsoft's POX request example).
TEST_CASE("Autodiscover POX request: the EMailAddress of the request schema") {
    const std::string req =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\">\r\n"
        "  <Request>\r\n    <EMailAddress> chris@example.org </EMailAddress>\r\n"
        "    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
        "</AcceptableResponseSchema>\r\n  </Request>\r\n</Autodiscover>\r\n";
    auto email = parse_autodiscover_request(req);
    REQUIRE(email);
    CHECK(*email == "chris@example.org");
}

TEST_CASE("Autodiscover POX request: refused without the namespace, malformed, with a DOCTYPE") {
    CHECK_FALSE(parse_autodiscover_request("<Autodiscover><Request><EMailAddress>a@example.org</EMailAddress>"
                                           "</Request></Autodiscover>"));
    CHECK_FALSE(parse_autodiscover_request("<Autodiscover"));
    CHECK_FALSE(parse_autodiscover_request(""));
    const std::string laughs =
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
        "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\">"
        "<Request><EMailAddress>&b;@example.org</EMailAddress></Request></Autodiscover>";
    CHECK_FALSE(parse_autodiscover_request(laughs));
}

TEST_CASE("Autodiscover v2 JSON names the POX endpoint on autodiscover.<domain>") {
    const std::string json = autodiscover_json("example.org");
    CHECK(json.find("\"Protocol\" : \"AutodiscoverV1\"") != std::string::npos);
    CHECK(json.find("\"Url\" : \"https://autodiscover.example.org/autodiscover/autodiscover.xml\"") !=
          std::string::npos);
}

TEST_CASE("MTA-STS policy: RFC 8461 §3.2 fields, CRLF; id changes with the policy only") {
    const auto testing = mta_sts_policy(MtaStsMode::Testing, "mx.example.org");
    CHECK(testing == "version: STSv1\r\nmode: testing\r\nmx: mx.example.org\r\nmax_age: 604800\r\n");
    CHECK(mta_sts_policy(MtaStsMode::None, "mx.example.org").find("mode: none\r\n") != std::string::npos);
    const auto enforce = mta_sts_policy(MtaStsMode::Enforce, "mx.example.org");
    CHECK(enforce.find("mode: enforce\r\n") != std::string::npos);
    const auto id = mta_sts_id(testing);
    CHECK(id.size() == 32);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(id == mta_sts_id(testing));
    CHECK(id != mta_sts_id(enforce));
    CHECK(id != mta_sts_id(mta_sts_policy(MtaStsMode::Testing, "mx2.example.org")));
}
