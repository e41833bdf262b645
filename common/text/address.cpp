#include "common/text/address.hpp"

#include "common/text/ascii.hpp"
#include "common/text/domain.hpp"

namespace mr::text {
namespace {

// atext of RFC 5322 §3.2.3 (rfc5322.txt:679), which RFC 5321's Atom uses;
// RFC 6531 adds UTF8-non-ascii (rfc6531.txt:414).
bool is_atext(char c) {
    if (is_alnum(c)) return true;
    switch (c) {
        case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
        case '+': case '-': case '/': case '=': case '?': case '^': case '_':
        case '`': case '{': case '|': case '}': case '~':
            return true;
        default:
            return false;
    }
}

bool is_atext_or_utf8(char c) { return is_atext(c) || is_non_ascii(c); }

// qtextSMTP = %d32-33 / %d35-91 / %d93-126 (rfc5321.txt:2332).
bool is_qtext(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == 32 || u == 33 || (u >= 35 && u <= 91) || (u >= 93 && u <= 126);
}

bool is_dot_string(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') return false;  // safe: s.back() != '.'
        } else if (!is_atext_or_utf8(s[i])) {
            return false;
        }
    }
    return true;
}

// Reads one mailbox-or-route piece left to right over `s`, advancing `pos`.
class MailboxParser {
public:
    MailboxParser(std::string_view s, bool smtputf8) : s_(s), utf8_(smtputf8) {}

    std::size_t pos() const { return pos_; }
    bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
    void skip() { ++pos_; }

    // Local-part = Dot-string / Quoted-string (rfc5321.txt:2316).
    Result<std::string> local_part(bool& quoted) {
        const std::size_t start = pos_;
        std::string value;
        quoted = at('"');
        if (quoted) {
            skip();
            while (true) {
                if (pos_ >= s_.size()) return Error::syntax("unterminated quoted local part");
                const char c = s_[pos_++];
                if (c == '"') break;
                if (c == '\\') {
                    // quoted-pairSMTP = %d92 %d32-126 (rfc5321.txt:2328).
                    if (pos_ >= s_.size()) return Error::syntax("unterminated quoted local part");
                    const auto q = static_cast<unsigned char>(s_[pos_]);
                    if (q < 32 || q > 126) return Error::syntax("invalid quoted-pair in local part");
                    value += s_[pos_++];
                } else if (is_qtext(c)) {
                    value += c;
                } else if (is_non_ascii(c)) {
                    if (auto r = check_non_ascii(); !r) return r.error();
                    value += c;
                } else {
                    return Error::syntax("invalid character in quoted local part");
                }
            }
            // An empty mailbox name is grammatical but names nothing; refusing
            // it avoids an address that is "" after unquoting.
            if (value.empty()) return Error::syntax("empty local part");
        } else {
            while (pos_ < s_.size() && (is_atext_or_utf8(s_[pos_]) || s_[pos_] == '.')) {
                if (is_non_ascii(s_[pos_])) {
                    if (auto r = check_non_ascii(); !r) return r.error();
                }
                ++pos_;
            }
            value = std::string(s_.substr(start, pos_ - start));
            if (value.empty()) return Error::syntax("missing local part");
            if (!is_dot_string(value)) return Error::syntax("invalid dot-string local part");
        }
        if (pos_ - start > kMaxLocalPart) return Error::syntax("local part longer than 64 octets");
        return value;
    }

    // Domain / address-literal after "@" (rfc5321.txt:2314).
    Result<std::string> domain(bool literal_allowed) {
        const std::size_t start = pos_;
        if (at('[')) {
            if (!literal_allowed) return Error::syntax("address literal not allowed here");
            const auto close = s_.find(']', pos_);
            if (close == std::string_view::npos) return Error::syntax("unterminated address literal");
            pos_ = close + 1;
            return normalise_address_literal(s_.substr(start, pos_ - start));
        }
        while (pos_ < s_.size() &&
               (is_alnum(s_[pos_]) || s_[pos_] == '-' || s_[pos_] == '.' || is_non_ascii(s_[pos_])))
            ++pos_;
        return parse_domain(s_.substr(start, pos_ - start), utf8_);
    }

private:
    Result<void> check_non_ascii() const {
        if (!utf8_) return Error::refused("non-ASCII local part requires SMTPUTF8");
        return {};
    }

    std::string_view s_;
    bool utf8_;
    std::size_t pos_ = 0;
};

// Mailbox = Local-part "@" ( Domain / address-literal ).
Result<void> parse_mailbox(MailboxParser& p, Address& out, bool allow_postmaster) {
    auto local = p.local_part(out.is_quoted);
    if (!local) return local.error();
    out.local_part = std::move(*local);
    if (!p.at('@')) {
        // "<Postmaster>" is the one mailbox without a domain (rfc5321.txt:1985).
        if (allow_postmaster && p.at('>') && !out.is_quoted && !out.has_route &&
            iequals(out.local_part, "postmaster"))
            return {};
        return Error::syntax("missing @domain");
    }
    p.skip();
    auto dom = p.domain(true);
    if (!dom) return dom.error();
    out.domain = std::move(*dom);
    return {};
}

