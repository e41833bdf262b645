// libFuzzer target for common/mime.
// Built and replayed over its seed corpus by tests/fuzz/CMakeLists.txt; -DMR_FUZZ=ON
// (clang) makes it a libFuzzer binary.
// Oracle: parsing never crashes, its result satisfies the structure invariants
// (deserialize checks them) and survives a blob round trip unchanged; the header-level
// decoders never crash on the same bytes; deserialize never crashes on raw input; the
// THREADID links of the header keep their bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/mime/address_list.hpp"
#include "common/mime/encoded_words.hpp"
#include "common/mime/message_ids.hpp"
#include "common/mime/message_parser.hpp"
#include "common/mime/message_structure.hpp"
#include "common/mime/params.hpp"
#include "common/mime/transfer_decoding.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const mr::mime::MessageStructure s = mr::mime::parse_message(in);
    const auto back = mr::mime::deserialize(mr::mime::serialize(s));
    if (!back.ok() || !(*back == s)) std::abort();
    (void)mr::mime::deserialize(in);
    // The THREADID links stay within their bounds whatever the header holds.
    const auto links = mr::mime::thread_links(in);
    if (links.size() > mr::mime::kMaxThreadReferences + 2) std::abort();
    for (const auto& id : links)
        if (id.size() > mr::mime::kMaxThreadLinkBytes) std::abort();
    if (size < 4096) {
        (void)mr::mime::decode_encoded_words(in);
        (void)mr::mime::decode_phrase(in);
        (void)mr::mime::parse_address_list(in);
        (void)mr::mime::parse_content_type(in);
        (void)mr::mime::parse_content_disposition(in);
        (void)mr::mime::decode_base64(in);
        (void)mr::mime::decode_quoted_printable(in);
    }
    return 0;
}
