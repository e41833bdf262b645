#include "common/dkim/base64.hpp"

#include <openssl/evp.h>

namespace mr::dkim {

std::string base64_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    std::string compact;
    compact.reserve(text.size());
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        compact += c;
    }
    if (compact.size() % 4 != 0 || compact.size() > (1u << 20)) return std::nullopt;
    // EVP_DecodeBlock accepts '=' anywhere and counts padding as zero bytes: padding is
    // checked here, so only the last one or two characters may be '='.
    std::size_t pad = 0;
    while (pad < compact.size() && pad < 2 && compact[compact.size() - 1 - pad] == '=') ++pad;
    if (compact.find('=') < compact.size() - pad) return std::nullopt;
    std::string out(compact.size() / 4 * 3, '\0');
    if (compact.empty()) return out;
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(compact.data()), static_cast<int>(compact.size()));
    if (n < 0 || static_cast<std::size_t>(n) != out.size()) return std::nullopt;
    out.resize(out.size() - pad);
    return out;
}

}  // namespace mr::dkim