// Whole-input UTF-8 check first, so per-byte checks later only have to
// decide "allowed here" and never "is this a valid sequence".
Result<void> check_encoding(std::string_view text) {
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        // Controls MUST NOT appear in mailbox names (rfc5321.txt:2360).
        if (u < 32 || u == 127) return Error::syntax("control character in address");
    }
    if (!is_valid_utf8(text)) return Error::syntax("invalid UTF-8 in address");
    return {};
}

// Length of the path at the start of `s`: up to and including the first ">"
// outside a quoted string (a quoted local part may contain ">"), or all of
// `s` if there is none.
std::size_t path_extent(std::string_view s) {
    bool quoted = false;
    for (std::size_t i = 1; i < s.size(); ++i) {
        const char c = s[i];
        if (quoted) {
            if (c == '\\') ++i;
            else if (c == '"') quoted = false;
        } else if (c == '"') {
            quoted = true;
        } else if (c == '>') {
            return i + 1;
        }
    }
    return s.size();
}

}  // namespace

std::string quote_local_part(std::string_view local_part) {
    if (is_dot_string(local_part)) return std::string(local_part);
    std::string out = "\"";
    for (char c : local_part) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

std::string Address::to_string() const {
    if (is_null()) return {};
    if (domain.empty()) return quote_local_part(local_part);
    return quote_local_part(local_part) + "@" + domain;
}

std::string Address::to_path() const {
    // Built by append, not `"<" + s + ">"`: GCC 12 -O3 raises a false
    // -Wrestrict on that form when inlined (GCC PR 105329).
    std::string out = "<";
    out += to_string();
    out += '>';
    return out;
}

Result<PathPrefix> parse_path_prefix(std::string_view text, const PathOptions& options) {
    // Only the path itself is checked here: `rest` belongs to the ESMTP
    // parameter parser.
    if (text.empty() || text.front() != '<') return Error::syntax("path must start with '<'");
    if (text.substr(0, 2) == "<>") {
        if (!options.allow_null) return Error::syntax("null path not allowed here");
        return PathPrefix{Address{}, text.substr(2)};
    }

    // Length and encoding are checked on the whole path before the grammar,
    // so a bad byte is reported as such (and a valid UTF-8 sequence without
    // SMTPUTF8 as Refused), never as whatever grammar error it causes.
    const std::size_t extent = path_extent(text);
    if (extent > kMaxPath) return Error::syntax("path longer than 256 octets");
    const std::string_view path = text.substr(0, extent);
    if (auto enc = check_encoding(path); !enc) return enc.error();

    MailboxParser p(path, options.smtputf8);
    p.skip();  // "<"
    Address addr;

    // A-d-l = At-domain *( "," At-domain ) ":" (rfc5321.txt:2266): checked,
    // then dropped.
    if (p.at('@')) {
        addr.has_route = true;
        while (true) {
            p.skip();  // "@"
            auto hop = p.domain(false);
            if (!hop) return hop.error();
            if (p.at(',')) {
                p.skip();
                if (!p.at('@')) return Error::syntax("invalid source route");
                continue;
            }
            if (!p.at(':')) return Error::syntax("invalid source route");
            p.skip();
            break;
        }
    }
    if (auto r = parse_mailbox(p, addr, options.allow_postmaster); !r) return r.error();
    if (!p.at('>') || p.pos() + 1 != extent) return Error::syntax("path must end with '>'");
    return PathPrefix{std::move(addr), text.substr(extent)};
}

Result<Address> parse_path(std::string_view text, const PathOptions& options) {
    auto r = parse_path_prefix(text, options);
    if (!r) return r.error();
    if (!r->rest.empty()) return Error::syntax("unexpected text after path");
    return std::move(r->address);
}

Result<Address> parse_addr_spec(std::string_view text, bool smtputf8) {
    // The same size budget as inside a path, minus the two brackets.
    if (text.size() > kMaxPath - 2) return Error::syntax("address longer than 254 octets");
    if (auto enc = check_encoding(text); !enc) return enc.error();
    MailboxParser p(text, smtputf8);
    Address addr;
    if (auto r = parse_mailbox(p, addr, false); !r) return r.error();
    if (p.pos() != text.size()) return Error::syntax("unexpected text after address");
    return addr;
}

Subaddress split_subaddress(std::string_view local_part, char separator) {
    const auto at = local_part.find(separator);
    if (at == std::string_view::npos || at == 0) return {local_part, std::nullopt};
    return {local_part.substr(0, at), local_part.substr(at + 1)};
}

}  // namespace mr::text
