// RequestReader: HTTP/1.1 requests out of a byte stream, parsed by http_parser (Debian's
// libhttp-parser; see HACKING.md for the choice), under webd's limits.
//
// Invariants:
// - The grammar is http_parser's; this class only counts, collects and decides. Bytes of
//   the request line and header fields over max_header_bytes (or more than kMaxHeaderFields
//   fields) end the request with 431, a target alone over the limit with 414, a body
//   (announced by Content-Length, or received chunked) over max_body_bytes with 413, a
//   method http_parser does not know with 501 (bytes that are no method token: 400), and
//   anything else it refuses with 400.
//   After an error the reader stays failed: the connection is to be closed.
// - Requests on one connection are read one at a time: feed() stops at the end of a request
//   and says how many bytes it used; next() readies the reader for the following one
//   (pipelined bytes are fed again by the caller).
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "webd/proto/http_message.hpp"

namespace mr::webd::proto {

inline constexpr std::size_t kMaxHeaderFields = 64;

struct ReaderLimits {
    std::size_t max_header_bytes = 8192;
    std::size_t max_body_bytes = 64 * 1024;
};

class RequestReader {
public:
    enum class State { Reading, Complete, Failed };

    explicit RequestReader(ReaderLimits limits);
    RequestReader(const RequestReader&) = delete;
    RequestReader& operator=(const RequestReader&) = delete;

    // Parses from `data`; returns the bytes used. Stops early at Complete or Failed.
    std::size_t feed(std::string_view data);

    State state() const { return state_; }
    // Complete: the request, and whether the connection may carry another (keep-alive, and
    // no Upgrade/CONNECT).
    Request& request() { return request_; }
    bool keep_alive() const { return keep_alive_; }
    // Failed: the status to answer with.
    int error_status() const { return error_status_; }
    // Some byte of a request not yet complete has arrived.
    bool started() const { return started_; }
    // The request asked "Expect: 100-continue" (RFC 9110 §10.1.1) and its body is still to
    // come: the caller answers 100 once. Taking it clears it.
    bool take_continue() { return std::exchange(continue_, false); }

    // After Complete: ready for the next request on the connection.
    void next();

private:
    static int on_message_begin(http_parser* p);
    static int on_url(http_parser* p, const char* at, std::size_t len);
    static int on_header_field(http_parser* p, const char* at, std::size_t len);
    static int on_header_value(http_parser* p, const char* at, std::size_t len);
    static int on_headers_complete(http_parser* p);
    static int on_body(http_parser* p, const char* at, std::size_t len);
    static int on_message_complete(http_parser* p);

    bool count_header_bytes(std::size_t len);
    void commit_header();
    bool finish_target();
    int fail(int status);

    ReaderLimits limits_;
    http_parser parser_{};
    http_parser_settings settings_{};
    State state_ = State::Reading;
    Request request_;
    std::string url_;
    std::string field_;
    std::string value_;
    bool in_value_ = false;
    std::size_t header_bytes_ = 0;
    std::size_t fields_ = 0;
    bool keep_alive_ = false;
    bool started_ = false;
    bool continue_ = false;
    int error_status_ = 0;
    // The request's first bytes, to tell an unknown method from garbage.
    static constexpr std::size_t kHeadKept = 24;
    std::string head_;
    // http_parser refused the method, but what came so far could still be the start of a
    // method token: 400 or 501 is decided once the token ends, not on a partial read.
    bool method_refused_ = false;
};

}  // namespace mr::webd::proto
