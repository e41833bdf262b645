// Tests of RFC 5228 §5 and of the extensions, and the argument readers both halves of the
// compiler use.
#include <string>
#include <utility>

#include "common/sieve/compiler_internal.hpp"
#include "common/sieve/date_parts.hpp"
#include "common/sieve/lexer.hpp"
#include "common/sieve/strings.hpp"
#include "common/text/ascii.hpp"

namespace mr::sieve::detail {

Result<void> Context::need(std::string_view ext, Position pos, std::string_view what) const {
    if (has(ext)) return {};
    return syntax_error(pos, std::string(what) + " needs require \"" + std::string(ext) + "\"");
}

Result<std::string> Context::decode(std::string s, Position pos) const {
    if (!has("encoded-character")) return s;
    auto r = decode_encoded_characters(s);
    if (!r) return syntax_error(pos, r.error().message);
    return r;
}

Result<std::vector<std::string>> Context::decode(std::vector<std::string> list, Position pos) const {
    for (auto& s : list) {
        auto r = decode(std::move(s), pos);
        if (!r) return r.error();
        s = std::move(*r);
    }
    return list;
}

Error ArgReader::error(Position pos, std::string_view what) const {
    return syntax_error(pos, std::string(owner_) + ": " + std::string(what));
}

Error ArgReader::unknown_tag(const ast::Argument& tag) const {
    return error(tag.pos, "unknown tag ':" + tag.tag + "'");
}

const ast::Argument* ArgReader::tag() {
    if (i_ < args_.size() && args_[i_].kind == ast::Argument::Kind::Tag) return &args_[i_++];
    return nullptr;
}

Result<std::string> ArgReader::tag_string(const ast::Argument& tag) {
    if (i_ >= args_.size() || args_[i_].kind != ast::Argument::Kind::StringList || args_[i_].bracketed)
        return error(tag.pos, "':" + tag.tag + "' needs a string");
    const auto& a = args_[i_++];
    return ctx_.decode(a.strings.front(), a.pos);
}

Result<std::vector<std::string>> ArgReader::tag_string_list(const ast::Argument& tag) {
    if (i_ >= args_.size() || args_[i_].kind != ast::Argument::Kind::StringList)
        return error(tag.pos, "':" + tag.tag + "' needs a string list");
    const auto& a = args_[i_++];
    return ctx_.decode(a.strings, a.pos);
}

Result<std::uint64_t> ArgReader::tag_number(const ast::Argument& tag) {
    if (i_ >= args_.size() || args_[i_].kind != ast::Argument::Kind::Number)
        return error(tag.pos, "':" + tag.tag + "' needs a number");
    return args_[i_++].number;
}

Result<std::string> ArgReader::string(std::string_view what) {
    if (i_ >= args_.size()) return error(pos_, "missing " + std::string(what));
    const auto& a = args_[i_];
    if (a.kind == ast::Argument::Kind::Tag) return error(a.pos, "unknown tag ':" + a.tag + "'");
    if (a.kind != ast::Argument::Kind::StringList || a.bracketed)
        return error(a.pos, "expected a string for " + std::string(what));
    ++i_;
    return ctx_.decode(a.strings.front(), a.pos);
}

Result<std::vector<std::string>> ArgReader::string_list(std::string_view what) {
    if (i_ >= args_.size()) return error(pos_, "missing " + std::string(what));
    const auto& a = args_[i_];
    if (a.kind == ast::Argument::Kind::Tag) return error(a.pos, "unknown tag ':" + a.tag + "'");
    if (a.kind != ast::Argument::Kind::StringList)
        return error(a.pos, "expected a string list for " + std::string(what));
    ++i_;
    return ctx_.decode(a.strings, a.pos);
}

Result<std::uint64_t> ArgReader::number(std::string_view what) {
    if (i_ >= args_.size()) return error(pos_, "missing " + std::string(what));
    const auto& a = args_[i_];
    if (a.kind != ast::Argument::Kind::Number) return error(a.pos, "expected a number for " + std::string(what));
    ++i_;
    return a.number;
}

Result<void> ArgReader::finish() {
    if (i_ < args_.size()) {
        const auto& a = args_[i_];
        if (a.kind == ast::Argument::Kind::Tag) return error(a.pos, "unexpected tag ':" + a.tag + "'");
        return error(a.pos, "too many arguments");
    }
    return {};
}

namespace {

enum Seen : unsigned { kSeenMatch = 1, kSeenComparator = 2, kSeenPart = 4 };

Result<RelOp> relational_op(const ArgReader& reader, const ast::Argument& tag, std::string_view s) {
    static constexpr std::pair<std::string_view, RelOp> kOps[] = {
        {"gt", RelOp::Gt}, {"ge", RelOp::Ge}, {"lt", RelOp::Lt},
        {"le", RelOp::Le}, {"eq", RelOp::Eq}, {"ne", RelOp::Ne},
    };
    for (const auto& [name, op] : kOps)
        if (s == name) return op;
    return reader.error(tag.pos, "unknown relational operator \"" + std::string(s) + "\"");
}

}  // namespace

Result<bool> match_tag(const Context& ctx, ArgReader& reader, const ast::Argument& tag, MatchSpec& match,
                       AddressPart* part, unsigned& seen) {
    const std::string& t = tag.tag;
    auto once = [&](unsigned bit, std::string_view kind) -> Result<void> {
        if (seen & bit) return reader.error(tag.pos, "more than one " + std::string(kind));
        seen |= bit;
        return {};
    };
    if (t == "is" || t == "contains" || t == "matches" || t == "value" || t == "count") {
        if (auto r = once(kSeenMatch, "match type"); !r) return r.error();
        if (t == "is") match.type = MatchType::Is;
        else if (t == "contains") match.type = MatchType::Contains;
        else if (t == "matches") match.type = MatchType::Matches;
        else {
            if (auto r = ctx.need("relational", tag.pos, ":" + t); !r) return r.error();
            match.type = t == "value" ? MatchType::Value : MatchType::Count;
            auto op = reader.tag_string(tag);
            if (!op) return op.error();
            auto rel = relational_op(reader, tag, *op);
            if (!rel) return rel.error();
            match.op = *rel;
        }
        return true;
    }
    if (t == "comparator") {
        if (auto r = once(kSeenComparator, "comparator"); !r) return r.error();
        auto name = reader.tag_string(tag);
        if (!name) return name.error();
        if (*name == "i;octet") match.comparator = Comparator::Octet;
        else if (*name == "i;ascii-casemap") match.comparator = Comparator::AsciiCasemap;
        else if (*name == "i;ascii-numeric") {
            if (auto r = ctx.need("comparator-i;ascii-numeric", tag.pos, "comparator \"i;ascii-numeric\""); !r)
                return r.error();
            match.comparator = Comparator::AsciiNumeric;
        } else if (*name == "i;unicode-casemap") {
            if (auto r = ctx.need("comparator-i;unicode-casemap", tag.pos, "comparator \"i;unicode-casemap\""); !r)
                return r.error();
            match.comparator = Comparator::UnicodeCasemap;
        } else {
            return reader.error(tag.pos, "unsupported comparator \"" + *name + "\"");
        }
        return true;
    }
    if (part && (t == "all" || t == "localpart" || t == "domain" || t == "user" || t == "detail")) {
        if (auto r = once(kSeenPart, "address part"); !r) return r.error();
        if (t == "user" || t == "detail") {
            if (auto r = ctx.need("subaddress", tag.pos, ":" + t); !r) return r.error();
        }
        *part = t == "all"         ? AddressPart::All
                : t == "localpart" ? AddressPart::LocalPart
                : t == "domain"    ? AddressPart::Domain
                : t == "user"      ? AddressPart::User
                                   : AddressPart::Detail;
        return true;
    }
    return false;
}

Result<void> check_match(const ArgReader& reader, const MatchSpec& match) {
    // RFC 4790 §9.1: i;ascii-numeric offers equality and ordering, not substrings.
    if (match.comparator == Comparator::AsciiNumeric &&
        (match.type == MatchType::Contains || match.type == MatchType::Matches))
        return reader.error(reader.pos(), "comparator \"i;ascii-numeric\" cannot be used with :contains or :matches");
    return {};
}

namespace {

// The tags of a test that takes MATCH-TYPE and COMPARATOR (and ADDRESS-PART when `part`);
// `extra` handles any others (body's transforms).
template <class Extra>
Result<void> match_tags(const Context& ctx, ArgReader& reader, Test& t, bool part, Extra extra) {
    unsigned seen = 0;
    while (const ast::Argument* tag = reader.tag()) {
        auto r = match_tag(ctx, reader, *tag, t.match, part ? &t.part : nullptr, seen);
        if (!r) return r.error();
        if (*r) continue;
        auto e = extra(*tag);
        if (!e) return e.error();
        if (!*e) return reader.unknown_tag(*tag);
    }
    return check_match(reader, t.match);
}

Result<void> match_tags(const Context& ctx, ArgReader& reader, Test& t, bool part) {
    return match_tags(ctx, reader, t, part, [](const ast::Argument&) -> Result<bool> { return false; });
}

Result<void> assign(Result<std::vector<std::string>> r, std::vector<std::string>& out) {
    if (!r) return r.error();
    out = std::move(*r);
    return {};
}

// RFC 5260 §6: ":index" <fieldno: number> [":last"], on header, address and date.
Result<bool> index_tag(const Context& ctx, ArgReader& reader, const ast::Argument& tag, Test& t) {
    if (tag.tag == "index") {
        if (auto r = ctx.need("index", tag.pos, ":index"); !r) return r.error();
        if (t.index != 0) return reader.error(tag.pos, "':index' given twice");
        auto n = reader.tag_number(tag);
        if (!n) return n.error();
        if (*n == 0) return reader.error(tag.pos, "':index' counts from 1");
        t.index = *n;
        return true;
    }
    if (tag.tag == "last") {
        if (auto r = ctx.need("index", tag.pos, ":last"); !r) return r.error();
        if (t.last) return reader.error(tag.pos, "':last' given twice");
        t.last = true;
        return true;
    }
    return false;
}

Result<void> check_index(const ArgReader& reader, const Test& t) {
    if (t.last && t.index == 0) return reader.error(t.pos, "':last' needs ':index'");
    return {};
}

Result<void> no_tests(const ArgReader& reader, const ast::Test& test) {
    if (!test.tests.empty()) return reader.error(test.tests.front().pos, "takes no test");
    return {};
}

bool has_variable(std::string_view s) { return s.find("${") != std::string_view::npos; }

// RFC 5260 §4.1: date [":zone" <time-zone: string> / ":originalzone"] [COMPARATOR]
// [MATCH-TYPE] <header-name: string> <date-part: string> <key-list: string-list>;
// §5: currentdate [":zone" <time-zone: string>] [COMPARATOR] [MATCH-TYPE] <date-part>
// <key-list>. A literal zone or date-part is checked here; one a variable supplies, at
// run time (the test is then false).
Result<void> compile_date(const Context& ctx, ArgReader& reader, Test& t, bool header) {
    t.kind = header ? Test::Kind::Date : Test::Kind::CurrentDate;
    if (auto r = ctx.need("date", t.pos, header ? "test date" : "test currentdate"); !r) return r;
    auto tags = match_tags(ctx, reader, t, false, [&](const ast::Argument& tag) -> Result<bool> {
        if (tag.tag == "zone" || (header && tag.tag == "originalzone")) {
            if (t.zone || t.original_zone) return reader.error(tag.pos, "more than one zone");
            if (tag.tag == "originalzone") {
                t.original_zone = true;
                return true;
            }
            auto z = reader.tag_string(tag);
            if (!z) return z.error();
            if (!(ctx.has("variables") && has_variable(*z)) && !parse_zone(*z))
                return reader.error(tag.pos, "invalid time zone \"" + *z + "\" (expected +hhmm or -hhmm)");
            t.zone = std::move(*z);
            return true;
        }
        if (header) return index_tag(ctx, reader, tag, t);
        return false;
    });
    if (!tags) return tags;
    if (auto r = check_index(reader, t); !r) return r;
    if (header) {
        auto name = reader.string("header name");
        if (!name) return name.error();
        t.names = {std::move(*name)};
    }
    auto part = reader.string("date part");
    if (!part) return part.error();
    if (!(ctx.has("variables") && has_variable(*part)) && !is_date_part(*part))
        return reader.error(reader.pos(), "unknown date part \"" + *part + "\"");
    t.date_part = text::to_lower(*part);
    return assign(reader.string_list("key list"), t.keys);
}

}  // namespace

Result<Test> compile_test(const Context& ctx, const ast::Test& test) {
    Test t;
    t.pos = test.pos;
    ArgReader reader(ctx, test.args, test.name, test.pos);
    const std::string& n = test.name;
    auto done = [&](Result<void> r) -> Result<Test> {
        if (!r) return r.error();
        if (auto f = reader.finish(); !f) return f.error();
        return std::move(t);
    };
    if (n == "true" || n == "false") {
        t.kind = n == "true" ? Test::Kind::True : Test::Kind::False;
        return done(no_tests(reader, test));
    }
    if (n == "not" || n == "allof" || n == "anyof") {
        t.kind = n == "not" ? Test::Kind::Not : n == "allof" ? Test::Kind::AllOf : Test::Kind::AnyOf;
        if (n == "not" && (test.tests.size() != 1 || test.test_list))
            return reader.error(test.pos, "expected one test");
        if (n != "not" && (test.tests.empty() || !test.test_list))
            return reader.error(test.pos, "expected a test list \"( ... )\"");
        for (const auto& sub : test.tests) {
            auto c = compile_test(ctx, sub);
            if (!c) return c.error();
            t.tests.push_back(std::move(*c));
        }
        return done({});
    }
    if (auto r = no_tests(reader, test); !r) return r.error();
    if (n == "address" || n == "envelope") {
        t.kind = n == "address" ? Test::Kind::Address : Test::Kind::Envelope;
        if (n == "envelope") {
            if (auto r = ctx.need("envelope", test.pos, "test envelope"); !r) return r.error();
        }
        auto tags = n == "address" ? match_tags(ctx, reader, t, true,
                                                [&](const ast::Argument& tag) { return index_tag(ctx, reader, tag, t); })
                                   : match_tags(ctx, reader, t, true);
        if (!tags) return tags.error();
        if (auto r = check_index(reader, t); !r) return r.error();
        if (auto r = assign(reader.string_list("header list"), t.names); !r) return r.error();
        if (n == "address") {
            for (const auto& h : t.names) {
                if (h.find("${") != std::string::npos) continue;
                if (!is_address_header(h)) return reader.error(test.pos, "header \"" + h + "\" holds no addresses");
            }
        }
        if (n == "envelope") {
            for (const auto& part : t.names) {
                if (part.find("${") != std::string::npos) continue;
                if (!text::iequals(part, "from") && !text::iequals(part, "to"))
                    return reader.error(test.pos, "unsupported envelope part \"" + part + "\"");
            }
        }
        return done(assign(reader.string_list("key list"), t.keys));
    }
    if (n == "header" || n == "string") {
        t.kind = n == "header" ? Test::Kind::Header : Test::Kind::String;
        if (n == "string") {
            if (auto r = ctx.need("variables", test.pos, "test string"); !r) return r.error();
        }
        auto tags = n == "header" ? match_tags(ctx, reader, t, false,
                                               [&](const ast::Argument& tag) { return index_tag(ctx, reader, tag, t); })
                                  : match_tags(ctx, reader, t, false);
        if (!tags) return tags.error();
        if (auto r = check_index(reader, t); !r) return r.error();
        if (auto r = assign(reader.string_list(n == "header" ? "header names" : "source"), t.names); !r)
            return r.error();
        return done(assign(reader.string_list("key list"), t.keys));
    }
    if (n == "exists") {
        t.kind = Test::Kind::Exists;
        return done(assign(reader.string_list("header names"), t.names));
    }
    if (n == "size") {
        t.kind = Test::Kind::Size;
        const ast::Argument* tag = reader.tag();
        if (!tag || (tag->tag != "over" && tag->tag != "under"))
            return reader.error(test.pos, "expected :over or :under");
        t.over = tag->tag == "over";
        auto limit = reader.number("limit");
        if (!limit) return limit.error();
        t.limit = *limit;
        return done({});
    }
    if (n == "body") {
        t.kind = Test::Kind::Body;
        if (auto r = ctx.need("body", test.pos, "test body"); !r) return r.error();
        bool transform_seen = false;
        auto r = match_tags(ctx, reader, t, false, [&](const ast::Argument& tag) -> Result<bool> {
            if (tag.tag != "raw" && tag.tag != "text" && tag.tag != "content") return false;
            if (transform_seen) return reader.error(tag.pos, "more than one body transform");
            transform_seen = true;
            if (tag.tag == "raw") t.transform = BodyTransform::Raw;
            else if (tag.tag == "text") t.transform = BodyTransform::Text;
            else {
                t.transform = BodyTransform::Content;
                auto types = reader.tag_string_list(tag);
                if (!types) return types.error();
                t.content_types = std::move(*types);
            }
            return true;
        });
        if (!r) return r.error();
        return done(assign(reader.string_list("key list"), t.keys));
    }
    if (n == "hasflag") {
        t.kind = Test::Kind::HasFlag;
        if (auto r = ctx.need("imap4flags", test.pos, "test hasflag"); !r) return r.error();
        if (auto r = match_tags(ctx, reader, t, false); !r) return r.error();
        if (reader.remaining() >= 2) {
            if (auto r = assign(reader.string_list("variable list"), t.names); !r) return r.error();
            for (const auto& v : t.names)
                if (!is_identifier(v)) return reader.error(test.pos, "invalid variable name \"" + v + "\"");
        }
        return done(assign(reader.string_list("flag list"), t.keys));
    }
    if (n == "mailboxexists") {
        t.kind = Test::Kind::MailboxExists;
        if (auto r = ctx.need("mailbox", test.pos, "test mailboxexists"); !r) return r.error();
        return done(assign(reader.string_list("mailbox names"), t.names));
    }
    if (n == "date" || n == "currentdate") return done(compile_date(ctx, reader, t, n == "date"));
    return syntax_error(test.pos, "unknown test \"" + n + "\"");
}

}  // namespace mr::sieve::detail
