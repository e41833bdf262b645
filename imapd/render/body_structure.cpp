// See body_structure.hpp for the shapes and spelling rules.
#include "imapd/render/body_structure.hpp"

#include "common/text/ascii.hpp"
#include "imapd/render/envelope.hpp"
#include "imapd/render/imap_string.hpp"
#include "imapd/render/wire_form.hpp"

namespace mr::imapd {
namespace {

bool printable_ascii(std::string_view s) {
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x7f) return false;
    }
    return true;
}

// RFC 2231 §7 (rfc2231.txt:343): attribute-char is any token char except "*", "'",
// "%"; everything else is %XX-encoded.
bool is_attribute_char(unsigned char c) {
    if (c <= 0x20 || c >= 0x7f) return false;
    switch (c) {
        case '*': case '\'': case '%': case '(': case ')': case '<': case '>': case '@':
        case ',': case ';': case ':': case '\\': case '"': case '/': case '[': case ']':
        case '?': case '=':
            return false;
        default:
            return true;
    }
}

std::string rfc2231_encode(std::string_view utf8) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out = "utf-8''";
    for (char ch : utf8) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_attribute_char(c)) {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0x0f];
        }
    }
    return out;
}

// body-fld-param = "(" string SP string *(SP string SP string) ")" / nil (rfc3501.txt:4626)
// A text part without a charset gets the RFC 2045 default (rfc2045.txt:741) appended,
// as Dovecot does, so clients never have to know the default.
void append_params(std::string& out, const std::vector<mime::Param>& params,
                   bool default_charset = false) {
    const bool add_charset = default_charset && !mime::find_param(params, "charset");
    if (params.empty() && !add_charset) {
        out += "NIL";
        return;
    }
    out += '(';
    bool first = true;
    for (const mime::Param& p : params) {
        if (!first) out += ' ';
        first = false;
        if (printable_ascii(p.value)) {
            append_string_upper(out, p.name);
            out += ' ';
            append_string(out, p.value);
        } else {
            append_string_upper(out, text::to_upper(p.name) + "*");
            out += ' ';
            append_string(out, rfc2231_encode(p.value));
        }
    }
    if (add_charset) out += first ? "\"CHARSET\" \"us-ascii\"" : " \"CHARSET\" \"us-ascii\"";
    out += ')';
}

void append_nstring_opt(std::string& out, const std::optional<std::string>& s) {
    append_nstring(out, s ? std::optional<std::string_view>(*s) : std::nullopt);
}

// body-fld-dsp = "(" string SP body-fld-param ")" / nil (rfc3501.txt:4609)
void append_disposition(std::string& out, const std::optional<mime::Disposition>& d) {
    if (!d) {
        out += "NIL";
        return;
    }
    out += '(';
    append_string_upper(out, d->type);
    out += ' ';
    append_params(out, d->params);
    out += ')';
}

// body-fld-lang = nstring / "(" string *(SP string) ")" (rfc3501.txt:4616)
void append_language(std::string& out, const std::vector<std::string>& tags) {
    if (tags.empty()) {
        out += "NIL";
        return;
    }
    out += '(';
    bool first = true;
    for (const std::string& t : tags) {
        if (!first) out += ' ';
        first = false;
        append_string(out, t);
    }
    out += ')';
}

// disposition, language, location: the common tail of body-ext-1part / -mpart.
void append_ext_tail(std::string& out, const mime::Part& p) {
    out += ' ';
    append_disposition(out, p.disposition);
    out += ' ';
    append_language(out, p.language);
    out += ' ';
    append_nstring_opt(out, p.location);
}

// body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP
// body-fld-octets (rfc3501.txt:4604)
void append_body_fields(std::string& out, const mime::Part& p) {
    append_params(out, p.params, p.type == "text");
    out += ' ';
    append_nstring_opt(out, p.id);
    out += ' ';
    append_nstring_opt(out, p.description);
    out += ' ';
    append_string_upper(out, p.encoding.empty() ? std::string_view("7BIT") : std::string_view(p.encoding));
    out += ' ';
    append_number(out, wire_body_size(p));
}

// Only MESSAGE/RFC822 has the body-type-msg shape in IMAP4rev1 (media-message,
// rfc3501.txt:4855); message/global is RFC 9051's addition and goes out as basic.
bool is_message_type(const mime::Part& p) { return p.type == "message" && p.subtype == "rfc822"; }

void append_part(std::string& out, const mime::Part& p, bool ext);

void append_multipart(std::string& out, const mime::Part& p, bool ext) {
    // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart] (rfc3501.txt:4634)
    for (const mime::Part& child : p.children) append_part(out, child, ext);
    out += ' ';
    append_string_upper(out, p.subtype);
    if (!ext) return;
    out += ' ';
    append_params(out, p.params);
    append_ext_tail(out, p);
}

void append_leaf(std::string& out, const mime::Part& p, bool ext) {
    append_string_upper(out, p.type);
    out += ' ';
    append_string_upper(out, p.subtype);
    out += ' ';
    append_body_fields(out, p);
    if (is_message_type(p)) {
        // body-type-msg (rfc3501.txt:4637): envelope SP body SP body-fld-lines.
        out += ' ';
        if (p.kind == mime::PartKind::Message && p.envelope && !p.children.empty()) {
            append_envelope(out, *p.envelope);
            out += ' ';
            append_part(out, p.children.front(), ext);
        } else {
            // Opaque: see the header comment. An empty text/plain stands in for the body.
            append_envelope(out, mime::Envelope{});
            out += ' ';
            mime::Part empty;
            empty.params.push_back(mime::Param{"charset", "us-ascii", false});
            append_part(out, empty, ext);
        }
        out += ' ';
        append_number(out, p.body_lines);
    } else if (p.type == "text") {
        // body-type-text (rfc3501.txt:4640)
        out += ' ';
        append_number(out, p.body_lines);
    }
    if (!ext) return;
    // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
    out += ' ';
    append_nstring_opt(out, p.md5);
    append_ext_tail(out, p);
}

void append_part(std::string& out, const mime::Part& p, bool ext) {
    out += '(';
    if (p.kind == mime::PartKind::Multipart && !p.children.empty())
        append_multipart(out, p, ext);
    else
        append_leaf(out, p, ext);
    out += ')';
}

}  // namespace

void append_body_structure(std::string& out, const mime::Part& part, bool extensions) {
    append_part(out, part, extensions);
}

}  // namespace mr::imapd
