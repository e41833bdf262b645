// libFuzzer target for the DKIM tag-list, key-record and DKIM-Signature parsers
// (common/dkim/tag_list, key_record, signature). Built and replayed over its seed corpus by
// tests/fuzz/CMakeLists.txt; -DMR_FUZZ=ON (clang) makes it a libFuzzer binary.
//
// Besides "does not crash", it checks what the parsers promise: tag values carry no
// whitespace at their ends and lie inside their spec, a parsed signature names From and
// has its i= within d=, a revoked key has no key bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/dkim/key_record.hpp"
#include "common/dkim/signature.hpp"
#include "common/dkim/tag_list.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

bool is_fws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte picks the parser, so one corpus covers all three.
    const std::uint8_t mode = data[0] % 3;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    if (mode == 0) {
        if (auto tags = mr::dkim::parse_tag_list(text); tags.ok()) {
            check(!tags->empty() && tags->size() <= mr::dkim::kMaxTags);
            for (const auto& t : *tags) {
                check(!t.name.empty());
                check(t.after_equals <= t.spec_end && t.spec_end <= text.size());
                if (!t.value.empty()) check(!is_fws(t.value.front()) && !is_fws(t.value.back()));
                check(t.value.data() >= text.data() + t.after_equals &&
                      t.value.data() + t.value.size() <= text.data() + t.spec_end);
            }
        }
    } else if (mode == 1) {
        if (auto key = mr::dkim::parse_key_record(text); key.ok()) {
            check(key->revoked == key->public_key.empty());
        }
    } else {
        if (auto sig = mr::dkim::parse_signature(text); sig.ok()) {
            bool from = false;
            for (const auto& name : sig->signed_fields) from = from || name == "from";
            check(from);
            check(!sig->signature.empty() && !sig->body_hash.empty());
            check(sig->b_value_begin <= sig->b_value_end && sig->b_value_end <= text.size());
            check(mr::dkim::is_dns_name(sig->domain) && mr::dkim::is_dns_name(sig->selector));
            const std::string_view auid_domain = std::string_view(sig->auid).substr(sig->auid.rfind('@') + 1);
            check(auid_domain.size() >= sig->domain.size());
            if (sig->timestamp && sig->expiry) check(*sig->expiry > *sig->timestamp);
        }
    }
    return 0;
}
