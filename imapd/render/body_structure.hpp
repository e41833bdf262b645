// BODY and BODYSTRUCTURE (RFC 3501 §7.4.2, rfc3501.txt:4083 and :4125; grammar
// rfc3501.txt:4573-4640) from the mime::MessageStructure cached in the index: no
// message bytes are read.
//
// Invariants:
//  - Grammar first: every output parses as `body`. In particular
//      text/*          -> body-type-text: basic fields + body-fld-lines
//      message/rfc822  -> body-type-msg: basic fields + envelope + body + lines
//                         (message/global is basic: rfc3501.txt:4855 knows only RFC822,
//                         and an IMAP4rev1 client would misparse an envelope there)
//      multipart/*     -> body-type-mpart: 1*body + subtype (mime guarantees >= 1 child)
//      anything else   -> body-type-basic
//    A message/rfc822 part mime kept opaque (base64-encoded, beyond the depth limit)
//    still gets the body-type-msg shape, with an all-NIL envelope and an empty
//    text/plain body, because media-basic "MUST NOT" be MESSAGE/RFC822
//    (rfc3501.txt:4632) and clients index into that shape.
//  - Extension data (BODYSTRUCTURE only) is always complete: multipart gets
//    params, disposition, language, location; a leaf md5, disposition, language,
//    location (rfc3501.txt:4584, :4599), as Dovecot sends them.
//  - Spelling follows the RFC 3501 examples (rfc3501.txt:4151): type, subtype,
//    encoding, disposition type and parameter names upper-cased; parameter values as
//    written. A text/* part without a charset parameter gets CHARSET "us-ascii"
//    appended (the RFC 2045 default, rfc2045.txt:741), as Dovecot does. No encoding
//    field means "7BIT".
//  - Parameter values: mime has already joined RFC 2231 continuations and decoded
//    charsets to UTF-8 (and RFC 2047 words in quoted legacy values). A value that is
//    printable ASCII goes out under its plain name; any other value goes out RFC 2231
//    encoded as NAME* "utf-8''%XX..." (rfc2231.txt:236), so responses stay 7-bit as
//    IMAP4rev1 wants for header data (rfc3501.txt:4113) and clients still get the text.
//  - Sizes are wire sizes (wire_form.hpp); line counts are mime's body_lines, which a
//    bare LF -> CRLF conversion does not change.
#pragma once

#include <string>

#include "common/mime/message_structure.hpp"

namespace mr::imapd {

// BODYSTRUCTURE when `extensions`, else BODY.
void append_body_structure(std::string& out, const mime::Part& part, bool extensions);

inline void append_body_structure(std::string& out, const mime::MessageStructure& structure,
                                  bool extensions) {
    append_body_structure(out, structure.root, extensions);
}

}  // namespace mr::imapd
