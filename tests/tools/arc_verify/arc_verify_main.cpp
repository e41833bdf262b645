// mr-test-arc-verify ZONE_FILE NOW MESSAGE_FILE...
//
// Validates the ARC chain of each message with mailauth::verify_arc(), looking keys up in
// ZONE_FILE instead of DNS, and prints one JSON object per message:
//   {"file": ..., "result": "pass", "i": 2, "oldest_pass": 0, "reason": ...}
// ZONE_FILE has one TXT record per line, "name<TAB>value" (as mr-test-dkim-verify reads it);
// other names are NXDOMAIN. NOW is the verification time (Unix seconds).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/mailauth/arc_verify.hpp"

namespace {

class ZoneFile : public mr::dns::DnsClient {
public:
    std::map<std::string, std::vector<std::string>> txt;

    mr::dns::DnsAnswer lookup(std::string_view name, mr::dns::RecordType type) override {
        mr::dns::DnsAnswer a;
        auto it = txt.find(std::string(name));
        a.status = it == txt.end() ? mr::dns::DnsAnswer::Status::NxDomain : mr::dns::DnsAnswer::Status::Ok;
        if (it != txt.end() && type == mr::dns::RecordType::TXT) a.records = it->second;
        return a;
    }
};

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u >= 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: mr-test-arc-verify ZONE_FILE NOW MESSAGE_FILE...\n";
        return 2;
    }
    ZoneFile zone;
    std::ifstream zf(argv[1]);
    if (!zf) {
        std::cerr << "cannot read " << argv[1] << "\n";
        return 2;
    }
    for (std::string line; std::getline(zf, line);) {
        const auto tab = line.find('\t');
        if (tab == std::string::npos) continue;
        zone.txt[line.substr(0, tab)].push_back(line.substr(tab + 1));
    }
    const std::int64_t now = std::strtoll(argv[2], nullptr, 10);
    for (int i = 3; i < argc; ++i) {
        std::ifstream mf(argv[i], std::ios::binary);
        if (!mf) {
            std::cerr << "cannot read " << argv[i] << "\n";
            return 2;
        }
        std::stringstream message;
        message << mf.rdbuf();
        const auto r = mr::mailauth::verify_arc(zone, message.str(), now);
        std::cout << "{\"file\": " << json_string(argv[i])
                  << ", \"result\": " << json_string(mr::mailauth::arc_verdict_name(r.result))
                  << ", \"i\": " << r.instance << ", \"oldest_pass\": " << r.oldest_pass
                  << ", \"reason\": " << json_string(r.reason) << "}\n";
    }
    return 0;
}
