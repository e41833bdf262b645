#include "webd/proto/http_message.hpp"

#include <array>

#include "common/text/ascii.hpp"

namespace mr::webd::proto {

std::string Request::query_value(std::string_view name) const {
    for (const auto& [k, v] : query) {
        if (text::to_lower(k) == text::to_lower(name)) return v;
    }
    return {};
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 415: return "Unsupported Media Type";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 505: return "HTTP Version Not Supported";
        default: return "Error";
    }
}

namespace {

// RFC 9110 §5.6.7 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::time_t now) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::array<char, 64> buf{};
    std::size_t n = std::strftime(buf.data(), buf.size(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(buf.data(), n);
}

}  // namespace

std::string serialize(const Response& r, bool head, std::time_t now) {
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + std::string(reason_phrase(r.status)) + "\r\n";
    out += "Date: " + http_date(now) + "\r\n";
    out += "Server: mailroom\r\n";
    if (!r.content_type.empty()) {
        out += "Content-Type: " + r.content_type + "\r\n";
        out += "X-Content-Type-Options: nosniff\r\n";
    }
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    for (const auto& [name, value] : r.headers) out += name + ": " + value + "\r\n";
    if (r.close) out += "Connection: close\r\n";
    out += "\r\n";
    if (!head) out += r.body;
    return out;
}

Response error_response(int status, bool close) {
    Response r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::to_string(status) + " " + std::string(reason_phrase(status)) + "\n";
    r.close = close;
    return r;
}

}  // namespace mr::webd::proto
