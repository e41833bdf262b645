// The "base subject" of RFC 5256 §2.1 (rfc5256.txt:92), by which SORT SUBJECT orders and
// THREAD groups messages, with its collation key.
//
// Invariants:
//  - Exactly the RFC's steps (1)-(7), in its order: encoded words decoded first
//    (decode_encoded_words), tabs and line ends made spaces and runs of spaces collapsed,
//    then trailers ("(fwd)", white space), leaders ("Re:", "Fw:", "Fwd:", each with
//    "[blob]"s before and one inside, and white space), lone leading "[blob]"s that do not
//    leave the subject empty, and "[fwd: ... ]" around the whole, until nothing changes.
//    Keywords match case-insensitively ("RE:", "fWd").
//  - `reply_or_forward` is the REFERENCES algorithm's test (rfc5256.txt:440): a subj-refwd,
//    a "(fwd)" trailer or a "[fwd: ...]" pair was removed.
//  - `key` is `text` in i;unicode-casemap's form (text::unicode_casemap, RFC 5256 §7
//    (rfc5256.txt:860)): what SORT and THREAD compare, byte-wise.
//  - Linear in the subject's length per removal; the input may be any bytes.
#pragma once

#include <string>
#include <string_view>

namespace mr::imapd {

struct BaseSubject {
    std::string text;  // the base subject, UTF-8 where the subject was decodable
    std::string key;   // text::unicode_casemap(text)
    bool reply_or_forward = false;
};

// `subject`: the Subject field's value as written (encoded words and all).
BaseSubject base_subject(std::string_view subject);

}  // namespace mr::imapd
