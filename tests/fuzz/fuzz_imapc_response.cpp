// libFuzzer target for the IMAP client's ResponseReader (mailroom import imap reads what
// another server sends). Built and replayed over its seed corpus by
// tests/fuzz/CMakeLists.txt; -DMR_FUZZ=ON (clang) makes it a libFuzzer binary.
//
// The input after its first byte is fed in chunks of (first byte % 7 + 1) bytes. The
// responses must equal those of feeding it whole (chunking independence), and reading
// stops at the first error, as the importer does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/imapc/response_reader.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

// Responses flattened to text (tag and every value, lists bracketed), then "!" on an error.
std::string read(std::string_view input, std::size_t chunk) {
    mr::imapc::ResponseReader reader(4096);
    std::string out;
    auto flatten = [&](auto& self, const mr::imapc::Value& v) -> void {
        out += static_cast<char>('0' + static_cast<int>(v.kind));
        out += v.text;
        for (const auto& item : v.items) self(self, item);
        out += ';';
    };
    for (std::size_t pos = 0; pos < input.size(); pos += chunk) {
        reader.feed(input.substr(pos, chunk));
        for (;;) {
            auto next = reader.next();
            if (!next) return out + "!";
            if (!*next) break;
            out += (*next)->tag + "|";
            for (const auto& v : (*next)->values) flatten(flatten, v);
            out += '\n';
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    check(read(input, static_cast<std::size_t>(data[0] % 7) + 1) == read(input, input.size() + 1));
    return 0;
}
