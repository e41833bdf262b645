// See case_fold.hpp. The ranges below are Unicode's simple lower-case mappings
// (UnicodeData.txt field 13) for the blocks named there, written as arithmetic.
#include "imapd/render/case_fold.hpp"

#include <cstdint>

namespace mr::imapd {
namespace {

std::uint32_t lower(std::uint32_t cp) {
    if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 0x20 : cp;
    // Latin-1 Supplement: À..Þ except × (U+00D7).
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
    // Latin Extended-A: pairs (upper even / lower odd, or upper odd / lower even).
    if ((cp >= 0x100 && cp <= 0x12F) || (cp >= 0x132 && cp <= 0x137) ||
        (cp >= 0x14A && cp <= 0x177))
        return (cp % 2 == 0) ? cp + 1 : cp;
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
        return (cp % 2 == 1) ? cp + 1 : cp;
    if (cp == 0x178) return 0xFF;  // Ÿ -> ÿ
    // Greek capitals Α..Ω (U+03A2 unassigned); final sigma folds to σ.
    if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 0x20;
    if (cp == 0x3C2) return 0x3C3;
    // Cyrillic Ѐ..Џ and А..Я.
    if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
    if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
    return cp;
}

// Length of the valid UTF-8 sequence at s[i] (2 or 3 bytes; the folded blocks all
// lie below U+0800, so longer sequences are copied unchanged) and its code point.
std::size_t decode2(std::string_view s, std::size_t i, std::uint32_t& cp) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0xC2 || b0 > 0xDF || i + 1 >= s.size()) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if ((b1 & 0xC0) != 0x80) return 0;
    cp = ((b0 & 0x1Fu) << 6) | (b1 & 0x3Fu);
    return 2;
}

void append2(std::string& out, std::uint32_t cp) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
}

}  // namespace

std::string fold_case(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out.push_back(static_cast<char>(lower(c)));
            ++i;
            continue;
        }
        std::uint32_t cp = 0;
        if (decode2(s, i, cp) == 2) {
            // Every mapping above stays within 2-byte UTF-8 (U+0080..U+07FF).
            append2(out, lower(cp));
            i += 2;
            continue;
        }
        out.push_back(s[i]);
        ++i;
    }
    return out;
}

}  // namespace mr::imapd
