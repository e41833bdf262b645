#include <doctest/doctest.h>

#include <string>

#include "test_support.hpp"

using namespace mr::imapd;
using mr::imapd::test::parse_bad;
using mr::imapd::test::parse_ok;
using Kind = SearchKey::Kind;

namespace {

// A compact rendering of a key tree for whole-tree comparisons.
std::string show(const SearchKey& k) {
    switch (k.kind) {
        case Kind::And: {
            std::string s = "(";
            for (std::size_t i = 0; i < k.children.size(); ++i) s += (i ? " " : "") + show(k.children[i]);
            return s + ")";
        }
        case Kind::Or: return "OR " + show(k.children[0]) + " " + show(k.children[1]);
        case Kind::Not: return "NOT " + show(k.children[0]);
        case Kind::SequenceSet: return "SEQ" + std::to_string(k.set.items().size());
        case Kind::Uid: return "UID" + std::to_string(k.set.items().size());
        case Kind::Larger: return "LARGER " + std::to_string(k.size);
        case Kind::Smaller: return "SMALLER " + std::to_string(k.size);
        case Kind::ModSeq: return "MODSEQ " + std::to_string(k.modseq);
        case Kind::Header: return "HEADER " + k.header + "=" + k.value;
        case Kind::Before: case Kind::On: case Kind::Since:
        case Kind::SentBefore: case Kind::SentOn: case Kind::SentSince:
            return "DATE" + std::to_string(static_cast<int>(k.kind)) + ":" + std::to_string(k.date.year) + "-" +
                   std::to_string(k.date.month) + "-" + std::to_string(k.date.day);
        default:
            return "K" + std::to_string(static_cast<int>(k.kind)) + (k.value.empty() ? "" : "=" + k.value);
    }
}

SearchKey top(std::string_view wire) { return parse_ok<SearchCmd>(wire).key; }

}  // namespace

TEST_CASE("search: every RFC 3501 key parses") {
    const char* keys[] = {
        "ALL", "ANSWERED", "BCC x", "BEFORE 1-Feb-1994", "BODY \"some text\"", "CC x", "DELETED",
        "DRAFT", "FLAGGED", "FROM \"Smith\"", "HEADER Message-ID <x@y>", "KEYWORD $Forwarded",
        "LARGER 1000", "NEW", "NOT SEEN", "OLD", "ON 01-Jan-2000", "OR SEEN DRAFT", "RECENT",
        "SEEN", "SENTBEFORE \"1-Feb-1994\"", "SENTON 29-Feb-2024", "SENTSINCE 1-feb-1994",
        "SINCE 31-Dec-1999", "SMALLER 5", "SUBJECT {4}\r\nwhat", "TEXT hello", "TO bob",
        "UID 1:*", "UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNKEYWORD NonJunk",
        "UNSEEN", "2,4:7,9,12:*", "*", "(SEEN FLAGGED)",
    };
    for (const char* k : keys) {
        CAPTURE(k);
        auto s = parse_ok<SearchCmd>(std::string("a SEARCH ") + k);
        CHECK(s.key.kind == Kind::And);
        CHECK(s.key.children.size() == 1);
    }
}

