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
    out_ += bytes;
}

void BodyCanonicalizer::flush() {
    if (out_.empty()) return;
    sink_(out_);
    out_.clear();
}

void BodyCanonicalizer::feed(std::string_view bytes) {
    while (!bytes.empty()) {
        const auto nl = bytes.find('\n');
        if (nl == std::string_view::npos) {
            line_ += bytes;  // the rest of a line that goes on in the next feed
            break;
        }
        std::string_view line = bytes.substr(0, nl);
        bytes.remove_prefix(nl + 1);
        if (!line_.empty()) {
            line_ += line;
            line = line_;
        }
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        end_line(line);
        line_.clear();
    }
    flush();
}

void BodyCanonicalizer::end_line(std::string_view line) {
    // Most lines of text already are relaxed: no tab, no two spaces, none at the end.
    const bool already_relaxed = line.find('\t') == std::string_view::npos &&
                                 line.find("  ") == std::string_view::npos && (line.empty() || line.back() != ' ');
    if (canon_ == Canon::Relaxed && !already_relaxed) {
        // Each WSP run becomes one SP; a run at the end of the line is dropped.
        relaxed_.clear();
        std::size_t i = 0;
        while (i < line.size()) {
            if (is_wsp(line[i])) {
                while (i < line.size() && is_wsp(line[i])) ++i;
                if (i < line.size()) relaxed_ += ' ';
                continue;
            }
            std::size_t j = i;
            while (j < line.size() && !is_wsp(line[j])) ++j;
            relaxed_.append(line.data() + i, j - i);
            i = j;
        }
        line = relaxed_;
    }
    if (line.empty()) {
        ++empty_lines_;
        return;
    }
    for (; empty_lines_ > 0; --empty_lines_) emit("\r\n");
    emit(line);
    emit("\r\n");
    any_line_ = true;
}

void BodyCanonicalizer::finish() {
    // A last line without its line end counts as a line (it is sent with CRLF).
    if (!line_.empty()) {
        std::string_view line = line_;
        if (line.back() == '\r') line.remove_suffix(1);
        end_line(line);
        line_.clear();
    }
    empty_lines_ = 0;  // trailing empty lines are never part of the canonical body
    if (!any_line_ && canon_ == Canon::Simple) emit("\r\n");
    flush();
}

std::string canonical_body(std::string_view body, Canon canon) {
    std::string out;
    BodyCanonicalizer c(canon, [&out](std::string_view b) { out += b; });
    c.feed(body);
    c.finish();
    return out;
}

}  // namespace mr::dkim
