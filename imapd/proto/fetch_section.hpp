// The section and partial of BODY[<section>]<<partial>> (RFC 3501 §6.4.5 FETCH,
// rfc3501.txt:3083), shared by the parser (proto/) that reads them and the renderer
// (render/) that cuts them out of a stored message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mr::imapd {

struct Section {
    // "1.2.3" → {1, 2, 3}; empty: the message itself.
    std::vector<std::uint32_t> part;
    // Full: BODY[] or BODY[1.2] (the part's content; for a message/rfc822 part its
    // whole encapsulated message). Header/HeaderFields/HeaderFieldsNot/Text: of the
    // message, or of the message/rfc822 part named by `part`. Mime: the MIME header
    // of the part named by `part` (never empty).
    enum class Kind { Full, Header, HeaderFields, HeaderFieldsNot, Text, Mime };
    Kind kind = Kind::Full;
    // HeaderFields / HeaderFieldsNot: field names as the client gave them (compare
    // case-insensitively; the response echoes them, upper-cased by convention).
    std::vector<std::string> fields;
};

// <offset.length>: bytes [offset, offset+length) of the section, clipped to its end.
struct Partial {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
};

struct BodySection {
    Section section;
    std::optional<Partial> partial;
    bool peek = false;  // BODY.PEEK: do not set \Seen
};

}  // namespace mr::imapd
