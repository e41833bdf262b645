// See section.hpp for how part numbers resolve and what each section contains.
#include "imapd/render/section.hpp"

#include "common/mime/header_parser.hpp"
#include "common/text/ascii.hpp"
#include "imapd/render/imap_string.hpp"
#include "imapd/render/wire_form.hpp"

namespace mr::imapd {
namespace {

SectionRange file_range(std::uint64_t begin, std::uint64_t end, std::uint64_t bare_lf) {
    SectionRange r;
    r.kind = SectionRange::Kind::FileRange;
    r.begin = begin;
    r.end = end;
    r.bare_lf = bare_lf;
    return r;
}

bool wanted(std::string_view name, const std::vector<std::string>& fields) {
    for (const std::string& f : fields) {
        if (mime::header_name_equals(name, f)) return true;
    }
    return false;
}

}  // namespace

const mime::Part* find_part(const mime::MessageStructure& structure,
                            const std::vector<std::uint32_t>& numbers) {
    const mime::Part* cur = &structure.root;
    // True while `cur` is a message (the top level or one encapsulated in a
    // message/rfc822 part): only there does a non-multipart body count as part 1.
    bool at_message = true;
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        const std::uint32_t n = numbers[i];
        if (cur->kind == mime::PartKind::Multipart) {
            if (n == 0 || n > cur->children.size()) return nullptr;
            cur = &cur->children[n - 1];
        } else if (!(at_message && n == 1)) {
            return nullptr;
        }
        at_message = false;
        // rfc3501.txt:3064: numbers after a MESSAGE/RFC822 part index its message.
        if (i + 1 < numbers.size() && cur->kind == mime::PartKind::Message) {
            cur = &cur->children.front();
            at_message = true;
        }
    }
    return cur;
}

SectionRange locate_section(const mime::MessageStructure& structure, const Section& section) {
    const mime::Part* part = find_part(structure, section.part);
    if (!part) return {};
    const bool top = section.part.empty();
    switch (section.kind) {
        case Section::Kind::Full:
            // BODY[] is the whole message; BODY[n] the part's body (rfc3501.txt:3052).
            if (top)
                return file_range(part->header_start, part->end,
                                  part->header_bare_lf + part->body_bare_lf);
            return file_range(part->body_start, part->end, part->body_bare_lf);
        case Section::Kind::Mime:
            if (top) return {};  // rfc3501.txt:3071: MIME needs a part number
            return file_range(part->header_start, part->body_start, part->header_bare_lf);
        case Section::Kind::Header:
        case Section::Kind::HeaderFields:
        case Section::Kind::HeaderFieldsNot:
        case Section::Kind::Text:
            break;
    }
    // rfc3501.txt:3068: only the message itself or a MESSAGE/RFC822 part has these.
    const mime::Part* message = part;
    if (!top) {
        if (part->kind != mime::PartKind::Message) return {};
        message = &part->children.front();
    }
    if (section.kind == Section::Kind::Text)
        return file_range(message->body_start, message->end, message->body_bare_lf);
    SectionRange r = file_range(message->header_start, message->body_start, message->header_bare_lf);
    if (section.kind != Section::Kind::Header) r.kind = SectionRange::Kind::HeaderSubset;
    return r;
}

std::string filter_header(std::string_view header, const std::vector<std::string>& fields,
                          bool negate) {
    std::string out;
    mime::HeaderScanner scanner(header);
    while (auto field = scanner.next()) {
        if (wanted(field->name, fields) == negate) continue;
        // The field runs from its name through the line end of its last line.
        std::size_t end = static_cast<std::size_t>(field->raw_value.data() - header.data()) +
                          field->raw_value.size();
        if (end < header.size() && header[end] == '\r') ++end;
        const bool terminated = end < header.size() && header[end] == '\n';
        if (terminated) ++end;
        append_wire(out, header, field->offset, end);
        if (!terminated) {
            // Last line of a header that ran out without a line end: keep lines whole.
            if (!out.empty() && out.back() == '\r') out.pop_back();
            out += "\r\n";
        }
    }
    // rfc3501.txt:3092: the blank line is part of every header fetch, unless the
    // message has none.
    if (scanner.has_empty_line()) out += "\r\n";
    return out;
}

Slice apply_partial(std::uint64_t size, std::optional<Partial> partial) {
    if (!partial) return {0, size};
    // rfc3501.txt:3132: beyond the end is "", a longer length is truncated.
    const std::uint64_t skip = partial->offset < size ? partial->offset : size;
    const std::uint64_t left = size - skip;
    return {skip, partial->length < left ? partial->length : left};
}

std::string fetch_section(std::string_view message, const mime::MessageStructure& structure,
                          const Section& section, std::optional<Partial> partial) {
    const SectionRange r = locate_section(structure, section);
    std::string whole;
    switch (r.kind) {
        case SectionRange::Kind::Empty:
            return {};
        case SectionRange::Kind::FileRange:
            if (r.end > message.size() || r.begin > r.end) return {};  // stale structure
            if (r.bare_lf == 0) {
                const Slice s = apply_partial(r.end - r.begin, partial);
                return std::string(message.substr(r.begin + s.skip, s.length));
            }
            append_wire(whole, message, r.begin, r.end);
            break;
        case SectionRange::Kind::HeaderSubset:
            if (r.end > message.size() || r.begin > r.end) return {};
            whole = filter_header(message.substr(r.begin, r.end - r.begin), section.fields,
                                  section.kind == Section::Kind::HeaderFieldsNot);
            break;
    }
    const Slice s = apply_partial(whole.size(), partial);
    return whole.substr(s.skip, s.length);
}

void append_section_name(std::string& out, const BodySection& bs) {
    const Section& s = bs.section;
    out += "BODY[";
    for (std::size_t i = 0; i < s.part.size(); ++i) {
        if (i) out += '.';
        out += std::to_string(s.part[i]);
    }
    const char* kind = nullptr;
    switch (s.kind) {
        case Section::Kind::Full: break;
        case Section::Kind::Header: kind = "HEADER"; break;
        case Section::Kind::HeaderFields: kind = "HEADER.FIELDS"; break;
        case Section::Kind::HeaderFieldsNot: kind = "HEADER.FIELDS.NOT"; break;
        case Section::Kind::Text: kind = "TEXT"; break;
        case Section::Kind::Mime: kind = "MIME"; break;
    }
    if (kind) {
        if (!s.part.empty()) out += '.';
        out += kind;
    }
    if (s.kind == Section::Kind::HeaderFields || s.kind == Section::Kind::HeaderFieldsNot) {
        // header-list = "(" header-fld-name *(SP header-fld-name) ")" (rfc3501.txt:4791)
        out += " (";
        for (std::size_t i = 0; i < s.fields.size(); ++i) {
            if (i) out += ' ';
            append_astring(out, text::to_upper(s.fields[i]));
        }
        out += ')';
    }
    out += ']';
    if (bs.partial) {
        out += '<';
        out += std::to_string(bs.partial->offset);
        out += '>';
    }
}

}  // namespace mr::imapd
