// The addresses a message claims as its author in From: (RFC 5322 §3.6.2, rfc5322.txt:1252),
// for the submission check that a user only sends as addresses they own.
//
// Invariants:
// - Only the header block is read (mime::HeaderScanner stops at the empty line), and every
//   From: field counts, not only the first: a second one must not slip a forgery past.
// - Parsing is mime::parse_address_list, the parser IMAP ENVELOPE uses, so what is checked is
//   what a mail client will show.
// - A From: field that yields no complete local@domain (garbage, an empty group, a missing
//   domain) makes the result `unusable`: it claims an author nobody can own.
// - Addresses are returned once each (compared case-insensitively), in order of appearance.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mr::smtpd {

struct HeaderFrom {
    bool present = false;                // at least one From: field
    bool unusable = false;               // some From: content is not a local@domain address
    std::vector<std::string> addresses;  // "local@domain", distinct
};

HeaderFrom header_from(std::string_view message);

}  // namespace mr::smtpd
