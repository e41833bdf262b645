// The request webd's core routes and the response it answers, as plain values.
//
// Invariants:
// - A Request is whole and within the limits (request_reader.hpp): header names are
//   lower-case, `path` and the query values are percent-decoded, `host` is the Host
//   header lower-cased without its port and without one trailing dot.
// - serialize() writes an HTTP/1.1 response with Content-Length always set (RFC 9112
//   §6.3: the body's end is never left to the connection's close); for HEAD the headers
//   are those of GET and no body follows (RFC 9110 §9.3.2).
#pragma once

#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/text/percent.hpp"

namespace mr::webd::proto {

struct Request {
    std::string method;  // "GET", "HEAD", "POST", "PUT", ... as http_parser names it
    std::string path;    // decoded, e.g. "/mail/config-v1.1.xml"
    std::vector<std::pair<std::string, std::string>> query;  // decoded name=value pairs, in order
    std::map<std::string, std::string> headers;               // lower-case names; a repeated one joined by ", "
    std::string host;
    std::string body;

    // The first value of query parameter `name` (compared ASCII case-insensitively: Outlook
    // and Thunderbird spell them differently); empty when absent.
    std::string query_value(std::string_view name) const;
};

struct Response {
    int status = 200;
    std::string content_type;  // empty: no body
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra ones, e.g. Allow
    bool close = false;  // Connection: close, then close the connection
};

// "OK", "Not Found", ... for the statuses webd answers.
std::string_view reason_phrase(int status);

// The response's bytes; `head` drops the body. `now` is the Date header's time.
std::string serialize(const Response& r, bool head, std::time_t now);

// A small error response: plain text naming the status.
Response error_response(int status, bool close = false);

// Percent-decoding of a URL component (RFC 3986 §2.1): '+' stays '+' ('+' is common in
// e-mail addresses); false for a bad escape or a NUL.
using text::percent_decode;

}  // namespace mr::webd::proto
