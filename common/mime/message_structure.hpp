// The parsed shape of one message: what the mailbox index stores so that imapd can
// render ENVELOPE and BODYSTRUCTURE (RFC 3501 §7.4.2; grammar rfc3501.txt:4573-4740; RFC 9051
// §7.5.2) and seek to BODY[n.m] without re-reading the message (STYLE.md example 11).
//
// Invariants (established by parse_message, checked by deserialize):
//  - Offsets are bytes into the message: header_start <= body_start <= end <= size.
//    [header_start, body_start) is BODY[n.MIME] / BODY[n.HEADER] (blank line included),
//    [body_start, end) is BODY[n]; a part's end excludes the line end that precedes the
//    next boundary, which RFC 2046 assigns to the delimiter (rfc2046.txt:1083).
//  - Children lie inside their parent's body, in order, without overlap.
//  - kind == Multipart  <=> children.size() >= 1 (a multipart in which no boundary was
//    found gets one empty text/plain child, as Dovecot renders it, so every multipart
//    is renderable: body-type-mpart needs 1*body, rfc3501.txt:4634).
//  - kind == Message    <=> envelope present and exactly one child: the embedded
//    message's root part (its header_start == the parent's body_start).
//  - kind == Leaf       <=> no children, no envelope. A multipart/* or message/rfc822
//    beyond the depth/part limits, or a message/rfc822 with base64/quoted-printable
//    encoding (forbidden by rfc2046.txt:1582), is a Leaf that keeps its declared type.
//  - Strings hold header text unfolded and trimmed; 8-bit bytes pass through.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mime/address_list.hpp"
#include "common/mime/params.hpp"
#include "common/util/result.hpp"

namespace mr::mime {

// RFC 3501 ENVELOPE (rfc3501.txt:4279, grammar rfc3501.txt:4722). Strings are nullopt when the header is absent
// and "" when present but empty (rfc3501.txt:4304). RFC 2047 words are not decoded:
// IMAP sends them as written.
struct Envelope {
    std::optional<std::string> date, subject, in_reply_to, message_id;
    // Empty list = NIL. sender and reply_to already hold the From default that
    // rfc3501.txt:4336 requires, so a renderer writes them as they are.
    std::vector<Address> from, sender, reply_to, to, cc, bcc;
    bool operator==(const Envelope&) const = default;
};

enum class PartKind : std::uint8_t { Leaf = 0, Multipart = 1, Message = 2 };

struct Disposition {
    std::string type;  // lowercased
    std::vector<Param> params;
    bool operator==(const Disposition&) const = default;
};

struct Part {
    PartKind kind = PartKind::Leaf;
    std::uint64_t header_start = 0;
    std::uint64_t body_start = 0;
    std::uint64_t end = 0;
    // Lines of the body as IMAP sends it (rfc3501.txt:4620 body-fld-lines): LFs and bare
    // CRs, plus one for a final line without a line end. Counted for every part.
    std::uint64_t body_lines = 0;
    // Octets the IMAP form (common/text/message_data.hpp, section 4) adds to the header /
    // body range: one per bare LF and bare CR, two when the range ends the message with an
    // open last line. The IMAP size of a range is its raw size plus these; 0 means the
    // range is sent as stored.
    std::uint64_t header_extra = 0;
    std::uint64_t body_extra = 0;

    std::string type = "text";     // lowercased (rfc2045.txt:687)
    std::string subtype = "plain";
    std::vector<Param> params;     // default charset=us-ascii when no valid Content-Type
    std::optional<std::string> id;           // Content-ID (rfc2045.txt:1426)
    std::optional<std::string> description;  // Content-Description, undecoded
    std::string encoding;                    // Content-Transfer-Encoding token; "" = 7BIT
    std::optional<std::string> md5;          // Content-MD5
    std::optional<Disposition> disposition;  // Content-Disposition (RFC 2183)
    std::vector<std::string> language;       // Content-Language tags (RFC 3282)
    std::optional<std::string> location;     // Content-Location (RFC 2557)

    std::optional<Envelope> envelope;  // kind == Message only
    std::vector<Part> children;

    std::uint64_t body_size() const { return end - body_start; }
    std::uint64_t header_size() const { return body_start - header_start; }
    bool operator==(const Part&) const = default;
};

struct MessageStructure {
    std::uint64_t size = 0;  // octets of the whole message (root.end == size)
    Envelope envelope;       // of the top-level message
    Part root;               // header_start 0; the message's own header and body
    bool operator==(const MessageStructure&) const = default;
};

// Blob layout version; bump on any change of the encoding below or of what a field means.
// 2: header_extra / body_extra count bare CRs and the closed last line too (1 counted
// bare LFs only), body_lines counts bare CRs, and a bare CR ends a line for the parser (1:
// content). A version-1 blob of a message whose rfc822_size equals its size (no bare CR
// or LF, closed) is a valid version 2 blob but for its first byte (storage's index
// migration relies on this).
inline constexpr std::uint8_t kStructureBlobVersion = 2;

// Compact binary form for the mailbox index: version byte, then LEB128 integers and
// length-prefixed strings (layout in message_structure.cpp).
std::string serialize(const MessageStructure& structure);

// Inverse of serialize. Garbage, truncation, a wrong version or a blob that breaks the
// invariants above yields a Syntax error; never a crash or an unbounded allocation.
Result<MessageStructure> deserialize(std::string_view blob);
// The same into an existing object, reusing its strings' and vectors' memory: a FETCH
// decodes one blob per message and allocating every field anew was most of the cost.
// On error `out` holds unspecified (valid) contents.
Result<void> deserialize_into(std::string_view blob, MessageStructure& out);

// What a FETCH of RFC822.SIZE or a top-level header section needs of a message, read
// from the front of its blob without decoding (or allocating) the rest: deserialize()
// of every message of a mailbox costs more than the rest of such a FETCH together.
struct RootSizes {
    std::uint64_t size = 0;            // MessageStructure::size
    std::uint64_t body_start = 0;      // root.body_start: the header block is [0, body_start)
    std::uint64_t header_extra = 0;  // root.header_extra
    std::uint64_t body_extra = 0;    // root.body_extra

    // RFC822.SIZE: the whole message in IMAP form.
    std::uint64_t imap_size() const { return size + header_extra + body_extra; }
};
// Syntax error for a blob deserialize() would refuse for its front part (version,
// truncation, root offsets); the parts after the root's sizes are not checked.
Result<RootSizes> peek_root_sizes(std::string_view blob);

}  // namespace mr::mime
