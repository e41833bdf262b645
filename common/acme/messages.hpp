// mr::acme messages: the JSON ACME servers send (RFC 8555 §7.1) read into plain structs,
// and the request payloads we send. Pure: the client (client.hpp) does the HTTP.
//
// Invariants:
// - A response that is not JSON or lacks a field the flow needs is an Error, never an
//   exception out of this file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"

namespace mr::acme {

struct Directory {
    std::string new_nonce;
    std::string new_account;
    std::string new_order;
};

struct Order {
    std::string status;  // pending | ready | processing | valid | invalid
    std::vector<std::string> authorizations;
    std::string finalize;
    std::string certificate;  // once valid
};

struct Challenge {
    std::string type;  // "http-01", ...
    std::string url;
    std::string token;
    std::string status;
};

struct Authorization {
    std::string status;      // pending | valid | invalid | ...
    std::string identifier;  // the DNS name
    std::vector<Challenge> challenges;
    std::string error;  // detail of a failed challenge, if any
};

Result<Directory> parse_directory(std::string_view json);
Result<Order> parse_order(std::string_view json);
Result<Authorization> parse_authorization(std::string_view json);
// Status of a challenge object (the answer to our POST to its URL).
Result<std::string> parse_status(std::string_view json);
// "type: detail" of an RFC 7807 problem document, or the body itself.
std::string problem_text(std::string_view body);

std::string new_account_payload(std::string_view email);
std::string new_order_payload(const std::vector<std::string>& names);
// {"csr": base64url(DER)}
std::string finalize_payload(std::string_view csr_der);

// Seconds from a Retry-After header value (delta-seconds only); `fallback` otherwise.
long retry_after_seconds(std::string_view header_value, long fallback);

}  // namespace mr::acme
