// libFuzzer target for DMARC (common/mailauth/dmarc): the input is split at its first
// NUL into a DMARC record, which every _dmarc name publishes, and a header block whose
// From: decides the author domain. Checks: no crash, a record that does not parse gives
// result none (never fail, so never a refusal because of our own parse error), and an
// aligned SPF pass is always a pass.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/mailauth/dmarc.hpp"

namespace {

class RecordDns final : public mr::dns::DnsClient {
public:
    explicit RecordDns(std::string record) : record_(std::move(record)) {}
    mr::dns::DnsAnswer lookup(std::string_view name, mr::dns::RecordType) override {
        if (name.starts_with("_dmarc.")) return {mr::dns::DnsAnswer::Status::Ok, {record_}};
        return {mr::dns::DnsAnswer::Status::NxDomain, {}};
    }

private:
    std::string record_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto nul = input.find('\0');
    const std::string record(input.substr(0, nul));
    const std::string header(nul == std::string_view::npos ? std::string_view("From: a@example.org\r\n\r\n")
                                                            : input.substr(nul + 1));
    RecordDns dns(record);
    const auto parsed = mr::mailauth::parse_dmarc_record(record);
    mr::mailauth::DmarcInput in{header, "example.org", false, {}};
    const auto out = mr::mailauth::check_dmarc(dns, in, [] { return 50; });
    if (!parsed && out.result == mr::mailauth::DmarcResult::Fail) std::abort();
    if (!out.from_domain.empty()) {
        mr::mailauth::DmarcInput aligned{header, out.from_domain, true, {}};
        const auto pass = mr::mailauth::check_dmarc(dns, aligned, [] { return 50; });
        if (parsed && pass.result == mr::mailauth::DmarcResult::Fail) std::abort();
    }
    return 0;
}
