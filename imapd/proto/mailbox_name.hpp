// Mailbox-name rules the session applies before a name reaches the store, and LIST
// wildcard matching (RFC 3501 §5.1 (rfc3501.txt:964), §6.3.8 (rfc3501.txt:2191)).
//
// Invariants:
//  - The hierarchy delimiter is "/" (kHierarchyDelimiter); names are checked in their
//    decoded UTF-8 form, after mutf7_decode.
//  - A name that passes validate_mailbox_name() cannot name anything outside the
//    user's own store: no ".." or "." component, no leading "/", no "~", no NUL or other
//    control character, no empty component (so no "//" and no trailing "/"), at most
//    kMaxMailboxNameOctets octets and kMaxMailboxDepth levels. It holds no LIST
//    wildcard either, so every name can be listed unambiguously. Nor U+2028/U+2029
//    (Net-Unicode, RFC 6855 §3, rfc6855.txt:191); NFC is not checked.
//  - Each refusal is Refused with a reason fit for "NO <reason>" (no client bytes).
//  - list_match() is linear in pattern × name: no backtracking blow-up on "*%*%*".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::imapd {

inline constexpr char kHierarchyDelimiter = '/';
inline constexpr std::size_t kMaxMailboxNameOctets = 255;
inline constexpr std::size_t kMaxMailboxDepth = 16;

// Checks a decoded (UTF-8) mailbox name. For CREATE, strip one trailing delimiter
// first (rfc3501.txt:1911: "foo/" asks for a name that will have inferiors).
Result<void> validate_mailbox_name(std::string_view utf8_name);

// The session's one call for a mailbox argument: modified UTF-7 → UTF-8 (mutf7.hpp),
// then validate_mailbox_name(). Every failure is Refused with a reason, for
// "NO <reason>" (rfc3501.txt:1105: servers check CREATE names). For CREATE, strip one
// trailing delimiter from the wire name first.
Result<std::string> decode_mailbox_name(std::string_view wire_name);

// How the client spells mailbox names: modified UTF-7 (IMAP4rev1), or UTF-8 once it
// enabled UTF8=ACCEPT or IMAP4rev2 (RFC 6855 §3, RFC 9051 §5.1); then "&" is itself.
enum class NameForm : bool { Mutf7, Utf8 };

// decode_mailbox_name in the session's form. A name with 8-bit octets is UTF-8 in
// either form: modified UTF-7 never has any, and RFC 6855 §3 (rfc6855.txt:189) has a
// server that advertises UTF8=ACCEPT take UTF-8 quoted names even from IMAP4rev1 clients.
Result<std::string> decode_mailbox_name(std::string_view wire_name, NameForm form);

// The stored (UTF-8) name as a client using `form` spells it.
std::string encode_mailbox_name(const std::string& utf8_name, NameForm form);

// True when `name` matches the LIST pattern: "*" matches any run of characters
// including the delimiter, "%" any run without it (rfc3501.txt:2322). Other octets
// match themselves, except that a leading "INBOX" component matches case-insensitively
// (INBOX is case-insensitive, rfc3501.txt:4823). Pattern and name must be in the same
// form (both decoded, or both mUTF-7).
bool list_match(std::string_view pattern, std::string_view name);

// The LIST argument pair as RFC 3501 combines it (rfc3501.txt:2247): the reference
// name is prepended to the pattern, with a delimiter between them unless one is
// already there. An empty reference leaves the pattern alone.
std::string list_pattern(std::string_view reference, std::string_view pattern);

}  // namespace mr::imapd
