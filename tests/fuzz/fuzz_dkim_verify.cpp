// libFuzzer target for mailauth::verify_dkim() over whole messages: header scanning, the
// DKIM-Signature parser, key records, canonicalization, l=, and OpenSSL's key and signature
// handling. Built and replayed over its seed corpus by tests/fuzz/CMakeLists.txt;
// -DMR_FUZZ=ON (clang) makes it a libFuzzer binary.
//
// The zone is fixed: RFC 8463 §A.2's keys at any selector starting "brisbane" (Ed25519) or
// "test" (RSA), a DNS failure at other selectors starting with "t", NXDOMAIN elsewhere. The
// seed is RFC 8463 §A.3's signed message, so mutations reach the verification itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/mailauth/dkim_verify.hpp"
#include "tests/support/mailauth_fixtures.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mr::test::PrefixZone zone{{"brisbane", mr::test::kEdRecord}, {"test", mr::test::kRsaRecord}};
    const std::string_view message(reinterpret_cast<const char*>(data), size);
    for (const auto& r : mr::mailauth::verify_dkim(zone, message, 1600000000)) {
        check(r.header_b.size() <= 8);
        // Every result that is not pass says why; only a pass may flag unsigned body text.
        if (r.result != mr::mailauth::DkimVerdict::Pass) check(!r.reason.empty() && !r.body_truncated);
    }
    return 0;
}
