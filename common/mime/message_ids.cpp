// See message_ids.hpp.
#include "common/mime/message_ids.hpp"

#include <algorithm>

#include "common/mime/header_parser.hpp"

namespace mr::mime {

std::vector<std::string> message_ids(std::string_view s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while ((i = s.find('<', i)) != std::string_view::npos) {
        std::string id;
        bool quoted = false;
        bool valid = true;
        std::size_t j = i + 1;
        for (; j < s.size(); ++j) {
            const char c = s[j];
            if (c == '\\' && quoted && j + 1 < s.size()) {
                id += s[++j];
            } else if (c == '"') {
                quoted = !quoted;
            } else if (quoted) {
                id += c;
            } else if (c == '>') {
                break;
            } else if (c == '<') {
                valid = false;
                break;
            } else if (c == '(') {
                int depth = 1;  // a comment inside (obs-id-left allows CFWS)
                while (++j < s.size() && depth > 0) {
                    if (s[j] == '(') ++depth;
                    else if (s[j] == ')') --depth;
                }
                --j;
            } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                id += c;
            }
        }
        if (j >= s.size()) break;  // no ">": not a msg-id, and nothing after it is either
        const std::size_t at = id.find('@');
        if (valid && at != std::string::npos && at > 0 && at + 1 < id.size()) out.push_back(std::move(id));
        i = s[j] == '<' ? j : j + 1;
    }
    return out;
}

std::vector<std::string> thread_links(std::string_view message) {
    // The first field of each name counts, as for ENVELOPE.
    std::string message_id, in_reply_to, references;
    bool seen_id = false, seen_reply = false, seen_refs = false;
    HeaderScanner scan(message);
    while (auto f = scan.next()) {
        if (!seen_id && header_name_equals(f->name, "Message-ID")) {
            message_id = unfold(f->raw_value);
            seen_id = true;
        } else if (!seen_reply && header_name_equals(f->name, "In-Reply-To")) {
            in_reply_to = unfold(f->raw_value);
            seen_reply = true;
        } else if (!seen_refs && header_name_equals(f->name, "References")) {
            references = unfold(f->raw_value);
            seen_refs = true;
        }
    }
    std::vector<std::string> links;
    auto add = [&](std::string id) {
        if (id.size() > kMaxThreadLinkBytes) return;
        if (std::find(links.begin(), links.end(), id) == links.end()) links.push_back(std::move(id));
    };
    if (auto parent = message_ids(in_reply_to); !parent.empty()) add(std::move(parent.front()));
    auto refs = message_ids(references);
    const std::size_t first = refs.size() > kMaxThreadReferences ? refs.size() - kMaxThreadReferences : 0;
    for (std::size_t k = refs.size(); k > first; --k) add(std::move(refs[k - 1]));
    if (auto own = message_ids(message_id); !own.empty()) add(std::move(own.front()));
    return links;
}

}  // namespace mr::mime
