#include "common/mime/transfer_decoding.hpp"

#include <sodium.h>
#include "common/text/ascii.hpp"

namespace mr::mime {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

constexpr char kB64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Decode one group of alphabet characters (no padding, no whitespace) and append it.
// libsodium rejects a final quantum whose unused low bits are not zero, and needs the
// "=" padding for the ORIGINAL variant, so both are made canonical first.
void decode_chunk(std::string& chunk, std::string& out) {
    if (chunk.size() % 4 == 1) chunk.pop_back();  // 6 lone bits cannot form an octet
    if (chunk.empty()) return;
    if (chunk.size() % 4 == 2) {
        chunk.back() = kB64Alphabet[b64_value(chunk.back()) & 0x30];
        chunk += "==";
    } else if (chunk.size() % 4 == 3) {
        chunk.back() = kB64Alphabet[b64_value(chunk.back()) & 0x3C];
        chunk += "=";
    }
    const std::size_t old = out.size();
    out.resize(old + chunk.size() / 4 * 3 + 1);  // +1: never hand sodium an empty buffer
    std::size_t bin_len = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data() + old), out.size() - old,
                          chunk.data(), chunk.size(), nullptr, &bin_len, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        bin_len = 0;  // cannot happen for canonical input; decode nothing rather than junk
    }
    out.resize(old + bin_len);
    chunk.clear();
}

// Lower-case digits are tolerated (rfc2045.txt:1193 note (1)).
using text::hex_value;

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

}  // namespace

TransferEncoding parse_transfer_encoding(std::string_view token) {
    while (!token.empty() && is_wsp(token.front())) token.remove_prefix(1);
    while (!token.empty() && is_wsp(token.back())) token.remove_suffix(1);
    if (token.empty() || iequals(token, "7bit")) return TransferEncoding::SevenBit;
    if (iequals(token, "8bit")) return TransferEncoding::EightBit;
    if (iequals(token, "binary")) return TransferEncoding::Binary;
    if (iequals(token, "quoted-printable")) return TransferEncoding::QuotedPrintable;
    if (iequals(token, "base64")) return TransferEncoding::Base64;
    return TransferEncoding::Unknown;
}

std::string decode_base64(std::string_view encoded) {
    std::string out;
    out.reserve(encoded.size() / 4 * 3 + 3);
    std::string chunk;
    chunk.reserve(encoded.size() < (1u << 20) ? encoded.size() : (1u << 20));
    for (char c : encoded) {
        if (b64_value(c) >= 0) {
            chunk.push_back(c);
            // Flush whole quanta regularly so the scratch buffer stays small.
            if (chunk.size() >= (1u << 20)) decode_chunk(chunk, out);
        } else if (c == '=') {
            decode_chunk(chunk, out);  // padding ends a group; anything after starts anew
        }
    }
    decode_chunk(chunk, out);
    return out;
}

std::string decode_quoted_printable(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    std::size_t pending_wsp = 0;  // WSP seen but not yet emitted: dropped if the line ends
    auto flush_wsp = [&](std::size_t upto) {
        out.append(in.substr(upto - pending_wsp, pending_wsp));
        pending_wsp = 0;
    };
    while (i < in.size()) {
        const char c = in[i];
        if (is_wsp(c)) {
            ++pending_wsp;
            ++i;
            continue;
        }
        if (c == '\n' || (c == '\r' && i + 1 < in.size() && in[i + 1] == '\n')) {
            pending_wsp = 0;  // rule 3 (rfc2045.txt:1086): trailing white space is deleted
            const std::size_t len = c == '\r' ? 2 : 1;
            out.append(in.substr(i, len));
            i += len;
            continue;
        }
        flush_wsp(i);
        if (c != '=') {
            out.push_back(c);
            ++i;
            continue;
        }
        // Soft line break (rule 5, rfc2045.txt:1115): "=" then optional WSP then line end
        // (or the end of the text: a part's last line end belongs to the delimiter).
        std::size_t j = i + 1;
        while (j < in.size() && is_wsp(in[j])) ++j;
        if (j == in.size()) {
            i = j;
            continue;
        }
        if (in[j] == '\n') {
            i = j + 1;
            continue;
        }
        if (in[j] == '\r' && j + 1 < in.size() && in[j + 1] == '\n') {
            i = j + 2;
            continue;
        }
        if (i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
            i += 3;
            continue;
        }
        out.push_back('=');  // rfc2045.txt:1198 note (2): keep a malformed "=" as text
        ++i;
    }
    // WSP pending at the very end is trailing white space of the last line: deleted.
    return out;
}

std::string decode_transfer(TransferEncoding encoding, std::string_view body) {
    switch (encoding) {
        case TransferEncoding::Base64: return decode_base64(body);
        case TransferEncoding::QuotedPrintable: return decode_quoted_printable(body);
        default: return std::string(body);
    }
}

}  // namespace mr::mime
