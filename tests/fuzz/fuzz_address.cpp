// libFuzzer target for common/text address, domain and ESMTP parameter parsing.
// Built and replayed over its seed corpus by tests/fuzz/CMakeLists.txt; -DMR_FUZZ=ON
// (clang) makes it a libFuzzer binary.
//
// Besides "does not crash", it checks the invariants address.hpp promises:
// an accepted path respects the limits, its canonical form re-parses to the
// same address, and non-ASCII appears only with SMTPUTF8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/text/address.hpp"
#include "common/text/ascii.hpp"
#include "common/text/domain.hpp"
#include "common/text/esmtp_params.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

bool has_non_ascii(std::string_view s) {
    for (char c : s)
        if (mr::text::is_non_ascii(c)) return true;
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte picks options so one corpus covers every mode.
    const std::uint8_t mode = data[0];
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    mr::text::PathOptions options;
    options.smtputf8 = (mode & 1) != 0;
    options.allow_null = (mode & 2) != 0;
    options.allow_postmaster = (mode & 4) != 0;

    if (auto r = mr::text::parse_path_prefix(text, options); r.ok()) {
        const auto& a = r->address;
        check(text.size() - r->rest.size() <= mr::text::kMaxPath);
        if (!options.smtputf8) check(!has_non_ascii(a.local_part) && !has_non_ascii(a.domain));
        check(mr::text::is_valid_utf8(a.local_part) && mr::text::is_valid_utf8(a.domain));
        if (!a.is_null() && !a.is_bare_postmaster()) {
            auto again = mr::text::parse_addr_spec(a.to_string(), true);
            check(again.ok());
            check(again->local_part == a.local_part && again->domain == a.domain);
        }
        (void)mr::text::parse_mail_params(r->rest, options.smtputf8);
    }
    if (auto d = mr::text::normalise_domain(text, options.smtputf8); d.ok()) {
        check(d->size() <= mr::text::kMaxDomain);
        check(*d == mr::text::to_lower(*d));
        auto again = mr::text::parse_domain(*d, options.smtputf8);
        check(again.ok() && *again == *d);
    }
    if (auto l = mr::text::normalise_address_literal(text); l.ok()) {
        auto again = mr::text::normalise_address_literal(*l);
        check(again.ok() && *again == *l);
    }
    return 0;
}
