// SORT and THREAD arguments (RFC 5256 §5, rfc5256.txt:758), with ESORT's return options
// (RFC 5267 §3.2) and SORT=DISPLAY's keys (RFC 5957 §4). The search keys are SEARCH's
// (parse_search.cpp).
#include <string>
#include <utility>

#include "imapd/proto/parse_command.hpp"
#include "imapd/proto/parse_internal.hpp"

namespace mr::imapd::detail {

namespace {

using Key = SortCriterion::Key;

struct KeyName {
    std::string_view text;
    Key key;
};
// sort-key (rfc5256.txt:764) and RFC 5957's DISPLAYFROM / DISPLAYTO.
constexpr KeyName kSortKeys[] = {
    {"ARRIVAL", Key::Arrival}, {"CC", Key::Cc},         {"DATE", Key::Date},
    {"FROM", Key::From},       {"SIZE", Key::Size},     {"SUBJECT", Key::Subject},
    {"TO", Key::To},           {"DISPLAYFROM", Key::DisplayFrom}, {"DISPLAYTO", Key::DisplayTo},
};

// sort-criteria = "(" sort-criterion *(SP sort-criterion) ")" (rfc5256.txt:760).
Result<std::vector<SortCriterion>> sort_criteria(ArgCursor& in) {
    std::vector<SortCriterion> out;
    if (auto r = in.expect('(', "( of sort criteria"); !r) return r.error();
    do {
        SortCriterion c;
        if (in.eat_keyword("REVERSE")) {
            c.reverse = true;
            if (auto r = in.sp(); !r) return r.error();
        }
        bool known = false;
        for (const auto& k : kSortKeys) {
            if (in.eat_keyword(k.text)) {
                c.key = k.key;
                known = true;
                break;
            }
        }
        if (!known) return syntax_error("sort key ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT, TO, DISPLAYFROM or DISPLAYTO");
        out.push_back(c);
        if (out.size() > 32) return syntax_error("at most 32 sort criteria");
    } while (in.eat(' '));
    if (auto r = in.expect(')', ") after sort criteria"); !r) return r.error();
    return out;
}

// search-criteria = charset 1*(SP search-key) (rfc5256.txt:774), after the SP before it.
Result<void> search_criteria(ArgCursor& in, std::string& charset, SearchKey& key) {
    auto cs = in.astring("charset");
    if (!cs) return cs.error();
    charset = std::move(*cs);
    if (in.at_end()) return syntax_error("search key after the charset");
    if (auto r = in.sp(); !r) return r.error();
    auto keys = parse_search_keys(in);
    if (!keys) return keys.error();
    key = std::move(*keys);
    return {};
}

}  // namespace

// sort = ["UID" SP] "SORT" [SP sort-return-opts] SP sort-criteria SP search-criteria
// (rfc5256.txt:758; sort-return-opts: RFC 5267 §6).
Result<CommandArgs> parse_sort(ArgCursor& in, bool uid) {
    SortCmd cmd;
    cmd.uid = uid;
    if (auto r = parse_search_return(in, cmd.ret); !r) return r.error();
    auto criteria = sort_criteria(in);
    if (!criteria) return criteria.error();
    cmd.criteria = std::move(*criteria);
    if (auto r = in.sp(); !r) return r.error();
    if (auto r = search_criteria(in, cmd.charset, cmd.key); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

// thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria (rfc5256.txt:767).
Result<CommandArgs> parse_thread(ArgCursor& in, bool uid) {
    ThreadCmd cmd;
    cmd.uid = uid;
    if (in.eat_keyword("ORDEREDSUBJECT")) cmd.algorithm = ThreadCmd::Algorithm::OrderedSubject;
    else if (in.eat_keyword("REFERENCES")) cmd.algorithm = ThreadCmd::Algorithm::References;
    else return syntax_error("thread algorithm ORDEREDSUBJECT or REFERENCES");
    if (auto r = in.sp(); !r) return r.error();
    if (auto r = search_criteria(in, cmd.charset, cmd.key); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

}  // namespace mr::imapd::detail
