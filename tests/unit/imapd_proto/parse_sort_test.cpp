// SORT, THREAD (RFC 5256 §5) and the RETURN options of ESEARCH/ESORT (RFC 4731, RFC 5267).
#include <doctest/doctest.h>

#include <string>

#include "test_support.hpp"

using namespace mr::imapd;
using mr::imapd::test::parse_bad;
using mr::imapd::test::parse_ok;
using Key = SortCriterion::Key;

TEST_CASE("sort: criteria, REVERSE, charset and keys") {
    const auto c = parse_ok<SortCmd>("a SORT (REVERSE DATE subject DisplayFrom) UTF-8 UNSEEN FROM x");
    REQUIRE(c.criteria.size() == 3);
    CHECK(c.criteria[0].key == Key::Date);
    CHECK(c.criteria[0].reverse);
    CHECK(c.criteria[1].key == Key::Subject);
    CHECK_FALSE(c.criteria[1].reverse);
    CHECK(c.criteria[2].key == Key::DisplayFrom);
    CHECK(c.charset == "UTF-8");
    CHECK(c.key.children.size() == 2);
    CHECK_FALSE(c.uid);
    CHECK_FALSE(c.ret);
    CHECK(parse_ok<SortCmd>("a UID SORT (ARRIVAL) US-ASCII ALL").uid);
    const auto e = parse_ok<SortCmd>("a SORT RETURN (MIN COUNT) (SIZE) UTF-8 ALL");
    REQUIRE(e.ret);
    CHECK(e.ret->min);
    CHECK(e.ret->count);
    CHECK_FALSE(e.ret->all);
}

TEST_CASE("thread: algorithms") {
    CHECK(parse_ok<ThreadCmd>("a THREAD REFERENCES UTF-8 ALL").algorithm == ThreadCmd::Algorithm::References);
    const auto t = parse_ok<ThreadCmd>("a UID THREAD orderedsubject us-ascii SINCE 5-MAR-2000");
    CHECK(t.algorithm == ThreadCmd::Algorithm::OrderedSubject);
    CHECK(t.uid);
    CHECK(t.charset == "us-ascii");
}

TEST_CASE("search RETURN options (ESEARCH)") {
    const auto s = parse_ok<SearchCmd>("a SEARCH RETURN () FLAGGED");
    REQUIRE(s.ret);
    CHECK(s.ret->all);  // () is ALL (rfc4731.txt:148)
    const auto p = parse_ok<SearchCmd>("a UID SEARCH RETURN (COUNT PARTIAL 10:1) CHARSET UTF-8 ALL");
    REQUIRE(p.ret);
    CHECK(p.ret->count);
    REQUIRE(p.ret->partial);
    CHECK(p.ret->partial->first == 1);
    CHECK(p.ret->partial->second == 10);
    CHECK(p.charset == "UTF-8");
    CHECK_FALSE(parse_ok<SearchCmd>("a SEARCH ALL").ret);
}

TEST_CASE("sort, thread and RETURN: bad syntax") {
    const char* rows[] = {
        "a SORT", "a SORT () UTF-8 ALL", "a SORT (DATE) ALL", "a SORT (DATE) UTF-8", "a SORT (NAME) UTF-8 ALL",
        "a SORT (REVERSE) UTF-8 ALL", "a SORT DATE UTF-8 ALL", "a SORT (DATE  SIZE) UTF-8 ALL",
        "a SORT (DATE) UTF-8 FROB", "a THREAD", "a THREAD REFERENCES", "a THREAD REFERENCES UTF-8",
        "a THREAD X-FOO UTF-8 ALL", "a SEARCH RETURN ALL", "a SEARCH RETURN (MIN", "a SEARCH RETURN (FOO) ALL",
        "a SEARCH RETURN (MIN MIN) ALL", "a SEARCH RETURN (PARTIAL 0:5) ALL", "a SEARCH RETURN (MIN)",
        "a SORT RETURN (MIN) UTF-8 ALL",
    };
    for (const char* wire : rows) parse_bad(wire);
    CHECK(parse_bad("a THREAD X-FOO UTF-8 ALL").find("thread algorithm") != std::string::npos);
    CHECK(parse_bad("a SORT (NAME) UTF-8 ALL").find("sort key") != std::string::npos);
}
