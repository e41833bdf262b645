// libFuzzer target for the TLSRPT record (deliverd/tls_policy/tlsrpt_record): the input is
// a `_smtp._tls` TXT record. Checks: no crash, and a record that parsed keeps the module's
// invariants (at least one URI, each with a scheme; report addresses with an "@" and no
// comma) and is chosen by tlsrpt_policy() when it is the only record.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "deliverd/tls_policy/tlsrpt_record.hpp"

using namespace mr::deliverd::tls_policy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    auto record = parse_tlsrpt_record(input);
    if (!record) return 0;
    if (record->rua.empty()) std::abort();
    for (const auto& uri : record->rua) {
        if (uri.find(':') == std::string::npos || uri.find(',') != std::string::npos) std::abort();
    }
    for (const auto& address : mailto_addresses(*record)) {
        if (address.find('@') == std::string::npos || address.find(',') != std::string::npos) std::abort();
    }
    auto chosen = tlsrpt_policy({input});
    if (!chosen || chosen->rua != record->rua) std::abort();
    return 0;
}
