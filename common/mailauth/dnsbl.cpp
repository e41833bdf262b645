#include "common/mailauth/dnsbl.hpp"

#include <arpa/inet.h>

namespace mr::mailauth {

std::string dnsbl_query_name(std::string_view ip, std::string_view zone) {
    std::string reversed = dns::reverse_name(ip);
    // reverse_name ends in ".in-addr.arpa" or ".ip6.arpa": the same labels, another suffix.
    for (std::string_view suffix : {std::string_view(".in-addr.arpa"), std::string_view(".ip6.arpa")}) {
        if (reversed.size() > suffix.size() && reversed.ends_with(suffix)) {
            reversed.resize(reversed.size() - suffix.size());
            return reversed + "." + std::string(zone);
        }
    }
    return {};
}

std::optional<DnsblListing> check_dnsbl(dns::DnsClient& dns, std::string_view ip, const std::vector<std::string>& zones) {
    for (const auto& zone : zones) {
        const std::string name = dnsbl_query_name(ip, zone);
        if (name.empty()) return std::nullopt;
        const auto a = dns.lookup(name, dns::RecordType::A);
        if (!a.ok()) continue;
        bool listed = false;
        for (const auto& rec : a.records) {
            unsigned char b[4];
            if (inet_pton(AF_INET, rec.c_str(), b) != 1 || b[0] != 127) continue;
            if (b[1] == 255 && b[2] == 255) continue;  // a query error code, not a listing
            listed = true;
        }
        if (!listed) continue;
        DnsblListing out{zone, {}};
        const auto txt = dns.lookup(name, dns::RecordType::TXT);
        if (txt.ok() && !txt.records.empty()) out.reason = txt.records.front();
        if (out.reason.empty()) out.reason = std::string(ip) + " is listed in " + zone;
        return out;
    }
    return std::nullopt;
}

}  // namespace mr::mailauth
