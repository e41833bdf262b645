#include "common/mime/charset.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <iconv.h>
#include "common/text/ascii.hpp"

namespace mr::mime {
namespace {

using text::append_utf8;

// Windows-1252 0x80..0x9F per the WHATWG Encoding Standard index; the five bytes
// Microsoft leaves undefined map to the C1 control of the same value, as WHATWG does.
constexpr std::array<std::uint16_t, 32> kCp1252High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::string single_byte_to_utf8(std::string_view bytes, bool cp1252) {
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 2);
    for (char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        if (cp1252 && u >= 0x80 && u <= 0x9F) {
            append_utf8(out, kCp1252High[u - 0x80]);
        } else {
            append_utf8(out, u);
        }
    }
    return out;
}

bool is_one_of(std::string_view cs, std::initializer_list<std::string_view> names) {
    for (auto n : names) {
        if (cs == n) return true;
    }
    return false;
}

// iconv_open must only see a plain charset name: a "//TRANSLIT" or "//IGNORE" suffix
// from a message would change the conversion's error behaviour.
bool safe_iconv_name(std::string_view cs) {
    if (cs.empty() || cs.size() > 40) return false;
    for (char c : cs) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || c == '.' || c == ':';
        if (!ok) return false;
    }
    return true;
}

std::optional<std::string> iconv_to_utf8(const std::string& cs, std::string_view bytes) {
    iconv_t cd = iconv_open("UTF-8", cs.c_str());
    if (cd == reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1))) return std::nullopt;
    std::string out;
    std::string in(bytes);  // iconv wants a mutable char**
    char* inp = in.data();
    std::size_t inleft = in.size();
    std::array<char, 4096> buf{};
    bool ok = true;
    // One extra round with a null input flushes stateful encodings (ISO-2022-JP).
    for (bool flushing = false;;) {
        char* outp = buf.data();
        std::size_t outleft = buf.size();
        const std::size_t r = flushing ? iconv(cd, nullptr, nullptr, &outp, &outleft)
                                       : iconv(cd, &inp, &inleft, &outp, &outleft);
        out.append(buf.data(), buf.size() - outleft);
        if (r == static_cast<std::size_t>(-1)) {
            if (errno == E2BIG) continue;
            ok = false;  // EILSEQ / EINVAL: undecodable, let the caller keep the original
            break;
        }
        if (flushing) break;
        flushing = true;
    }
    iconv_close(cd);
    if (!ok) return std::nullopt;
    return out;
}

}  // namespace

std::string normalize_charset(std::string_view charset) {
    std::string cs;
    for (char c : charset) {
        if (c == '*') break;  // RFC 2231 §5: charset*language
        cs.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
    }
    while (!cs.empty() && (cs.back() == ' ' || cs.back() == '\t')) cs.pop_back();
    std::size_t b = 0;
    while (b < cs.size() && (cs[b] == ' ' || cs[b] == '\t')) ++b;
    return cs.substr(b);
}

std::optional<std::string> charset_to_utf8(std::string_view charset, std::string_view bytes) {
    const std::string cs = normalize_charset(charset);
    if (is_one_of(cs, {"utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us"})) {
        return std::string(bytes);
    }
    // WHATWG Encoding Standard: the latin1 labels decode as windows-1252, because
    // mailers routinely label cp1252 text (curly quotes, euro sign) as ISO-8859-1.
    if (is_one_of(cs, {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "latin-1",
                       "windows-1252", "cp1252", "x-cp1252"})) {
        return single_byte_to_utf8(bytes, true);
    }
    if (!safe_iconv_name(cs)) return std::nullopt;
    return iconv_to_utf8(cs, bytes);
}

}  // namespace mr::mime
