// libFuzzer target for mailauth::verify_arc() over whole messages: ARC set collection and
// instance parsing, the ARC-Seal and ARC-Message-Signature parsers, the seal's hash input
// and OpenSSL's signature checks. Built and replayed over its seed corpus (dkimpy's sealed
// messages in tests/data/arc) by tests/fuzz/CMakeLists.txt; -DMR_FUZZ=ON (clang) makes it a
// libFuzzer binary.
//
// The zone is fixed: the fixtures' RSA key at any selector starting "arc", a DNS failure at
// other selectors starting with "t", NXDOMAIN elsewhere, so mutations of the seeds reach the
// verification itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/mailauth/arc_verify.hpp"
#include "tests/support/mailauth_fixtures.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mr::test::PrefixZone zone{{"arc", mr::test::kRsaRecord}};
    const std::string_view message(reinterpret_cast<const char*>(data), size);
    const auto r = mr::mailauth::verify_arc(zone, message, 1700001000);
    using mr::mailauth::ArcVerdict;
    // A fail says why; only a pass has an oldest-pass, and it names an instance it has.
    check(r.instance <= 50);
    if (r.result == ArcVerdict::Fail) check(!r.reason.empty());
    if (r.result != ArcVerdict::Pass) check(r.oldest_pass == 0);
    if (r.result == ArcVerdict::Pass) check(r.reason.empty() && r.instance >= 1 && r.oldest_pass <= r.instance);
    if (r.result == ArcVerdict::None) check(r.instance == 0 && !r.dns_failure);
    return 0;
}
