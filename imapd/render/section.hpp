// BODY[section]<partial>, RFC822, RFC822.HEADER, RFC822.TEXT (RFC 3501 §6.4.5,
// rfc3501.txt:3046-3130): which bytes of a stored message a section names.
//
// Invariants:
//  - Part numbers are resolved on the cached structure alone, as Dovecot does: a
//    multipart's n-th child is n; a non-multipart part has only part 1, itself
//    (rfc3501.txt:3055); a message/rfc822 part followed by more numbers continues
//    inside its encapsulated message (rfc3501.txt:3064). A number that names no part
//    gives an empty section, never an error (the parser cannot know the structure).
//  - HEADER, HEADER.FIELDS[.NOT] and TEXT apply to the message itself (no part
//    number) or to the message encapsulated in a message/rfc822 part; on any other
//    part they give an empty section. MIME is the part's own header block.
//  - Header fetches include the blank line that ends the header; HEADER.FIELDS[.NOT]
//    keep each selected field whole (folded lines included, in stored order) and end
//    with CRLF iff the header had its blank line (rfc3501.txt:3092-3096).
//  - Everything is in wire form (wire_form.hpp), and <partial> offsets count wire
//    octets after subsetting (rfc3501.txt:3152).
//  - Only HEADER.FIELDS[.NOT] needs message bytes to know its content (the header
//    block, which is small); every other section is a file range whose wire size
//    is known from the structure alone, so a server can stream it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mime/message_structure.hpp"
#include "imapd/proto/fetch_section.hpp"

namespace mr::imapd {

// Where a section's bytes are, before <partial>.
struct SectionRange {
    enum class Kind {
        Empty,         // no such part: the section is ""
        FileRange,     // message[begin, end) in wire form
        HeaderSubset,  // HEADER.FIELDS[.NOT] of the header block message[begin, end)
    };
    Kind kind = Kind::Empty;
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
    // Octets the IMAP form adds to the range (mime::Part::header_extra / body_extra; 0:
    // send the file bytes as they are).
    std::uint64_t extra = 0;

    // Streaming a FileRange: with extra == 0 send file bytes [begin + skip, +length)
    // of apply_partial(wire_size(), partial); otherwise read from `begin` and feed a
    // WireStreamer(skip, length), then finish() it when `end` is the message's end.
    // Ranges always start at a line start (or the file's start), so the streamer's
    // default "previous byte" is right.
    // FileRange / Empty only: the size in octets as sent.
    std::uint64_t wire_size() const { return kind == Kind::FileRange ? end - begin + extra : 0; }
};

// RFC822 = BODY[], RFC822.HEADER = BODY[HEADER], RFC822.TEXT = BODY[TEXT]
// (rfc3501.txt:3179-3201; answered under their own names, and RFC822.HEADER never
// sets \Seen); RFC822.SIZE is wire_size() (wire_form.hpp).
inline Section rfc822_section(Section::Kind kind = Section::Kind::Full) {
    Section s;
    s.kind = kind;
    return s;
}

// The part a list of part numbers names, or nullptr. An empty list names the
// message itself (the root).
const mime::Part* find_part(const mime::MessageStructure& structure,
                            const std::vector<std::uint32_t>& numbers);

SectionRange locate_section(const mime::MessageStructure& structure, const Section& section);

// The HEADER.FIELDS (negate = false) or HEADER.FIELDS.NOT (negate = true) subset of
// the header block `header` (from its first field through its blank line), in wire form.
std::string filter_header(std::string_view header, const std::vector<std::string>& fields,
                          bool negate);

// filter_header() prepared once for a FETCH item and applied to every message
// (Thunderbird's first sync runs it on every message of a mailbox): the names are
// lowercased once and a field's name is checked against their lengths before any
// compare, the header lines are split inline (mime::HeaderScanner's rules), and a block
// known to be in IMAP form already is copied field by field instead of through append_wire().
class HeaderFieldFilter {
public:
    HeaderFieldFilter(const std::vector<std::string>& fields, bool negate);
    // Appends filter_header(header, fields, negate) to `out`. as_sent: the caller knows
    // the block is its own IMAP form (its header_extra is 0); false is always safe.
    void append(std::string& out, std::string_view header, bool as_sent = false) const;
    bool wanted(std::string_view name) const;

private:
    std::vector<std::string> fields_;  // lowercase
    std::uint64_t lengths_ = 0;  // bit n set: a wanted name has n octets (bit 63: 63 or more)
    bool negate_ = false;
};

// The complete section content in wire form, with <partial> applied: for tests and
// for small sections. `message` is the whole stored file.
std::string fetch_section(std::string_view message, const mime::MessageStructure& structure,
                          const Section& section, std::optional<Partial> partial = std::nullopt);

// <partial> on content of `size` wire octets: the [skip, skip + length) to send.
struct Slice {
    std::uint64_t skip = 0;
    std::uint64_t length = 0;
};
Slice apply_partial(std::uint64_t size, std::optional<Partial> partial);

// The response item name: "BODY[1.2.HEADER.FIELDS (FROM TO)]<0>" (msg-att-static,
// rfc3501.txt:4881; the origin only, rfc3501.txt:4095). BODY.PEEK answers as BODY.
void append_section_name(std::string& out, const BodySection& body_section);

}  // namespace mr::imapd
