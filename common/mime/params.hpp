// Content-Type (RFC 2045 §5.1, rfc2045.txt:623) and Content-Disposition (RFC 2183)
// field values: a lowercased type, and parameters with RFC 2231 (rfc2231.txt:147)
// continuations joined and charset'language'%XX values decoded to UTF-8.
//
// Invariants:
//  - Tolerant: garbage between parameters is skipped up to the next ";", a parameter
//    without "=" is dropped, an unquoted value runs to ";" or "(" (so the RFC 2045
//    example "charset=us-ascii (Plain text)" and unquoted "name=my file.pdf" both work).
//  - Parameter names are lowercased (attribute matching is case-insensitive,
//    rfc2045.txt:687); values keep their case. The first of duplicate names wins.
//  - An RFC 2231 form of a parameter wins over a plain one of the same name (the
//    plain one is the legacy fallback senders add for old readers).
//  - Linear in the input size (plus n log n for sorting continuation sections).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mr::mime {

struct Param {
    std::string name;   // lowercased, without any RFC 2231 "*" or "*N" suffix
    std::string value;  // joined, percent-decoded and converted to UTF-8
    // True when any section used the RFC 2231 "*" form. RFC 9051 §7.5.2
    // (rfc9051.txt:5997) then names the decoded UTF-8 value "name*"; an IMAP4rev1
    // renderer may instead re-encode it as name*=utf-8''%XX (rfc2231.txt:245).
    bool extended = false;
    bool operator==(const Param&) const = default;
};

struct ContentType {
    std::string type;     // lowercased; empty when the field was syntactically invalid
    std::string subtype;  // lowercased
    std::vector<Param> params;
    bool valid() const { return !type.empty() && !subtype.empty(); }
};

struct ContentDisposition {
    std::string type;  // lowercased ("inline", "attachment", ...); empty if invalid
    std::vector<Param> params;
};

ContentType parse_content_type(std::string_view value);
ContentDisposition parse_content_disposition(std::string_view value);

// The ";"-separated parameter list starting at value[pos].
std::vector<Param> parse_parameters(std::string_view value, std::size_t pos = 0);

// Case-insensitive lookup; nullptr when absent.
const Param* find_param(const std::vector<Param>& params, std::string_view name);

}  // namespace mr::mime
