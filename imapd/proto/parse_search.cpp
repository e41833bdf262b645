// SEARCH arguments (RFC 3501 §6.4.4 rfc3501.txt:2723; grammar rfc3501.txt:4954 search,
// :4957 search-key). Recursion (NOT, OR, parentheses) is bounded by kMaxSearchDepth so a
// line of 30,000 "(" cannot exhaust the stack.
#include <algorithm>
#include <string>
#include <utility>

#include "imapd/proto/parse_command.hpp"
#include "imapd/proto/parse_internal.hpp"

namespace mr::imapd::detail {

namespace {

using Kind = SearchKey::Kind;

struct KeyName {
    std::string_view text;
    Kind kind;
};

// Keys without arguments.
constexpr KeyName kBareKeys[] = {
    {"ALL", Kind::All},           {"ANSWERED", Kind::Answered},   {"DELETED", Kind::Deleted},
    {"DRAFT", Kind::Draft},       {"FLAGGED", Kind::Flagged},     {"NEW", Kind::New},
    {"OLD", Kind::Old},           {"RECENT", Kind::Recent},       {"SEEN", Kind::Seen},
    {"UNANSWERED", Kind::Unanswered}, {"UNDELETED", Kind::Undeleted}, {"UNDRAFT", Kind::Undraft},
    {"UNFLAGGED", Kind::Unflagged}, {"UNSEEN", Kind::Unseen},
    {"SAVEDATESUPPORTED", Kind::SaveDateSupported},  // RFC 8514 §4.2
};
// Keys with one astring.
constexpr KeyName kStringKeys[] = {
    {"BCC", Kind::Bcc},   {"BODY", Kind::Body}, {"CC", Kind::Cc},     {"FROM", Kind::From},
    {"SUBJECT", Kind::Subject}, {"TEXT", Kind::Text}, {"TO", Kind::To},
};
// Keys with one date.
constexpr KeyName kDateKeys[] = {
    {"BEFORE", Kind::Before},         {"ON", Kind::On},          {"SINCE", Kind::Since},
    {"SENTBEFORE", Kind::SentBefore}, {"SENTON", Kind::SentOn}, {"SENTSINCE", Kind::SentSince},
    {"SAVEDBEFORE", Kind::SavedBefore}, {"SAVEDON", Kind::SavedOn}, {"SAVEDSINCE", Kind::SavedSince},  // RFC 8514 §4.2
};

// date = date-text / DQUOTE date-text DQUOTE (rfc3501.txt:4690).
Result<ImapDate> search_date(ArgCursor& in) {
    if (in.peek() == '"') {
        auto text = in.string("date");
        if (!text) return text.error();
        return parse_date_text(*text);
    }
    auto text = in.atom("date");
    if (!text) return text.error();
    return parse_date_text(*text);
}

Result<SearchKey> search_key(ArgCursor& in, int depth);

// search-key *(SP search-key), up to `close` (')' for a group, end for the top level).
Result<void> key_list(ArgCursor& in, int depth, SearchKey& group, bool parenthesised) {
    while (true) {
        auto k = search_key(in, depth);
        if (!k) return k.error();
        group.children.push_back(std::move(*k));
        if (parenthesised && in.eat(')')) return {};
        if (!parenthesised && in.at_end()) return {};
        if (auto r = in.sp(); !r) return syntax_error(parenthesised ? "SP or ) in search" : "SP in search");
    }
}

Result<SearchKey> search_key(ArgCursor& in, int depth) {
    if (depth > kMaxSearchDepth) return Error::syntax("Search keys nested too deeply");
    SearchKey key;
    const char c = in.peek();
    if (text::is_digit(c) || c == '*' || c == '$') {
        auto set = parse_sequence_set(in);
        if (!set) return set.error();
        key.kind = Kind::SequenceSet;
        key.set = std::move(*set);
        return key;
    }
    if (in.eat('(')) {
        key.kind = Kind::And;
        if (auto r = key_list(in, depth + 1, key, true); !r) return r.error();
        return key;
    }
    for (const auto& n : kBareKeys) {
        if (in.eat_keyword(n.text)) {
            key.kind = n.kind;
            return key;
        }
    }
    for (const auto& n : kStringKeys) {
        if (in.eat_keyword(n.text)) {
            key.kind = n.kind;
            if (auto r = in.sp(); !r) return r.error();
            auto v = in.astring("search string");
            if (!v) return v.error();
            key.value = std::move(*v);
            return key;
        }
    }
    for (const auto& n : kDateKeys) {
        if (in.eat_keyword(n.text)) {
            key.kind = n.kind;
            if (auto r = in.sp(); !r) return r.error();
            auto d = search_date(in);
            if (!d) return d.error();
            key.date = *d;
            return key;
        }
    }
    const bool larger = in.eat_keyword("LARGER");
    if (larger || in.eat_keyword("SMALLER")) {
        key.kind = larger ? Kind::Larger : Kind::Smaller;
        if (auto r = in.sp(); !r) return r.error();
        auto n = in.number64("size");
        if (!n) return n.error();
        key.size = *n;
        return key;
    }
    const bool older = in.eat_keyword("OLDER");
    if (older || in.eat_keyword("YOUNGER")) {
        // WITHIN (RFC 5032 §4): "OLDER" / "YOUNGER" SP nz-number, an interval in seconds.
        key.kind = older ? Kind::Older : Kind::Younger;
        if (auto r = in.sp(); !r) return r.error();
        auto n = in.nz_number("interval in seconds");
        if (!n) return n.error();
        key.size = *n;
        return key;
    }
    const bool email_id = in.eat_keyword("EMAILID");
    if (email_id || in.eat_keyword("THREADID")) {
        // search-key =/ "EMAILID" SP objectid / "THREADID" SP objectid;
        // objectid = 1*255(ALPHA / DIGIT / "_" / "-") (RFC 8474 §7).
        key.kind = email_id ? Kind::EmailId : Kind::ThreadId;
        if (auto r = in.sp(); !r) return r.error();
        auto id = in.atom("object id");
        if (!id) return id.error();
        const bool valid = id->size() <= 255 && std::all_of(id->begin(), id->end(), [](char ch) {
            return text::is_alpha(ch) || text::is_digit(ch) || ch == '_' || ch == '-';
        });
        if (!valid) return Error::syntax("Invalid object id");
        key.value = std::string(*id);
        return key;
    }
    const bool keyword = in.eat_keyword("KEYWORD");
    if (keyword || in.eat_keyword("UNKEYWORD")) {
        // flag-keyword = atom (rfc3501.txt:4781)
        key.kind = keyword ? Kind::Keyword : Kind::Unkeyword;
        if (auto r = in.sp(); !r) return r.error();
        auto k = in.atom("keyword");
        if (!k) return k.error();
        key.value = std::string(*k);
        return key;
    }
    if (in.eat_keyword("HEADER")) {
        key.kind = Kind::Header;
        if (auto r = in.sp(); !r) return r.error();
        auto field = in.astring("header field name");
        if (!field) return field.error();
        if (auto r = in.sp(); !r) return r.error();
        auto v = in.astring("search string");
        if (!v) return v.error();
        key.header = std::move(*field);
        key.value = std::move(*v);
        return key;
    }
    if (in.eat_keyword("MODSEQ")) {
        // search-modsequence = "MODSEQ" [SP entry-name SP entry-type-req] SP
        // mod-sequence-valzer (RFC 7162 §7, rfc7162.txt:2499). One MODSEQ per message,
        // so the entry is read and ignored, as §3.1.5 asks (rfc7162.txt:1056).
        key.kind = Kind::ModSeq;
        if (auto r = in.sp(); !r) return r.error();
        if (in.peek() == '"') {
            auto entry = in.string("entry name");
            if (!entry) return entry.error();
            if (auto r = in.sp(); !r) return r.error();
            if (!in.eat_keyword("PRIV") && !in.eat_keyword("SHARED") && !in.eat_keyword("ALL"))
                return syntax_error("entry type priv, shared or all");
            if (auto r = in.sp(); !r) return r.error();
        }
        auto m = parse_mod_sequence(in);
        if (!m) return m.error();
        key.modseq = *m;
        return key;
    }
    if (in.eat_keyword("UID")) {
        key.kind = Kind::Uid;
        if (auto r = in.sp(); !r) return r.error();
        auto set = parse_sequence_set(in);
        if (!set) return set.error();
        key.set = std::move(*set);
        return key;
    }
    if (in.eat_keyword("NOT")) {
        key.kind = Kind::Not;
        if (auto r = in.sp(); !r) return r.error();
        auto k = search_key(in, depth + 1);
        if (!k) return k.error();
        key.children.push_back(std::move(*k));
        return key;
    }
    if (in.eat_keyword("OR")) {
        key.kind = Kind::Or;
        for (int i = 0; i < 2; ++i) {
            if (auto r = in.sp(); !r) return r.error();
            auto k = search_key(in, depth + 1);
            if (!k) return k.error();
            key.children.push_back(std::move(*k));
        }
        return key;
    }
    return syntax_error("search key");
}

}  // namespace

// search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
// (RFC 4466 §2.6; the options of RFC 4731 at rfc4731.txt:266); SAVE from RFC 5182 §2,
// PARTIAL, CONTEXT and UPDATE from RFC 5267 §4.4, §4.2, §4.3. Each option at most once;
// "()" means ALL (rfc4731.txt:148).
Result<void> parse_search_return(ArgCursor& in, std::optional<SearchReturn>& out) {
    if (!in.eat_keyword("RETURN")) return {};
    if (auto r = in.sp(); !r) return r.error();
    SearchReturn& ret = out.emplace();
    if (auto r = in.expect('(', "( of RETURN options"); !r) return r.error();
    bool any = false;
    while (!in.eat(')')) {
        if (any) {
            if (auto r = in.sp(); !r) return syntax_error("SP or ) in RETURN options");
        }
        any = true;
        bool* flag = nullptr;
        if (in.eat_keyword("MIN")) flag = &ret.min;
        else if (in.eat_keyword("MAX")) flag = &ret.max;
        else if (in.eat_keyword("ALL")) flag = &ret.all;
        else if (in.eat_keyword("COUNT")) flag = &ret.count;
        else if (in.eat_keyword("SAVE")) flag = &ret.save;
        if (flag) {
            if (*flag) return syntax_error("each RETURN option once");
            *flag = true;
            continue;
        }
        if (in.eat_keyword("CONTEXT")) continue;  // a hint (RFC 5267 §4.2)
        if (in.eat_keyword("UPDATE")) {
            // modifier-update = "UPDATE" [ "(" fetch-att *(SP fetch-att) ")" ]: RFC 5465 §8
            // extends RFC 5267's bare UPDATE, whose argument-less form is the same.
            if (ret.update) return syntax_error("each RETURN option once");
            ret.update = true;
            // No option starts with "(": an SP and one here is the list.
            if (ArgCursor ahead = in; ahead.eat(' ') && ahead.eat('(')) {
                (void)in.sp();
                auto items = parse_fetch_att_list(in);
                if (!items) return items.error();
                ret.update_fetch = std::move(*items);
            }
            continue;
        }
        if (in.eat_keyword("PARTIAL")) {
            // partial-range = nz-number ":" nz-number (RFC 5267 §6).
            if (ret.partial) return syntax_error("each RETURN option once");
            if (auto r = in.sp(); !r) return r.error();
            auto first = in.nz_number("partial range start");
            if (!first) return first.error();
            if (auto r = in.expect(':', ": in partial range"); !r) return r.error();
            auto last = in.nz_number("partial range end");
            if (!last) return last.error();
            ret.partial = std::minmax(*first, *last);
            continue;
        }
        return syntax_error("RETURN option MIN, MAX, ALL, COUNT, SAVE, PARTIAL, CONTEXT or UPDATE");
    }
    if (!any) ret.all = true;
    return in.sp();
}

Result<SearchKey> parse_search_keys(ArgCursor& in) {
    SearchKey key;
    key.kind = Kind::And;
    if (auto r = key_list(in, 1, key, false); !r) return r.error();
    return key;
}

// search = "SEARCH" [search-return-opts] [SP "CHARSET" SP astring] 1*(SP search-key)
// (rfc3501.txt:4954; RFC 4466 §2.6).
Result<CommandArgs> parse_search(ArgCursor& in, bool uid) {
    SearchCmd cmd;
    cmd.uid = uid;
    if (auto r = parse_search_return(in, cmd.ret); !r) return r.error();
    if (in.eat_keyword("CHARSET")) {
        if (auto r = in.sp(); !r) return r.error();
        auto cs = in.astring("charset");
        if (!cs) return cs.error();
        cmd.charset = std::move(*cs);
        if (auto r = in.sp(); !r) return r.error();
    }
    auto key = parse_search_keys(in);
    if (!key) return key.error();
    cmd.key = std::move(*key);
    return CommandArgs{std::move(cmd)};
}

}  // namespace mr::imapd::detail
