// See messages.hpp.
#include "common/acme/messages.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/acme/jws.hpp"

namespace mr::acme {

namespace {

using nlohmann::json;

Result<json> parse_object(std::string_view text) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Error::syntax("ACME response is not a JSON object");
    return j;
}

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<Directory> parse_directory(std::string_view text) {
    auto j = parse_object(text);
    if (!j) return j.error();
    Directory d{str(*j, "newNonce"), str(*j, "newAccount"), str(*j, "newOrder")};
    if (d.new_nonce.empty() || d.new_account.empty() || d.new_order.empty()) {
        return Error::syntax("ACME directory lacks newNonce, newAccount or newOrder");
    }
    return d;
}

Result<Order> parse_order(std::string_view text) {
    auto j = parse_object(text);
    if (!j) return j.error();
    Order o{str(*j, "status"), {}, str(*j, "finalize"), str(*j, "certificate")};
    if (auto it = j->find("authorizations"); it != j->end() && it->is_array()) {
        for (const auto& a : *it) {
            if (a.is_string()) o.authorizations.push_back(a.get<std::string>());
        }
    }
    if (o.status.empty() || o.finalize.empty()) return Error::syntax("ACME order lacks status or finalize");
    return o;
}

Result<Authorization> parse_authorization(std::string_view text) {
    auto j = parse_object(text);
    if (!j) return j.error();
    Authorization a;
    a.status = str(*j, "status");
    if (auto id = j->find("identifier"); id != j->end() && id->is_object()) a.identifier = str(*id, "value");
    if (auto cs = j->find("challenges"); cs != j->end() && cs->is_array()) {
        for (const auto& c : *cs) {
            if (!c.is_object()) continue;
            a.challenges.push_back({str(c, "type"), str(c, "url"), str(c, "token"), str(c, "status")});
            if (auto e = c.find("error"); e != c.end() && e->is_object()) a.error = str(*e, "detail");
        }
    }
    if (a.status.empty()) return Error::syntax("ACME authorization lacks status");
    return a;
}

Result<std::string> parse_status(std::string_view text) {
    auto j = parse_object(text);
    if (!j) return j.error();
    auto s = str(*j, "status");
    if (s.empty()) return Error::syntax("ACME object lacks status");
    return s;
}

std::string problem_text(std::string_view body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::string(body.substr(0, 200));
    return str(j, "type") + ": " + str(j, "detail");
}

std::string new_account_payload(std::string_view email) {
    json p = {{"termsOfServiceAgreed", true}};
    if (!email.empty()) p["contact"] = json::array({"mailto:" + std::string(email)});
    return p.dump();
}

std::string new_order_payload(const std::vector<std::string>& names) {
    json ids = json::array();
    for (const auto& n : names) ids.push_back({{"type", "dns"}, {"value", n}});
    return json{{"identifiers", ids}}.dump();
}

std::string finalize_payload(std::string_view csr_der) { return json{{"csr", base64url(csr_der)}}.dump(); }

long retry_after_seconds(std::string_view v, long fallback) {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\r' || v.back() == '\n')) v.remove_suffix(1);
    long n = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || n < 0) return fallback;
    return n;
}

}  // namespace mr::acme
