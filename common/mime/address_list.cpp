#include "common/mime/address_list.hpp"

#include "common/mime/encoded_words.hpp"
#include "common/mime/rfc822_lexer.hpp"

namespace mr::mime {
namespace {

enum class Tok { Word, Special, Literal, Comment };

struct Token {
    Tok kind = Tok::Word;
    std::string text;        // word (unquoted), literal "[..]", comment text
    char special = 0;        // for Tok::Special
    bool space_before = false;
};

// RFC 5322 §3.2.3 (rfc5322.txt:647): specials; "(", "\"" and "[" open their own tokens.
bool is_special(char c) {
    switch (c) {
        case '<': case '>': case ':': case ';': case '@': case ',': case '.': case ')': case ']':
            return true;
        default:
            return false;
    }
}

// An RFC 2047 word is an atom to RFC 5322 (rfc2047.txt:231), but real senders put
// "," or "@" inside Q-encoded display names; take the whole word as one token.
std::size_t match_encoded_word(std::string_view s, std::size_t pos) {
    std::size_t i = pos + 2;
    int questions = 0;
    while (i < s.size() && !lex::is_space(s[i])) {
        if (s[i] == '?') {
            ++questions;
            if (questions == 3) {
                return (i + 1 < s.size() && s[i + 1] == '=') ? i + 2 : 0;
            }
        }
        ++i;
    }
    return 0;
}

std::vector<Token> tokenize(std::string_view s) {
    std::vector<Token> toks;
    std::size_t pos = 0;
    bool space = false;
    while (pos < s.size()) {
        const char c = s[pos];
        Token t;
        t.space_before = space;
        if (lex::is_space(c)) {
            space = true;
            ++pos;
            continue;
        }
        if (c == '(') {
            t.kind = Tok::Comment;
            t.text = std::string(lex::trim(lex::read_comment(s, pos)));
            toks.push_back(std::move(t));
            space = true;
            continue;
        }
        space = false;
        if (c == '"') {
            t.text = lex::read_quoted(s, pos);
        } else if (c == '[') {
            // RFC 5322 §3.4.1 domain-literal, kept with its brackets as IMAP hosts are.
            const std::size_t b = pos;
            while (pos < s.size() && s[pos] != ']') pos += (s[pos] == '\\' && pos + 1 < s.size()) ? 2 : 1;
            if (pos < s.size()) ++pos;
            t.kind = Tok::Literal;
            t.text = std::string(s.substr(b, pos - b));
        } else if (is_special(c)) {
            t.kind = Tok::Special;
            t.special = c;
            ++pos;
        } else {
            std::size_t end = 0;
            if (c == '=' && pos + 1 < s.size() && s[pos + 1] == '?') end = match_encoded_word(s, pos);
            if (end == 0) {
                end = pos;
                while (end < s.size() && !lex::is_space(s[end]) && !is_special(s[end]) &&
                       s[end] != '(' && s[end] != '"' && s[end] != '[') {
                    ++end;
                }
            }
            t.text = std::string(s.substr(pos, end - pos));
            pos = end;
        }
        toks.push_back(std::move(t));
    }
    return toks;
}

class Parser {
public:
    explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

    std::vector<Address> run() {
        std::vector<Address> out;
        bool in_group = false;
        while (i_ < t_.size() && out.size() + 1 < kMaxAddresses) {
            if (special(',')) { ++i_; continue; }  // obs-addr-list null members
            if (special(';')) {
                ++i_;
                if (in_group) out.push_back(Address{});  // end of group marker
                in_group = false;
                continue;
            }
            const std::size_t start = i_;
            while (i_ < t_.size() && !stop_here()) ++i_;
            const std::size_t stop = i_;
            if (special(':')) {
                ++i_;
                if (in_group) continue;  // nested group: not allowed, ignore the colon
                // RFC 3501 rfc3501.txt:4300: start marker, mailbox holds the group phrase.
                out.push_back(Address{std::nullopt, std::nullopt, phrase(start, stop), std::nullopt});
                in_group = true;
            } else if (special('<')) {
                ++i_;
                Address a = angle_addr();
                std::string name = phrase(start, stop);
                if (!name.empty()) a.name = std::move(name);
                out.push_back(std::move(a));
                skip_garbage();
            } else if (special('@')) {
                Address a = addr_spec(start, stop);
                // A stray "@" with nothing around it is noise, not an address.
                if (a.name || !a.mailbox->empty() || !a.host->empty()) out.push_back(std::move(a));
            } else {
                // A bare word sequence: a local part with no domain at all.
                std::string local = phrase(start, stop);
                if (!local.empty()) out.push_back(Address{std::nullopt, std::nullopt, local, ""});
                if (special('>')) ++i_;
            }
        }
        if (in_group) out.push_back(Address{});  // keep markers balanced
        return out;
    }

private:
    bool special(char c) const {
        return i_ < t_.size() && t_[i_].kind == Tok::Special && t_[i_].special == c;
    }
    bool stop_here() const {
        return special('<') || special(':') || special('@') || special(',') || special(';') ||
               special('>');
    }

