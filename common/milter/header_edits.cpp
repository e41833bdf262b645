#include "common/milter/header_edits.hpp"

#include "common/mime/header_parser.hpp"

namespace mr::milter {

namespace {

struct Field {
    std::string name;  // empty for text before the first field (never edited)
    std::string text;  // the field's bytes with its line end(s)
};

}  // namespace

std::string format_field(std::string_view name, std::string_view value) {
    std::string out(name);
    out += ": ";
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n') ++i;
            if (i + 1 >= value.size()) break;  // a trailing line end: ours comes below
            out += "\r\n";
            if (value[i + 1] != ' ' && value[i + 1] != '\t') out += '\t';
        } else {
            out += c == '\0' ? ' ' : c;
        }
    }
    out += "\r\n";
    return out;
}

std::string apply_header_edits(std::string_view header, const std::vector<HeaderEdit>& edits) {
    mime::HeaderScanner scan(header);
    std::vector<std::size_t> starts;
    std::vector<std::string> names;
    while (auto f = scan.next()) {
        starts.push_back(f->offset);
        names.emplace_back(f->name);
    }
    const bool has_empty = scan.has_empty_line();
    // The empty line is the last line of the block: from the last line end before its end.
    std::size_t fields_end = header.size();
    if (has_empty) {
        fields_end = scan.body_start();
        fields_end -= (fields_end >= 2 && header.substr(fields_end - 2, 2) == "\r\n") ? 2 : 1;
    }
    const std::size_t first = starts.empty() ? fields_end : starts.front();
    std::vector<Field> fields;
    for (std::size_t i = 0; i < starts.size(); ++i) {
        const std::size_t end = i + 1 < starts.size() ? starts[i + 1] : fields_end;
        fields.push_back({names[i], std::string(header.substr(starts[i], end - starts[i]))});
    }
    // A last field without a line end (a message that is all header) gets one before more follow.
    if (!fields.empty() && !fields.back().text.ends_with('\n')) fields.back().text += "\r\n";

    for (const auto& e : edits) {
        switch (e.kind) {
        case HeaderEdit::Kind::Add: fields.push_back({e.name, format_field(e.name, e.value)}); break;
        case HeaderEdit::Kind::Insert: {
            const std::size_t at = std::min<std::size_t>(e.index, fields.size());
            fields.insert(fields.begin() + static_cast<std::ptrdiff_t>(at), {e.name, format_field(e.name, e.value)});
            break;
        }
        case HeaderEdit::Kind::Change: {
            std::uint32_t seen = 0;
            bool done = false;
            for (auto it = fields.begin(); it != fields.end(); ++it) {
                if (!mime::header_name_equals(it->name, e.name) || ++seen != std::max<std::uint32_t>(e.index, 1)) {
                    continue;
                }
                if (e.value.empty()) {
                    fields.erase(it);
                } else {
                    it->text = format_field(e.name, e.value);
                }
                done = true;
                break;
            }
            if (!done && !e.value.empty()) fields.push_back({e.name, format_field(e.name, e.value)});
            break;
        }
        }
    }

    std::string out(header.substr(0, first));
    for (const auto& f : fields) out += f.text;
    out += header.substr(fields_end);
    return out;
}

}  // namespace mr::milter
