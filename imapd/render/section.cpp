// See section.hpp for how part numbers resolve and what each section contains.
#include "imapd/render/section.hpp"

#include <cstring>

#include "common/mime/header_parser.hpp"
#include "common/text/ascii.hpp"
#include "imapd/render/imap_string.hpp"
#include "imapd/render/wire_form.hpp"

namespace mr::imapd {
namespace {

SectionRange file_range(std::uint64_t begin, std::uint64_t end, std::uint64_t extra) {
    SectionRange r;
    r.kind = SectionRange::Kind::FileRange;
    r.begin = begin;
    r.end = end;
    r.extra = extra;
    return r;
}

std::uint64_t length_bit(std::size_t n) { return std::uint64_t{1} << (n < 63 ? n : 63); }

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
                                  part->header_extra + part->body_extra);
            return file_range(part->body_start, part->end, part->body_extra);
        case Section::Kind::Mime:
            if (top) return {};  // rfc3501.txt:3071: MIME needs a part number
            return file_range(part->header_start, part->body_start, part->header_extra);
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
        return file_range(message->body_start, message->end, message->body_extra);
    SectionRange r = file_range(message->header_start, message->body_start, message->header_extra);
    if (section.kind != Section::Kind::Header) r.kind = SectionRange::Kind::HeaderSubset;
    return r;
}

HeaderFieldFilter::HeaderFieldFilter(const std::vector<std::string>& fields, bool negate)
    : negate_(negate) {
    for (const std::string& f : fields) {
        fields_.push_back(text::to_lower(f));
        lengths_ |= length_bit(f.size());
    }
}

bool HeaderFieldFilter::wanted(std::string_view name) const {
    if (!(lengths_ & length_bit(name.size()))) return false;
    for (const std::string& f : fields_) {
        if (f.size() != name.size()) continue;
        std::size_t i = 0;
        while (i < f.size() && text::to_lower(name[i]) == f[i]) ++i;  // f is lowercase
        if (i == f.size()) return true;
    }
    return false;
}

std::string filter_header(std::string_view header, const std::vector<std::string>& fields,
                          bool negate) {
    std::string out;
    HeaderFieldFilter(fields, negate).append(out, header);
    return out;
}

// The line rules of mime::HeaderScanner (header_parser.hpp), inlined here because this
// runs on every header line of every message of a first sync: a line ends at CRLF, bare
// LF or bare CR (mime::line_at); the block ends at the first empty line or at the end;
// lines starting with WSP continue the field before them (or are skipped when there is
// none); lines without a colon, or whose name (WSP before the colon trimmed) is not ftext,
// are skipped. unit_imapd_render checks this against HeaderScanner.
void HeaderFieldFilter::append(std::string& out, std::string_view header, bool as_sent) const {
    const char* const data = header.data();
    const std::size_t size = header.size();
    // A block that is its own IMAP form has only CRLF line ends (and is not open at its
    // end): memchr finds them. Otherwise mime::line_at looks for bare CRs too.
    auto line = [&](std::size_t from) -> mr::mime::LineSpan {
        if (!as_sent) return mr::mime::line_at(data, from, size);
        const void* p = std::memchr(data + from, '\n', size - from);
        if (!p) return {size, size};
        const auto nl = static_cast<std::size_t>(static_cast<const char*>(p) - data);
        return {nl > from && data[nl - 1] == '\r' ? nl - 1 : nl, nl + 1};
    };
    auto is_wsp = [](char c) { return c == ' ' || c == '\t'; };
    // ftext (rfc5322): printable US-ASCII except the colon.
    auto is_ftext = [](char c) { return c >= 33 && c <= 126 && c != ':'; };
    std::size_t pos = 0;
    bool empty_line = false;
    while (pos < size) {
        const std::size_t start = pos;
        if (data[start] == '\n' || data[start] == '\r') {
            empty_line = true;
            break;
        }
        // The name and the colon in one pass (names are short; a memchr for the colon and
        // a second pass to check the name cost more): ftext, then WSP, then ':'. Any
        // other byte, a line end included, makes the line one to skip.
        std::size_t i = start;
        while (i < size && is_ftext(data[i])) ++i;
        const std::size_t name_end = i;
        while (i < size && is_wsp(data[i])) ++i;
        const bool valid = name_end > start && i < size && data[i] == ':';
        pos = line(i).next;
        if (!valid) continue;  // also a continuation with no field to continue (WSP first)
        while (pos < size && is_wsp(data[pos])) pos = line(pos).next;
        if (wanted(std::string_view(data + start, name_end - start)) == negate_) continue;
        // The field runs from its name through the line end of its last line. One that
        // ran out without a line end ends the block (pos == size): lines are kept whole,
        // so it gets its CRLF. append_wire() does that itself, since it treats the
        // block's end as the message's end; a block that is its own IMAP form has none.
        if (!as_sent) {
            append_wire(out, header, start, pos);
        } else {
            out.append(data + start, pos - start);
            if (pos == size && !(pos - start >= 2 && data[pos - 2] == '\r' && data[pos - 1] == '\n')) {
                if (!out.empty() && out.back() == '\r') out.pop_back();
                out += "\r\n";
            }
        }
    }
    // rfc3501.txt:3092: the blank line is part of every header fetch, unless the
    // message has none.
    if (empty_line) out += "\r\n";
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
            if (r.extra == 0) {
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
