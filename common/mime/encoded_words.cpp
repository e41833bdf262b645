#include "common/mime/encoded_words.hpp"

#include <optional>

#include "common/mime/charset.hpp"
#include "common/mime/rfc822_lexer.hpp"
#include "common/mime/transfer_decoding.hpp"
#include "common/text/ascii.hpp"

namespace mr::mime {
namespace {

struct EncodedWord {
    std::string_view charset;
    std::string bytes;     // decoded, still in `charset`
    std::size_t end = 0;   // one past the closing "?="
};

bool is_wsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// RFC 2047 §2 (rfc2047.txt:192): token = 1*<CHAR except SPACE, CTLs, especials>.
// "*" stays allowed so RFC 2231 §5 "charset*lang" parses.
bool is_token_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) return false;
    switch (c) {
        case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
        case '"': case '/': case '[': case ']': case '?': case '.': case '=':
            return false;
        default:
            return true;
    }
}

using text::hex_value;

// RFC 2047 §4.2 (rfc2047.txt:309): "_" is 0x20, "=XX" an octet; a malformed "="
// escape is kept literally rather than rejecting the whole word.
std::string decode_q(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '_') {
            out.push_back(' ');
        } else if (c == '=' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// Recognise one encoded-word at text[pos] (which is "=?"). The grammar of
// rfc2047.txt:186 forbids white space anywhere inside, so the scan stops there.
std::optional<EncodedWord> match_word(std::string_view text, std::size_t pos) {
    std::size_t i = pos + 2;
    const std::size_t cs_begin = i;
    while (i < text.size() && is_token_char(text[i])) ++i;
    if (i == cs_begin || i >= text.size() || text[i] != '?') return std::nullopt;
    const std::string_view charset = text.substr(cs_begin, i - cs_begin);
    ++i;
    if (i + 1 >= text.size() || text[i + 1] != '?') return std::nullopt;
    const char enc = lex::ascii_lower(text[i]);
    if (enc != 'b' && enc != 'q') return std::nullopt;  // rfc2047.txt:270: only B and Q
    i += 2;
    const std::size_t et_begin = i;
    // encoded-text = 1*<printable ASCII other than "?" or SPACE> (rfc2047.txt:197).
    while (i < text.size() && text[i] != '?' && !is_wsp(text[i])) ++i;
    if (i + 1 >= text.size() || text[i] != '?' || text[i + 1] != '=') return std::nullopt;
    const std::string_view encoded = text.substr(et_begin, i - et_begin);
    EncodedWord w;
    w.charset = charset;
    w.bytes = enc == 'b' ? decode_base64(encoded) : decode_q(encoded);
    w.end = i + 2;
    return w;
}

// A run of adjacent encoded-words in one charset, converted together.
struct Run {
    std::string charset;  // normalised; empty = no run open
    std::string bytes;
    std::size_t raw_begin = 0, raw_end = 0;
};

void flush(Run& run, std::string_view text, std::string& out) {
    if (run.charset.empty()) return;
    if (auto utf8 = charset_to_utf8(run.charset, run.bytes)) {
        out += *utf8;
    } else {
        out.append(text.substr(run.raw_begin, run.raw_end - run.raw_begin));
    }
    run = Run{};
}

}  // namespace

std::string decode_encoded_words(std::string_view text) {
    if (text.find("=?") == std::string_view::npos) return std::string(text);
    std::string out;
    out.reserve(text.size());
    Run run;
    std::size_t ws_begin = 0, ws_len = 0;  // white space not yet emitted
    bool after_word = false;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == '=' && i + 1 < text.size() && text[i + 1] == '?') {
            if (auto w = match_word(text, i)) {
                std::string cs = normalize_charset(w->charset);
                if (after_word && cs == run.charset) {
                    run.bytes += w->bytes;  // rfc2047.txt:512: the white space is ignored
                } else {
                    flush(run, text, out);
                    if (!after_word) out.append(text.substr(ws_begin, ws_len));
                    run.charset = cs.empty() ? std::string("?") : std::move(cs);
                    run.bytes = std::move(w->bytes);
                    run.raw_begin = i;
                }
                run.raw_end = w->end;
                ws_len = 0;
                after_word = true;
                i = w->end;
                continue;
            }
        }
        if (is_wsp(text[i])) {
            if (ws_len == 0) ws_begin = i;
            ++ws_len;
            ++i;
            continue;
        }
        flush(run, text, out);
        out.append(text.substr(ws_begin, ws_len));
        ws_len = 0;
        after_word = false;
        out.push_back(text[i]);
        ++i;
    }
    flush(run, text, out);
    out.append(text.substr(ws_begin, ws_len));
    return out;
}

std::string decode_phrase(std::string_view raw) {
    // Tokenize first (rfc2047.txt:490 note: decoding happens after parsing into
    // tokens), joining words with a single space.
    std::string joined;
    std::size_t pos = 0;
    bool need_space = false;
    while (pos < raw.size()) {
        const char c = raw[pos];
        if (lex::is_space(c) || c == '(') {
            pos = lex::skip_cfws(raw, pos);
            need_space = !joined.empty();
            continue;
        }
        if (need_space) joined.push_back(' ');
        need_space = false;
        if (c == '"') {
            joined += lex::read_quoted(raw, pos);
        } else {
            joined.push_back(c);
            ++pos;
        }
    }
    return decode_encoded_words(joined);
}

}  // namespace mr::mime
