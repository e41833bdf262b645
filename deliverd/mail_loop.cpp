#include "deliverd/mail_loop.hpp"

#include "common/mime/header_parser.hpp"
#include "common/text/ascii.hpp"

namespace mr::deliverd {

namespace {

using text::iequals;
std::string lower(std::string_view s) { return text::to_lower(s); }

// The bare address of a Delivered-To value: trimmed, without surrounding <>.
std::string bare_address(std::string_view raw) {
    std::size_t b = 0;
    std::size_t e = raw.size();
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (b < e && space(raw[b])) ++b;
    while (e > b && space(raw[e - 1])) --e;
    std::string_view v = raw.substr(b, e - b);
    if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
    return lower(v);
}

}  // namespace

TraceSummary scan_trace_headers(std::string_view message) {
    TraceSummary out;
    mime::HeaderScanner scanner(message);
    while (auto field = scanner.next()) {
        if (iequals(field->name, "Received")) {
            ++out.received;
        } else if (iequals(field->name, "Delivered-To")) {
            out.delivered_to.push_back(bare_address(field->raw_value));
        }
    }
    return out;
}

std::optional<std::string> loop_reason(const TraceSummary& trace, std::string_view target) {
    if (trace.received > kMaxReceived) {
        return "mail loop: too many Received: headers (" + std::to_string(trace.received) + ")";
    }
    const std::string t = lower(target);
    for (const auto& d : trace.delivered_to) {
        if (d == t) return "mail loop: message already carries Delivered-To: " + t;
    }
    return std::nullopt;
}

std::string trace_prefix(std::string_view sender, std::string_view target) {
    std::string out = "Return-Path: <";
    out += sender;
    out += ">\r\nDelivered-To: ";
    out += target;
    out += "\r\n";
    return out;
}

}  // namespace mr::deliverd
