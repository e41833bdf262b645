// libFuzzer target for the SRS codec (common/mailauth/srs): the input is an address as a
// bounce's RCPT TO or a forwarded message's MAIL FROM would give it. Checks: no crash, and
// for a plain or SRS0 sender whose domain has no '=' (the domain syntax of every real
// address), reversing what forwarding made gives the sender back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/mailauth/srs.hpp"
#include "common/text/ascii.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    constexpr std::string_view kSecret = "fuzz-secret";
    constexpr std::string_view kForwarder = "fwd.example";
    constexpr std::int64_t kNow = 1700000000;
    const std::string input(reinterpret_cast<const char*>(data), size);

    (void)mr::mailauth::srs_reverse(input, kSecret, kNow);

    auto fwd = mr::mailauth::srs_forward(input, kForwarder, kSecret, kNow);
    if (!fwd) return 0;
    const auto at = input.rfind('@');
    const std::string_view local = std::string_view(input).substr(0, at);
    const std::string_view domain = std::string_view(input).substr(at + 1);
    if (mr::text::iequals(domain, kForwarder)) {
        if (*fwd != input) std::abort();
        return 0;
    }
    if (domain.find('=') != std::string_view::npos || !fwd->ends_with("@fwd.example")) return 0;
    const bool srs1 = mr::mailauth::is_srs_local_part(local) && local[3] == '1';
    if (srs1) return 0;
    auto back = mr::mailauth::srs_reverse(*fwd, kSecret, kNow);
    if (!back || !mr::text::iequals(*back, input)) std::abort();
    return 0;
}
