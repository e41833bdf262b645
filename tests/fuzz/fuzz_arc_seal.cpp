// libFuzzer target for mailauth::arc_seal() over whole messages: finding our results and the
// incoming ARC sets, reading cv= and arc=, and the set it writes, which our validator must
// be able to read back. Seeds: dkimpy's sealed messages in tests/data/arc, whose top
// Authentication-Results names fwd.example, the authserv-id used here.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/mailauth/arc_seal.hpp"
#include "common/mailauth/arc_verify.hpp"
#include "tests/support/mailauth_fixtures.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const mr::dkim::Signer signer{"seal.test", "arc9", mr::test::signing_key(mr::test::kRsaPem)};
    check(signer.key != nullptr);
    const std::string_view message(reinterpret_cast<const char*>(data), size);
    auto out = mr::mailauth::arc_seal({message, "fwd.example", &signer, 1700001000});
    if (!out) return 0;  // a header too long to sign
    check(out->fields.empty() != out->skipped.empty());
    if (out->fields.empty()) return 0;
    check(out->instance >= 1 && out->instance <= 50);
    check(out->cv == "none" || out->cv == "pass" || out->cv == "fail");
    // Our own set is always well formed: the chain reads as far as instance i.
    mr::test::PrefixZone zone{{"arc", mr::test::kRsaRecord}};
    const auto r = mr::mailauth::verify_arc(zone, out->fields + std::string(message), 1700001000);
    check(r.result != mr::mailauth::ArcVerdict::None);
    return 0;
}
