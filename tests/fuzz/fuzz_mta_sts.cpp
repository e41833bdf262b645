// libFuzzer target for MTA-STS parsing (deliverd/tls_policy/mta_sts): the input is a policy
// file as a policy host serves it, a `_mta-sts` TXT record, and a cache file. Checks: no
// crash, a parsed policy keeps the module's invariants, and a policy that parsed
// survives the cache format unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "deliverd/tls_policy/mta_sts.hpp"

using namespace mr::deliverd::tls_policy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    (void)parse_txt_record(input);
    (void)parse_cached(input);
    auto policy = parse_policy(input);
    if (!policy) return 0;
    if (policy->max_age < 0 || policy->max_age > kMaxMaxAge) std::abort();
    if (policy->mode != StsMode::None && policy->mx.empty()) std::abort();
    for (const auto& mx : policy->mx) (void)mx_matches(mx, "mail.example.com");
    CachedPolicy c{1, "fuzz", input, *policy};
    auto back = parse_cached(format_cached(c));
    if (!back || back->policy.mx != policy->mx || back->policy.mode != policy->mode) std::abort();
    return 0;
}
