// SEARCH keys that look at a message's content (RFC 3501 §6.4.4, rfc3501.txt:2776):
// HEADER, FROM, TO, CC, BCC, SUBJECT, BODY, TEXT, SENTBEFORE/ON/SINCE, LARGER,
// SMALLER. Flag, UID, sequence and arrival-date keys belong to the session's
// evaluator, which calls these for one message at a time.
//
// Invariants:
//  - Strings match as substrings under i;unicode-casemap (RFC 5051; the collation of
//    SORT, common/text/unicode_casemap.hpp: case-insensitive beyond ASCII, "é" found as
//    "e" U+0301 and the other way round) of text decoded
//    the way a reader sees it: header values unfolded and RFC 2047-decoded to UTF-8
//    (rfc2047.txt:180); bodies with their Content-Transfer-Encoding undone and their
//    charset converted to UTF-8. Text that cannot be converted (unknown charset,
//    invalid bytes) is matched as its raw bytes rather than skipped.
//  - SUBJECT matches the decoded header field of that name, every occurrence of the
//    field; HEADER does the same for any field. FROM/TO/CC/BCC match that too, and also
//    the field parsed as an address list (address_list.hpp), written one address a line
//    as "display name <mailbox@host>" with the name decoded, and group names as
//    entries of their own: "user@host" is found in "<user (comment)@ (comment) host>"
//    and a group's members under its name, as Dovecot finds them. The empty string
//    matches when the field is present (rfc3501.txt:2840), and only then.
//  - BODY looks at the decoded bodies of text/* leaf parts, at any depth, also
//    inside message/rfc822 parts; attachments of other types are not text, and no
//    header block is body (not even an encapsulated message's), as in Dovecot.
//  - TEXT is BODY plus every header block of the message: the top-level header, each
//    part's MIME header and each encapsulated message's header, as "Name: value"
//    lines with values decoded like HEADER's (Dovecot answers the same).
//  - Dates and sizes come from the cached structure only (no message bytes):
//    LARGER/SMALLER compare the wire size (RFC822.SIZE, wire_form.hpp).
//  - A MessageMatcher decodes lazily and keeps what it decoded, so several keys on
//    one message (an OR of FROM and SUBJECT, BODY and TEXT) decode it once. It holds
//    views of the message and structure: both must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/mime/message_structure.hpp"
#include "common/text/unicode_casemap.hpp"
#include "imapd/render/sent_date.hpp"

namespace mr::imapd {

// The i;unicode-casemap form of SEARCH's text: bytes that are not UTF-8 (text in a charset
// that could not be converted) are kept, so such text still matches ASCII
// case-insensitively (RFC 9051 §6.4.4 (rfc9051.txt:3843)).
inline std::string search_form(std::string_view text) {
    return text::unicode_casemap(text, text::InvalidUtf8::KeepBytes);
}

// A SEARCH string, prepared once, matched against many prepared haystacks.
class SearchString {
public:
    explicit SearchString(std::string_view utf8) : prepared_(search_form(utf8)) {}
    bool empty() const { return prepared_.empty(); }
    // True when this string occurs in `haystack` (already passed through search_form).
    bool found_in(std::string_view haystack) const { return haystack.find(prepared_) != std::string_view::npos; }

private:
    std::string prepared_;
};

class MessageMatcher {
public:
    MessageMatcher(std::string_view message, const mime::MessageStructure& structure)
        : message_(message), structure_(structure) {}

    // HEADER <field-name> <string> (rfc3501.txt:2836).
    bool header(std::string_view field_name, const SearchString& needle);
    bool from(const SearchString& needle) { return address_header("from", needle); }
    bool to(const SearchString& needle) { return address_header("to", needle); }
    bool cc(const SearchString& needle) { return address_header("cc", needle); }
    bool bcc(const SearchString& needle) { return address_header("bcc", needle); }
    bool subject(const SearchString& needle) { return header("subject", needle); }
    // BODY <string> (rfc3501.txt:2815) and TEXT <string> (rfc3501.txt:2923).
    bool body(const SearchString& needle);
    bool text(const SearchString& needle);

private:
    struct DecodedField {
        std::string name;    // as written
        std::string prepared;  // unfolded, RFC 2047-decoded value in search_form
        std::string_view raw;  // the value as written (in message_)
        std::optional<std::string> addresses;  // address lines in search_form, made on first use
    };
    bool address_header(std::string_view field_name, const SearchString& needle);
    std::vector<DecodedField>& fields();
    void decode_parts();
    void collect(const mime::Part& part);

    std::string_view message_;
    const mime::MessageStructure& structure_;
    std::optional<std::vector<DecodedField>> fields_;  // top-level header, for HEADER & co
    bool parts_decoded_ = false;
    std::vector<std::string> bodies_;   // decoded text/* bodies in search_form
    std::vector<std::string> headers_;  // "Name: value\n" text of every header block, in search_form
};

// SENTBEFORE / SENTON / SENTSINCE (rfc3501.txt:2884): nullopt when the message has no
// usable Date: (the caller decides; Dovecot then uses the internal date).
std::optional<bool> sent_before(const mime::MessageStructure& structure, CivilDate date);
std::optional<bool> sent_on(const mime::MessageStructure& structure, CivilDate date);
std::optional<bool> sent_since(const mime::MessageStructure& structure, CivilDate date);

// LARGER <n> / SMALLER <n> (rfc3501.txt:2847, :2900): strictly larger / smaller.
bool larger(const mime::MessageStructure& structure, std::uint64_t n);
bool smaller(const mime::MessageStructure& structure, std::uint64_t n);

}  // namespace mr::imapd
