// What the DKIM and ARC tests and fuzz targets share: RFC 8463's keys and key records, and
// DNS zones that answer from memory. No test framework here, so the fuzz targets include it
// too.
//
// The RSA key is RFC 8463 §A.1's companion key; tests/data/arc's fixtures were sealed with
// it as well.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/dkim/signing_key.hpp"
#include "common/dns/dns_client.hpp"

namespace mr::test {

// RFC 8463 §A.1 (rfc8463.txt:293): the Ed25519 secret key (RFC 8032 §7.1 test 1) as PKCS#8.
inline constexpr const char* kEd25519Pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";

inline constexpr const char* kRsaPem =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi\n"
    "Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM\n"
    "KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\n"
    "AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm\n"
    "6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe\n"
    "zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy\n"
    "6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc\n"
    "uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy\n"
    "WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd\n"
    "WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a\n"
    "licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst\n"
    "o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe\n"
    "uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL\n"
    "-----END RSA PRIVATE KEY-----\n";

// RFC 8463 §A.2 (rfc8463.txt:318): the key records of the two keys above.
inline constexpr const char* kEdRecord = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
inline constexpr const char* kRsaRecord =
    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
    "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
    "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
    "Ip3G+2kryOTIKT+l/K4w3QIDAQAB";

// RFC 8463 §A.3 (rfc8463.txt:343): the example message without its signatures (RFC 6376
// Appendix A signs the same one, after a Received: field).
inline constexpr std::string_view kRfc8463Message =
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";

// A signing key from PEM text (SigningKey::load reads a file: a temporary one, removed at
// once); null when it does not load.
inline std::shared_ptr<const dkim::SigningKey> signing_key(const char* pem) {
    char tmpl[] = "/tmp/mr-dkim-key-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) return nullptr;
    close(fd);
    std::ofstream(tmpl) << pem;
    auto key = dkim::SigningKey::load(tmpl);
    std::filesystem::remove(tmpl);
    if (!key) return nullptr;
    return std::make_shared<const dkim::SigningKey>(std::move(*key));
}

// A zone written by the test: TXT records by name; names listed in `broken` time out.
class FakeDns : public dns::DnsClient {
public:
    std::map<std::string, std::vector<std::string>> txt;
    std::set<std::string> broken;
    int queries = 0;

    dns::DnsAnswer lookup(std::string_view name, dns::RecordType type) override {
        ++queries;
        dns::DnsAnswer a;
        if (broken.count(std::string(name)) != 0) return a;
        auto it = txt.find(std::string(name));
        a.status = it == txt.end() ? dns::DnsAnswer::Status::NxDomain : dns::DnsAnswer::Status::Ok;
        if (it != txt.end() && type == dns::RecordType::TXT) a.records = it->second;
        return a;
    }
};

// The fuzz targets' zone: a key record at every name starting with one of the given
// prefixes (first match), a DNS failure at other names starting with "t", NXDOMAIN
// elsewhere; so mutated seeds reach the verification itself, and its failure paths.
class PrefixZone : public dns::DnsClient {
public:
    PrefixZone(std::initializer_list<std::pair<std::string_view, std::string_view>> keys) : keys_(keys) {}

    dns::DnsAnswer lookup(std::string_view name, dns::RecordType) override {
        dns::DnsAnswer a;
        a.status = dns::DnsAnswer::Status::Ok;
        for (const auto& [prefix, record] : keys_) {
            if (!name.starts_with(prefix)) continue;
            a.records = {std::string(record)};
            return a;
        }
        a.status = name.starts_with("t") ? dns::DnsAnswer::Status::TempFail : dns::DnsAnswer::Status::NxDomain;
        return a;
    }

private:
    std::vector<std::pair<std::string_view, std::string_view>> keys_;
};

}  // namespace mr::test
