#include "common/dkim/canonicalization.hpp"

#include "common/text/ascii.hpp"

namespace mr::dkim {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// Removes CR and LF (unfolding), collapses WSP runs to one SP, trims both ends.
std::string relaxed_value(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    bool pending_space = false;
    for (char c : raw) {
        if (c == '\r' || c == '\n') continue;
        if (is_wsp(c)) {
            pending_space = true;
            continue;
        }
        if (pending_space && !out.empty()) out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

}  // namespace

std::string relaxed_header(std::string_view name, std::string_view raw_value) {
    while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
    std::string out = text::to_lower(name);
    out += ':';
    out += relaxed_value(raw_value);
    out += "\r\n";
    return out;
}

std::string simple_header(std::string_view name, std::string_view raw_value) {
    std::string out(name);
    out += ':';
    std::string_view v = raw_value;
    if (!v.empty() && v.back() == '\n') v.remove_suffix(1);
    if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
    // Inner line ends of a folded field become CRLF too.
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '\n' && (i == 0 || v[i - 1] != '\r')) out += '\r';
        out += v[i];
    }
    out += "\r\n";
    return out;
}

BodyCanonicalizer::BodyCanonicalizer(Canon canon, Sink sink) : canon_(canon), sink_(std::move(sink)) {}

void BodyCanonicalizer::emit(std::string_view bytes) {
    emitted_ += bytes.size();
    sink_(bytes);
}

void BodyCanonicalizer::feed(std::string_view bytes) {
    for (char c : bytes) {
        if (c == '\n') {
            if (!line_.empty() && line_.back() == '\r') line_.pop_back();
            end_line();
            continue;
        }
        line_ += c;
    }
}

void BodyCanonicalizer::end_line() {
    std::string_view line = line_;
    std::string relaxed;
    if (canon_ == Canon::Relaxed) {
        relaxed.reserve(line.size());
        bool space = false;
        for (char c : line) {
            if (is_wsp(c)) {
                space = true;
                continue;
            }
            if (space) relaxed += ' ';
            space = false;
            relaxed += c;
        }
        // A run of WSP at the end of the line is dropped (space still pending here).
        line = relaxed;
    }
    if (line.empty()) {
        ++empty_lines_;
    } else {
        for (; empty_lines_ > 0; --empty_lines_) emit("\r\n");
        emit(line);
        emit("\r\n");
        any_line_ = true;
    }
    line_.clear();
}

void BodyCanonicalizer::finish() {
    // A last line without its line end counts as a line (it is sent with CRLF).
    if (!line_.empty()) {
        if (line_.back() == '\r') line_.pop_back();
        end_line();
    }
    empty_lines_ = 0;  // trailing empty lines are never part of the canonical body
    if (!any_line_ && canon_ == Canon::Simple) emit("\r\n");
}

std::string canonical_body(std::string_view body, Canon canon) {
    std::string out;
    BodyCanonicalizer c(canon, [&out](std::string_view b) { out += b; });
    c.feed(body);
    c.finish();
    return out;
}

}  // namespace mr::dkim
