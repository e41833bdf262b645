// ArgCursor: reads the IMAP argument grammar (RFC 3501 §9, rfc3501.txt:4487) from a
// RawCommand, one production at a time, for the command parsers.
//
// Invariants:
//  - SP is exactly one space (rfc3501.txt:4508); nothing is skipped implicitly.
//  - A literal is only recognised where CommandReader saw one: its marker must end
//    exactly at a recorded LiteralSpan, and no quoted string or atom runs into a
//    literal's octets. Framing and parsing can therefore never disagree.
//  - NUL is refused everywhere except inside literal octets (rfc3501.txt:4512); the
//    callers that care (mailbox names, flags) check their values themselves.
//  - Keywords compare case-insensitively (rfc3501.txt:4502).
//  - Errors are mr::Error of kind Syntax with a short reason naming what was expected;
//    they never echo client bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/text/ascii.hpp"
#include "common/util/result.hpp"
#include "imapd/proto/command_reader.hpp"

namespace mr::imapd {

// CTL = %x00-1F / %x7F (RFC 2234).
constexpr bool is_ctl(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}
// ATOM-CHAR = <any CHAR except atom-specials> (rfc3501.txt:4556); CHAR is 7-bit.
constexpr bool is_atom_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || is_ctl(c)) return false;
    switch (c) {
        case '(': case ')': case '{': case ' ': case '%': case '*': case '"': case '\\': case ']':
            return false;
        default:
            return true;
    }
}
// ASTRING-CHAR = ATOM-CHAR / resp-specials (rfc3501.txt:4552).
constexpr bool is_astring_char(char c) { return is_atom_char(c) || c == ']'; }
// tag = 1*<any ASTRING-CHAR except "+"> (rfc3501.txt:5061).
constexpr bool is_tag_char(char c) { return is_astring_char(c) && c != '+'; }
// list-char = ATOM-CHAR / list-wildcards / resp-specials (rfc3501.txt:4797).
constexpr bool is_list_char(char c) { return is_astring_char(c) || c == '%' || c == '*'; }

class ArgCursor {
public:
    explicit ArgCursor(const RawCommand& cmd);

    bool at_end() const { return pos_ >= bytes_.size(); }
    std::size_t pos() const { return pos_; }
    // The next octet of plain text, or NUL at the end of the text run (at the end of
    // the command or where literal octets begin: those are read through literal()).
    char peek() const { return pos_ < text_limit() ? bytes_[pos_] : '\0'; }

    // Consumes `c` if it is next.
    bool eat(char c);
    // SP (exactly one space).
    Result<void> sp();
    Result<void> expect(char c, const char* what);
    // The command must end here.
    Result<void> end();

    // Consumes `word` (case-insensitive) if the next atom is exactly that word.
    bool eat_keyword(std::string_view word);
    // Consumes `prefix` (case-insensitive) if the text goes on with it, whatever follows.
    bool eat_prefix(std::string_view prefix);
    // atom = 1*ATOM-CHAR; the view points into the command.
    Result<std::string_view> atom(const char* what);
    // 1*ASTRING-CHAR without quoting, as a view (tags, keywords with "]").
    Result<std::string_view> astring_atom(const char* what);
    // Consumes the longest run of plain-text octets satisfying `pred`.
    std::string_view take_while(bool (*pred)(char));
    // The run of ATOM-CHARs at the cursor, not consumed (for choosing a production).
    std::string_view peek_atom() const;

    // quoted = DQUOTE *QUOTED-CHAR DQUOTE (rfc3501.txt:4901); literal (rfc3501.txt:4801).
    Result<std::string> string(const char* what);
    // astring = 1*ASTRING-CHAR / string (rfc3501.txt:4550).
    Result<std::string> astring(const char* what);
    // nstring = string / nil (rfc3501.txt:4889).
    Result<std::optional<std::string>> nstring(const char* what);
    // list-mailbox = 1*list-char / string (rfc3501.txt:4795).
    Result<std::string> list_mailbox(const char* what);
    // mailbox = "INBOX" / astring, INBOX in any case normalised to "INBOX"
    // (rfc3501.txt:4823).
    Result<std::string> mailbox(const char* what);
    // The octets of a literal as a span of the command (for APPEND's message). With
    // allow_literal8, also literal8 = "~{" number "}" CRLF *OCTET (RFC 3516 §7; its octets
    // may hold NUL, which CommandReader passes in any literal).
    Result<LiteralSpan> literal(const char* what, bool allow_literal8 = false);
    // The octets of a span literal() returned.
    std::string_view span_text(const LiteralSpan& span) const { return bytes_.substr(span.offset, span.size); }

    // number = 1*DIGIT, unsigned 32-bit (rfc3501.txt:4891).
    Result<std::uint32_t> number(const char* what);
    // nz-number = digit-nz *DIGIT (rfc3501.txt:4895).
    Result<std::uint32_t> nz_number(const char* what);
    // number64 (RFC 9051 §9 rfc9051.txt:6793), for sizes.
    Result<std::uint64_t> number64(const char* what);

private:
    // End of the plain text run starting at pos_: the next literal's octets begin there.
    std::size_t text_limit() const;
    std::size_t atom_end(bool allow_bracket) const;
    Result<std::string> quoted(const char* what);
    Result<std::string> literal_string(const char* what);

    std::string_view bytes_;
    const RawCommand* cmd_;
    std::size_t pos_ = 0;
    std::size_t next_literal_ = 0;  // index into cmd_->literals of the next one ahead
};

Error syntax_error(std::string_view expected);

}  // namespace mr::imapd