    // Display-name text: words joined with one space where the source had space.
    std::string phrase(std::size_t b, std::size_t e) const {
        std::string out;
        bool pending_space = false;
        for (std::size_t k = b; k < e; ++k) {
            const Token& t = t_[k];
            if (t.kind == Tok::Comment) { pending_space = true; continue; }
            if (t.kind == Tok::Special && t.special != '.') continue;  // stray ')' or ']'
            if (!out.empty() && (t.space_before || pending_space)) out.push_back(' ');
            pending_space = false;
            if (t.kind == Tok::Special) out.push_back('.');
            else out += t.text;
        }
        return out;
    }

    // Dot-separated words or a literal, CFWS between elements ignored (obs-domain,
    // obs-local-part, rfc5322.txt:1939).
    std::string dotted(bool allow_literal) {
        std::string out;
        while (i_ < t_.size()) {
            const Token& t = t_[i_];
            if (t.kind == Tok::Comment) {
                // Skip a comment before the run ("@ (x) host") or inside it ("john.(x)doe");
                // one after the run is left for the caller ("user@host (Full Name)").
                std::size_t j = i_;
                while (j < t_.size() && t_[j].kind == Tok::Comment) ++j;
                const bool dot_next = j < t_.size() && t_[j].kind == Tok::Special && t_[j].special == '.';
                const bool after_dot = !out.empty() && out.back() == '.';
                if (!out.empty() && !dot_next && !after_dot) break;
                i_ = j;
                continue;
            }
            if (t.kind == Tok::Word || (allow_literal && t.kind == Tok::Literal)) {
                out += t.text;
            } else if (t.kind == Tok::Special && t.special == '.') {
                out.push_back('.');
            } else {
                break;
            }
            ++i_;
        }
        return out;
    }

    Address addr_spec(std::size_t start, std::size_t stop) {
        // The local part is the last dotted run before "@"; words before it are a
        // display name written without angle brackets ("John Doe john@host").
        std::size_t run = stop;
        while (run > start) {
            const Token& t = t_[run - 1];
            const bool joins = t.kind == Tok::Special ? t.special == '.'
                                                      : t.kind == Tok::Word;
            if (!joins) break;
            --run;
            if (t.kind == Tok::Word && t.space_before && run > start &&
                !(t_[run - 1].kind == Tok::Special && t_[run - 1].special == '.')) {
                break;
            }
        }
        Address a;
        std::string name = phrase(start, run);
        std::size_t save = i_;
        i_ = run;
        a.mailbox = dotted(false);
        i_ = save + 1;  // past "@"
        a.host = dotted(true);
        // Legacy "user@host (Full Name)": the last comment up to the next "," names it.
        std::string comment;
        while (i_ < t_.size() && !special(',') && !special(';')) {
            if (t_[i_].kind == Tok::Comment && !t_[i_].text.empty()) comment = t_[i_].text;
            ++i_;
        }
        if (!name.empty()) a.name = std::move(name);
        else if (!comment.empty()) a.name = std::move(comment);
        return a;
    }

    // After "<": [obs-route] addr-spec ">" (rfc5322.txt:1926).
    Address angle_addr() {
        Address a;
        skip_comments();
        if (special('@')) {
            std::string route;
            const std::size_t route_start = i_;
            while (special('@') || special(',')) {
                if (special(',')) { ++i_; skip_comments(); continue; }
                ++i_;
                std::string d = dotted(true);
                if (d.empty()) continue;  // "@," : an empty obs-domain-list element
                if (!route.empty()) route.push_back(',');
                route += "@" + d;
                skip_comments();
            }
            if (special(':')) {
                ++i_;
                a.adl = std::move(route);
            } else {
                i_ = route_start;  // "<@host>": no route, just a missing local part
            }
        }
        a.mailbox = dotted(false);
        a.host = "";
        skip_comments();
        if (special('@')) {
            ++i_;
            a.host = dotted(true);
        }
        while (i_ < t_.size() && !special('>') && !special(',') && !special(';')) ++i_;
        if (special('>')) ++i_;
        return a;
    }

    void skip_comments() {
        while (i_ < t_.size() && t_[i_].kind == Tok::Comment) ++i_;
    }
    void skip_garbage() {
        while (i_ < t_.size() && !special(',') && !special(';')) ++i_;
    }

    std::vector<Token> t_;
    std::size_t i_ = 0;
};

}  // namespace

std::vector<Address> parse_address_list(std::string_view value) {
    return Parser(tokenize(value)).run();
}

std::string display_name(const Address& address) {
    return address.name ? decode_encoded_words(*address.name) : std::string();
}

}  // namespace mr::mime
