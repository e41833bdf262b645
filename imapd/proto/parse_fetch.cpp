// FETCH and STORE arguments (RFC 3501 §6.4.5, §6.4.6; grammar rfc3501.txt:4748 fetch,
// :4751 fetch-att, :4975 section, :5054 store-att-flags).
#include <cstdint>
#include <string>
#include <utility>

#include "imapd/proto/parse_internal.hpp"

namespace mr::imapd::detail {

namespace {

using Kind = FetchItem::Kind;

FetchItem item(Kind k) {
    FetchItem i;
    i.kind = k;
    return i;
}

// header-list = "(" header-fld-name *(SP header-fld-name) ")" (rfc3501.txt:4791).
Result<std::vector<std::string>> header_list(ArgCursor& in) {
    std::vector<std::string> fields;
    if (auto r = in.expect('(', "( before header field names"); !r) return r.error();
    while (true) {
        auto name = in.astring("header field name");
        if (!name) return name.error();
        if (name->empty()) return Error::syntax("Empty header field name");
        fields.push_back(std::move(*name));
        if (in.eat(')')) return fields;
        if (auto r = in.sp(); !r) return syntax_error("SP or ) in header list");
    }
}

// section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT";
// section-text = section-msgtext / "MIME" (rfc3501.txt:4977, :4993).
Result<void> section_text(ArgCursor& in, Section& s, bool allow_mime) {
    if (in.eat_keyword("HEADER")) {
        s.kind = Section::Kind::Header;
    } else if (in.eat_keyword("TEXT")) {
        s.kind = Section::Kind::Text;
    } else if (allow_mime && in.eat_keyword("MIME")) {
        s.kind = Section::Kind::Mime;
    } else {
        const bool is_not = in.eat_keyword("HEADER.FIELDS.NOT");
        if (!is_not && !in.eat_keyword("HEADER.FIELDS")) return syntax_error("section");
        s.kind = is_not ? Section::Kind::HeaderFieldsNot : Section::Kind::HeaderFields;
        if (auto r = in.sp(); !r) return r;
        auto fields = header_list(in);
        if (!fields) return fields.error();
        s.fields = std::move(*fields);
    }
    return {};
}

// partial = "<" number "." nz-number ">" (rfc3501.txt:4966), when present.
Result<void> partial(ArgCursor& in, BodySection& b) {
    if (!in.eat('<')) return {};
    Partial p;
    auto offset = in.number("partial offset");
    if (!offset) return offset.error();
    if (auto r = in.expect('.', ". in partial"); !r) return r;
    auto length = in.nz_number("partial length");
    if (!length) return length.error();
    if (auto r = in.expect('>', "> after partial"); !r) return r;
    p.offset = *offset;
    p.length = *length;
    b.partial = p;
    return {};
}

// section-part = nz-number *("." nz-number) (rfc3501.txt:4981), up to the "." before a
// section-text or the "]".
Result<void> section_part(ArgCursor& in, Section& s) {
    while (true) {
        auto n = in.nz_number("section part number");
        if (!n) return n.error();
        s.part.push_back(*n);
        if (in.peek() != '.') return {};
        in.eat('.');
        if (!text::is_digit(in.peek())) return section_text(in, s, true);
    }
}

// section-binary = "[" [section-part] "]" (RFC 3516 §7), with the "[" read; then
// [partial] unless it is BINARY.SIZE.
Result<BodySection> binary_section(ArgCursor& in, bool peek, bool allow_partial) {
    BodySection b;
    b.peek = peek;
    if (!in.eat(']')) {
        while (true) {
            auto n = in.nz_number("section part number");
            if (!n) return n.error();
            b.section.part.push_back(*n);
            if (!in.eat('.')) break;
        }
        if (auto r = in.expect(']', "] after binary section"); !r) return r.error();
    }
    if (allow_partial) {
        if (auto r = partial(in, b); !r) return r.error();
    }
    return b;
}

// section = "[" [section-spec] "]" ["<" number "." nz-number ">"], with the "[" read.
Result<BodySection> section(ArgCursor& in, bool peek) {
    BodySection b;
    b.peek = peek;
    if (!in.eat(']')) {
        if (text::is_digit(in.peek())) {
            if (auto r = section_part(in, b.section); !r) return r.error();
        } else if (auto r = section_text(in, b.section, false); !r) {
            return r.error();
        }
        if (auto r = in.expect(']', "] after section"); !r) return r.error();
    }
    if (auto r = partial(in, b); !r) return r.error();
    return b;
}

Result<FetchItem> fetch_att(ArgCursor& in) {
    // BODY.PEEK[ and BODY[ first: "[" is an ATOM-CHAR, so these are not whole atoms.
    const bool peek = in.eat_prefix("BODY.PEEK[");
    if (peek || in.eat_prefix("BODY[")) {
        auto b = section(in, peek);
        if (!b) return b.error();
        FetchItem i = item(Kind::BodySection);
        i.section = std::move(*b);
        return i;
    }
    // fetch-att =/ "BINARY" [".PEEK"] section-binary [partial] / "BINARY.SIZE"
    // section-binary (RFC 3516 §7).
    const bool size = in.eat_prefix("BINARY.SIZE[");
    const bool binary_peek = !size && in.eat_prefix("BINARY.PEEK[");
    if (size || binary_peek || in.eat_prefix("BINARY[")) {
        auto b = binary_section(in, binary_peek, !size);
        if (!b) return b.error();
        FetchItem i = item(size ? Kind::BinarySize : Kind::Binary);
        i.section = std::move(*b);
        return i;
    }
    struct Name {
        std::string_view text;
        Kind kind;
    };
    static constexpr Name kItems[] = {
        {"ENVELOPE", Kind::Envelope},       {"FLAGS", Kind::Flags},
        {"INTERNALDATE", Kind::InternalDate}, {"RFC822", Kind::Rfc822},
        {"RFC822.HEADER", Kind::Rfc822Header}, {"RFC822.SIZE", Kind::Rfc822Size},
        {"RFC822.TEXT", Kind::Rfc822Text},  {"BODY", Kind::Body},
        {"BODYSTRUCTURE", Kind::BodyStructure}, {"UID", Kind::Uid},
        {"MODSEQ", Kind::ModSeq},  // RFC 7162 §3.1.4.1
        {"EMAILID", Kind::EmailId}, {"THREADID", Kind::ThreadId},  // RFC 8474 §5.3
        {"SAVEDATE", Kind::SaveDate},                              // RFC 8514 §4.3
    };
    for (const auto& n : kItems) {
        if (in.eat_keyword(n.text)) return item(n.kind);
    }
    return syntax_error("fetch attribute");
}

// fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")" (RFC 4466 §2.4,
// rfc4466.txt:542), with the SP read; fetch-modifier =/ "CHANGEDSINCE" SP
// mod-sequence-value / "VANISHED" (RFC 7162 §7, rfc7162.txt:2479). CHANGEDSINCE 0 is
// outside the grammar, but iOS sends it: it means every message.
Result<void> fetch_modifiers(ArgCursor& in, FetchCmd& cmd) {
    if (auto r = in.expect('(', "( before FETCH modifiers"); !r) return r;
    while (true) {
        if (in.eat_keyword("CHANGEDSINCE")) {
            if (cmd.changed_since) return Error::syntax("CHANGEDSINCE given twice");
            if (auto r = in.sp(); !r) return r;
            auto m = parse_mod_sequence(in);
            if (!m) return m.error();
            cmd.changed_since = *m;
        } else if (in.eat_keyword("VANISHED")) {
            if (cmd.vanished) return Error::syntax("VANISHED given twice");
            cmd.vanished = true;
        } else {
            return syntax_error("FETCH modifier");
        }
        if (in.eat(')')) break;
        if (auto r = in.sp(); !r) return syntax_error("SP or ) in FETCH modifiers");
    }
    // rfc7162.txt:1693: VANISHED only in UID FETCH and only with CHANGEDSINCE.
    if (cmd.vanished && !cmd.uid) return Error::syntax("VANISHED is only allowed in UID FETCH");
    if (cmd.vanished && !cmd.changed_since) return Error::syntax("VANISHED requires CHANGEDSINCE");
    return {};
}

}  // namespace

Result<std::uint64_t> parse_mod_sequence(ArgCursor& in) {
    auto m = in.number64("mod-sequence");
    if (!m) return m.error();
    if (*m > static_cast<std::uint64_t>(INT64_MAX)) return Error::syntax("Mod-sequence too large");
    return *m;
}

Result<Section> parse_section_spec(std::string_view spec) {
    RawCommand raw;
    raw.bytes = std::string(spec) + "]";
    ArgCursor in(raw);
    auto b = section(in, false);
    if (!b) return b.error();
    if (b->partial) return Error::syntax("partial inside a section");
    if (auto r = in.end(); !r) return r.error();
    return std::move(b->section);
}

Result<std::vector<FetchItem>> parse_fetch_att_list(ArgCursor& in) {
    if (auto r = in.expect('(', "( of fetch attributes"); !r) return r.error();
    std::vector<FetchItem> items;
    while (true) {
        auto a = fetch_att(in);
        if (!a) return a.error();
        items.push_back(std::move(*a));
        if (in.eat(')')) break;
        if (auto r = in.sp(); !r) return syntax_error("SP or ) in fetch attributes");
    }
    return items;
}

// fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
//         "(" fetch-att *(SP fetch-att) ")") (rfc3501.txt:4748)
Result<CommandArgs> parse_fetch(ArgCursor& in, bool uid) {
    FetchCmd cmd;
    cmd.uid = uid;
    auto set = parse_sequence_set(in);
    if (!set) return set.error();
    cmd.set = std::move(*set);
    if (auto r = in.sp(); !r) return r.error();
    // Macros (rfc3501.txt:3032): ALL = (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE),
    // FAST = the first three, FULL = ALL + BODY.
    if (in.eat_keyword("ALL")) {
        cmd.items = {item(Kind::Flags), item(Kind::InternalDate), item(Kind::Rfc822Size), item(Kind::Envelope)};
    } else if (in.eat_keyword("FAST")) {
        cmd.items = {item(Kind::Flags), item(Kind::InternalDate), item(Kind::Rfc822Size)};
    } else if (in.eat_keyword("FULL")) {
        cmd.items = {item(Kind::Flags), item(Kind::InternalDate), item(Kind::Rfc822Size),
                     item(Kind::Envelope), item(Kind::Body)};
    } else if (in.peek() == '(') {
        auto items = parse_fetch_att_list(in);
        if (!items) return items.error();
        cmd.items = std::move(*items);
    } else {
        auto a = fetch_att(in);
        if (!a) return a.error();
        cmd.items.push_back(std::move(*a));
    }
    if (in.eat(' ')) {
        if (auto r = fetch_modifiers(in, cmd); !r) return r.error();
    }
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

// store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags (RFC 4466 §2.5,
// rfc4466.txt:691); store-modifier =/ "UNCHANGEDSINCE" SP mod-sequence-valzer
// (RFC 7162 §7, rfc7162.txt:2471), the only one we know;
// store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
// (rfc3501.txt:5052)
Result<CommandArgs> parse_store(ArgCursor& in, bool uid) {
    StoreCmd cmd;
    cmd.uid = uid;
    auto set = parse_sequence_set(in);
    if (!set) return set.error();
    cmd.set = std::move(*set);
    if (auto r = in.sp(); !r) return r.error();
    if (in.eat('(')) {
        if (!in.eat_keyword("UNCHANGEDSINCE")) return syntax_error("STORE modifier UNCHANGEDSINCE");
        if (auto r = in.sp(); !r) return r.error();
        auto m = parse_mod_sequence(in);
        if (!m) return m.error();
        cmd.unchanged_since = *m;
        if (auto r = in.expect(')', ") after STORE modifiers"); !r) return r.error();
        if (auto r = in.sp(); !r) return r.error();
    }
    if (in.eat('+')) {
        cmd.mode = StoreCmd::Mode::Add;
    } else if (in.eat('-')) {
        cmd.mode = StoreCmd::Mode::Remove;
    }
    if (in.eat_keyword("FLAGS.SILENT")) {
        cmd.silent = true;
    } else if (!in.eat_keyword("FLAGS")) {
        return syntax_error("FLAGS, +FLAGS or -FLAGS");
    }
    if (auto r = in.sp(); !r) return r.error();
    if (in.peek() == '(') {
        auto flags = parse_flag_list(in);
        if (!flags) return flags.error();
        cmd.flags = std::move(*flags);
    } else {
        do {
            auto f = parse_flag(in);
            if (!f) return f.error();
            cmd.flags.push_back(std::move(*f));
        } while (in.eat(' '));
    }
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

}  // namespace mr::imapd::detail
