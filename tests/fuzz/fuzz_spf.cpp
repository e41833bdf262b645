// libFuzzer target for SPF (common/mailauth/spf*): the input is the SPF record every name
// publishes, so include: and redirect= lead back to it and macros, CIDR lengths and the
// lookup limits all meet hostile text. Checks: no crash, no hang (the term limit ends
// every loop), and a record that does not parse is permerror, never pass or fail.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/mailauth/spf.hpp"
#include "common/mailauth/spf_record.hpp"

namespace {

class EchoDns final : public mr::dns::DnsClient {
public:
    explicit EchoDns(std::string record) : record_(std::move(record)) {}
    mr::dns::DnsAnswer lookup(std::string_view name, mr::dns::RecordType type) override {
        ++queries;
        using T = mr::dns::RecordType;
        if (name.starts_with("void")) return {mr::dns::DnsAnswer::Status::NxDomain, {}};
        switch (type) {
        case T::TXT: return {mr::dns::DnsAnswer::Status::Ok, {record_}};
        case T::A: return {mr::dns::DnsAnswer::Status::Ok, {"192.0.2.1"}};
        case T::AAAA: return {mr::dns::DnsAnswer::Status::Ok, {"2001:db8::1"}};
        case T::MX: return {mr::dns::DnsAnswer::Status::Ok, {"10 mx.example.org"}};
        case T::PTR: return {mr::dns::DnsAnswer::Status::Ok, {"mx.example.org"}};
        case T::TLSA:
        case T::CNAME:
        case T::SRV: break;  // SPF never asks
        }
        return {};
    }
    int queries = 0;

private:
    std::string record_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bool v6 = (data[0] & 1) != 0;
    const std::string record(reinterpret_cast<const char*>(data) + 1, size - 1);
    const bool parses = mr::mailauth::is_spf_record(record) && mr::mailauth::parse_spf_record(record).ok();
    EchoDns dns(record);
    mr::mailauth::SpfQuery q{v6 ? "2001:db8::7" : "192.0.2.7", "user@example.org", "mx.example.org", "mx.here", 0};
    const auto out = mr::mailauth::check_spf(dns, q);
    if (mr::mailauth::is_spf_record(record) && !parses && out.result != mr::mailauth::SpfResult::PermError) std::abort();
    // Ten DNS-querying terms, ten names per mx/ptr with their addresses, an exp= lookup:
    // far below this, whatever the record.
    if (dns.queries > 400) std::abort();
    return 0;
}
