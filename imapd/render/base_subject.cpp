// See base_subject.hpp. Grammar: RFC 5256 §5 (rfc5256.txt:797).
#include "imapd/render/base_subject.hpp"

#include "common/mime/encoded_words.hpp"
#include "common/text/ascii.hpp"
#include "common/text/unicode_casemap.hpp"

namespace mr::imapd {
namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && text::iequals(s.substr(0, prefix.size()), prefix);
}

std::size_t skip_spaces(std::string_view s, std::size_t pos) {
    while (pos < s.size() && s[pos] == ' ') ++pos;
    return pos;
}

// subj-blob = "[" *BLOBCHAR "]" *WSP (rfc5256.txt:803): the position after it, or npos.
std::size_t blob_end(std::string_view s, std::size_t pos) {
    if (pos >= s.size() || s[pos] != '[') return std::string_view::npos;
    for (std::size_t i = pos + 1; i < s.size(); ++i) {
        if (s[i] == '[') return std::string_view::npos;
        if (s[i] == ']') return skip_spaces(s, i + 1);
    }
    return std::string_view::npos;
}

// *subj-blob subj-refwd (rfc5256.txt:811), subj-refwd = ("re" / ("fw" ["d"])) *WSP
// [subj-blob] ":" (rfc5256.txt:801): the position after its ":", or npos.
std::size_t refwd_leader_end(std::string_view s) {
    std::size_t pos = 0;
    for (std::size_t b; (b = blob_end(s, pos)) != std::string_view::npos;) pos = b;
    const std::string_view rest = s.substr(pos);
    if (starts_with_ci(rest, "fwd")) pos += 3;
    else if (starts_with_ci(rest, "fw") || starts_with_ci(rest, "re")) pos += 2;
    else return std::string_view::npos;
    pos = skip_spaces(s, pos);
    if (const std::size_t b = blob_end(s, pos); b != std::string_view::npos) pos = b;
    if (pos < s.size() && s[pos] == ':') return pos + 1;
    return std::string_view::npos;
}

// Step (1): encoded words decoded, tabs and line ends as spaces, runs of spaces as one.
std::string normalized(std::string_view subject) {
    const std::string decoded = mime::decode_encoded_words(subject);
    std::string out;
    out.reserve(decoded.size());
    for (char c : decoded) {
        if (c == '\t' || c == '\r' || c == '\n') c = ' ';
        if (c == ' ' && !out.empty() && out.back() == ' ') continue;
        out.push_back(c);
    }
    return out;
}

}  // namespace

BaseSubject base_subject(std::string_view subject) {
    BaseSubject out;
    std::string s = normalized(subject);
    for (;;) {
        // (2) subj-trailer = "(fwd)" / WSP (rfc5256.txt:817), repeatedly.
        for (;;) {
            if (!s.empty() && s.back() == ' ') {
                s.pop_back();
            } else if (s.size() >= 5 && text::iequals(std::string_view(s).substr(s.size() - 5), "(fwd)")) {
                s.resize(s.size() - 5);
                out.reply_or_forward = true;
            } else {
                break;
            }
        }
        // (3) leaders and (4) a leading blob that is not all there is, until (5) neither
        // matches.
        for (bool changed = true; changed;) {
            changed = false;
            for (;;) {
                if (!s.empty() && s.front() == ' ') {
                    s.erase(0, 1);
                } else if (const std::size_t e = refwd_leader_end(s); e != std::string_view::npos) {
                    s.erase(0, e);
                    out.reply_or_forward = true;
                } else {
                    break;
                }
                changed = true;
            }
            if (const std::size_t e = blob_end(s, 0); e != std::string_view::npos && e < s.size()) {
                s.erase(0, e);
                changed = true;
            }
        }
        // (6) subj-fwd-hdr "[fwd:" ... subj-fwd-trl "]" (rfc5256.txt:807), then from (2).
        if (starts_with_ci(s, "[fwd:") && s.back() == ']') {
            s = s.substr(5, s.size() - 6);
            out.reply_or_forward = true;
            continue;
        }
        break;
    }
    out.key = text::unicode_casemap(s);
    out.text = std::move(s);
    return out;
}

}  // namespace mr::imapd
