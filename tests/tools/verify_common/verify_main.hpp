// The shared half of mr-test-dkim-verify and mr-test-arc-verify: keys from a zone file
// instead of DNS, JSON strings, and the loop over message files. Each tool gives only
// what it verifies and prints.
//
// ZONE_FILE has one TXT record per line, "name<TAB>value"; a name listed more than once
// has several records; other names are NXDOMAIN. NOW is the verification time (Unix s).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/dns/dns_client.hpp"

namespace mr::test_tools {

class ZoneFile : public dns::DnsClient {
public:
    std::map<std::string, std::vector<std::string>> txt;

    dns::DnsAnswer lookup(std::string_view name, dns::RecordType type) override {
        dns::DnsAnswer a;
        auto it = txt.find(std::string(name));
        a.status = it == txt.end() ? dns::DnsAnswer::Status::NxDomain : dns::DnsAnswer::Status::Ok;
        if (it != txt.end() && type == dns::RecordType::TXT) a.records = it->second;
        return a;
    }
};

inline std::string json_string(std::string_view s) {
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

// `name ZONE_FILE NOW MESSAGE_FILE...`: calls verify(zone, file name, message, now) for
// each message; returns main()'s exit status.
using Verify = std::function<void(ZoneFile&, const char* file, const std::string& message, std::int64_t now)>;

inline int verify_main(const char* name, int argc, char** argv, const Verify& verify) {
    if (argc < 3) {
        std::cerr << "usage: " << name << " ZONE_FILE NOW MESSAGE_FILE...\n";
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
        verify(zone, argv[i], message.str(), now);
    }
    return 0;
}

}  // namespace mr::test_tools