TEST_CASE("search: structure of keys") {
    CHECK(show(top("a SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"")) ==
          "(K" + std::to_string(static_cast<int>(Kind::Flagged)) + " DATE" +
              std::to_string(static_cast<int>(Kind::Since)) + ":1994-2-1 NOT K" +
              std::to_string(static_cast<int>(Kind::From)) + "=Smith)");
    auto k = top("a SEARCH OR (SEEN UID 5:7) NOT LARGER 4294967296 1:3");
    CHECK(show(k) == "(OR (K" + std::to_string(static_cast<int>(Kind::Seen)) +
                         " UID1) NOT LARGER 4294967296 SEQ1)");
    k = top("a SEARCH HEADER \"X-Mailer\" \"\"");
    CHECK(show(k) == "(HEADER X-Mailer=)");
    k = top("a search or or seen draft deleted");
    CHECK(show(k.children[0]).rfind("OR OR ", 0) == 0);
    k = top("a SEARCH ((((ALL))))");
    CHECK(show(k) == "(((((K0)))))");
    auto s = parse_ok<SearchCmd>("a UID SEARCH CHARSET UTF-8 SUBJECT {6}\r\n\xc3\xa4pfel");
    CHECK(s.uid);
    CHECK(s.charset == "UTF-8");
    CHECK(s.key.children[0].value == "\xc3\xa4pfel");
    s = parse_ok<SearchCmd>("a SEARCH CHARSET \"us-ascii\" ALL");
    CHECK(s.charset == "us-ascii");
    // Dates: day of one or two digits, month in any case, quoted or not.
    CHECK(top("a SEARCH ON 7-jUL-2021").children[0].date == ImapDate{2021, 7, 7});
}

TEST_CASE("search: bad syntax") {
    struct Row {
        const char* wire;
        const char* why;
    };
    const Row rows[] = {
        {"a SEARCH", "at least one key"},
        {"a SEARCH CHARSET UTF-8", "charset without a key"},
        {"a SEARCH FROB", "unknown key"},
        {"a SEARCH FROM", "missing argument"},
        {"a SEARCH FROM  x", "double SP"},
        {"a SEARCH SEEN ", "trailing SP"},
        {"a SEARCH (SEEN", "unclosed group"},
        {"a SEARCH ()", "empty group"},
        {"a SEARCH SEEN)", "stray )"},
        {"a SEARCH OR SEEN", "OR needs two keys"},
        {"a SEARCH NOT", "NOT needs a key"},
        {"a SEARCH BEFORE 1994-02-01", "ISO date"},
        {"a SEARCH BEFORE 30-Feb-2024", "no 30 February"},
        {"a SEARCH BEFORE 29-Feb-2023", "2023 is not a leap year"},
        {"a SEARCH BEFORE 001-Feb-2024", "day has at most two digits"},
        {"a SEARCH BEFORE 1-Foo-2024", "unknown month"},
        {"a SEARCH BEFORE 1-Feb-24", "year has four digits"},
        {"a SEARCH LARGER x", "size is a number"},
        {"a SEARCH LARGER -1", "no sign"},
        {"a SEARCH UID", "UID needs a set"},
        {"a SEARCH UID 0", "zero is not a UID"},
        {"a SEARCH KEYWORD \"x\"", "keyword is an atom"},
        {"a SEARCH HEADER Subject", "HEADER needs a value"},
        {"a SEARCH 1:2:3", "range of three"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.why);
        parse_bad(row.wire);
    }
}

TEST_CASE("search: nesting depth is bounded") {
    std::string deep = "a SEARCH ";
    for (int i = 0; i < 1000; ++i) deep += "(";
    deep += "ALL";
    for (int i = 0; i < 1000; ++i) deep += ")";
    CHECK(parse_bad(deep) == "Search keys nested too deeply");
    std::string nots = "a SEARCH";
    for (int i = 0; i < 1000; ++i) nots += " NOT";
    CHECK(parse_bad(nots + " SEEN") == "Search keys nested too deeply");
    std::string ok = "a SEARCH ";
    for (int i = 0; i < 30; ++i) ok += "(";
    ok += "ALL";
    for (int i = 0; i < 30; ++i) ok += ")";
    parse_ok<SearchCmd>(ok);
}

TEST_CASE("search: MODSEQ criterion, with and without an entry (RFC 7162 §3.1.5)") {
    auto top = [](std::string_view wire) { return show(parse_ok<SearchCmd>(wire).key); };
    CHECK(top("a SEARCH MODSEQ 620162338") == "(MODSEQ 620162338)");
    CHECK(top("a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338") == "(MODSEQ 620162338)");
    CHECK(top("a UID SEARCH OR MODSEQ 0 LARGER 5") == "(OR MODSEQ 0 LARGER 5)");
    parse_bad("a SEARCH MODSEQ");
    parse_bad("a SEARCH MODSEQ x");
    parse_bad("a SEARCH MODSEQ \"/flags/\\\\draft\" 5");
    parse_bad("a SEARCH MODSEQ \"/flags/\\\\draft\" frob 5");
    parse_bad("a SEARCH MODSEQ 9223372036854775808");
}

TEST_CASE("search: SAVEDATE keys (RFC 8514 §4.2) and EMAILID/THREADID (RFC 8474 §6)") {
    auto k = top("a SEARCH SAVEDBEFORE 1-Feb-1994 SAVEDON \"29-Feb-2024\" SAVEDSINCE 1-Jan-2000 SAVEDATESUPPORTED");
    REQUIRE(k.children.size() == 4);
    CHECK(k.children[0].kind == Kind::SavedBefore);
    CHECK(k.children[0].date == ImapDate{1994, 2, 1});
    CHECK(k.children[1].kind == Kind::SavedOn);
    CHECK(k.children[1].date == ImapDate{2024, 2, 29});
    CHECK(k.children[2].kind == Kind::SavedSince);
    CHECK(k.children[3].kind == Kind::SaveDateSupported);

    k = top("a SEARCH EMAILID Mabc_12-3 THREADID T1");
    REQUIRE(k.children.size() == 2);
    CHECK(k.children[0].kind == Kind::EmailId);
    CHECK(k.children[0].value == "Mabc_12-3");
    CHECK(k.children[1].kind == Kind::ThreadId);
    CHECK(k.children[1].value == "T1");

    parse_bad("a SEARCH EMAILID");
    parse_bad("a SEARCH EMAILID \"M1\"");   // objectid is an atom-like token, not a string
    parse_bad("a SEARCH EMAILID M1.2");     // "." is not an objectid character
    parse_bad("a SEARCH EMAILID " + std::string(256, 'a'));
    parse_bad("a SEARCH SAVEDON 30-Feb-2024");
}
