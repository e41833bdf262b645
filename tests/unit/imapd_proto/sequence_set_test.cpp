#include "imapd/proto/sequence_set.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace mr::imapd;

namespace {

NumberSet resolved(std::string_view text, std::uint32_t largest) {
    auto s = SequenceSet::parse(text);
    REQUIRE_MESSAGE(s.ok(), text);
    return s->resolve(largest);
}

std::vector<std::uint32_t> members(const NumberSet& set) { return {set.begin(), set.end()}; }

}  // namespace

TEST_CASE("sequence set: RFC 3501 examples (rfc3501.txt:5024)") {
    // "2,4:7,9,12:*" for a mailbox with 15 messages.
    CHECK(members(resolved("2,4:7,9,12:*", 15)) ==
          std::vector<std::uint32_t>{2, 4, 5, 6, 7, 9, 12, 13, 14, 15});
    // "*:4,5:7" for 10 messages is 4..10.
    CHECK(resolved("*:4,5:7", 10).to_string() == "4:10");
    // Ranges in either order.
    CHECK(resolved("5:2", 10) == resolved("2:5", 10));
    // "3291:*" includes the last UID even when it is smaller (rfc3501.txt:5021).
    CHECK(resolved("3291:*", 3000).to_string() == "3000:3291");
    CHECK(resolved("*", 7).to_string() == "7");
}

TEST_CASE("sequence set: resolve against an empty mailbox") {
    CHECK(resolved("*", 0).empty());
    CHECK(resolved("3:*", 0).to_string() == "1:3");
    CHECK(resolved("1,*", 0).to_string() == "1");
}

TEST_CASE("sequence set: huge ranges stay two integers") {
    auto set = resolved("1:4294967295", 0);
    REQUIRE(set.ranges().size() == 1);
    CHECK(set.count() == 4294967295ull);
    CHECK(set.contains(1));
    CHECK(set.contains(4294967295u));
    CHECK(!set.contains(0));
    CHECK(set.max() == 4294967295u);
    auto clamped = set.clamped(3);
    CHECK(members(clamped) == std::vector<std::uint32_t>{1, 2, 3});
    // Iteration near the top does not wrap.
    auto top = resolved("4294967294:4294967295", 0);
    CHECK(members(top) == std::vector<std::uint32_t>{4294967294u, 4294967295u});
    // Overlapping and adjacent members merge.
    CHECK(resolved("1:3,2:6,7,9,4294967295,10:4294967294", 0).to_string() == "1:7,9:4294967295");
}

TEST_CASE("sequence set: membership and counting") {
    auto set = resolved("1:3,10,20:30", 100);
    CHECK(set.count() == 3 + 1 + 11);
    for (std::uint32_t n : {1u, 2u, 3u, 10u, 20u, 25u, 30u}) CHECK(set.contains(n));
    for (std::uint32_t n : {0u, 4u, 9u, 11u, 19u, 31u, 100u}) CHECK(!set.contains(n));
    CHECK(set.min() == 1);
    CHECK(set.max() == 30);
    auto s = SequenceSet::parse("5,17:*,2");
    REQUIRE(s);
    CHECK(s->uses_star());
    CHECK(s->max_explicit() == 17);
    CHECK(!SequenceSet::parse("5:9")->uses_star());
}

TEST_CASE("sequence set: NumberSet from numbers and its wire form (COPYUID uid-set)") {
    const std::uint32_t uids[] = {9, 3, 4, 5, 1, 4, 12, 11};
    auto set = NumberSet::from_numbers(uids);
    CHECK(set.to_string() == "1,3:5,9,11:12");
    CHECK(NumberSet().to_string().empty());
    CHECK(NumberSet().begin() == NumberSet().end());
}

TEST_CASE("sequence set: bad syntax") {
    struct Row {
        const char* text;
        const char* why;
    };
    const Row rows[] = {
        {"", "empty"},          {"0", "zero"},           {"0:5", "zero in a range"},
        {"1,", "trailing comma"}, {",1", "leading comma"}, {"1,,2", "empty member"},
        {"1:", "open range"},   {":1", "open range"},    {"1:2:3", "three parts"},
        {"01", "leading zero"}, {"4294967296", "over 32 bits"}, {"99999999999", "too many digits"},
        {"1 2", "space"},       {"a", "letter"},         {"**", "double star"},
        {"-1", "sign"},         {"$", "SEARCHRES is not supported"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.why);
        CHECK(!SequenceSet::parse(row.text).ok());
    }
}

TEST_CASE("sequence set: positions of UIDs in a mailbox") {
    const std::uint32_t uids[] = {3, 5, 8, 9, 100, 4000000000u};
    auto pos = [&](std::string_view set, std::uint32_t largest) {
        return resolved(set, largest).positions_in(uids);
    };
    CHECK(pos("1:*", 4000000000u) == std::vector<std::size_t>{0, 1, 2, 3, 4, 5});
    CHECK(pos("4:8,100", 4000000000u) == std::vector<std::size_t>{1, 2, 4});
    CHECK(pos("1:2,10:99", 4000000000u).empty());
    // "*" is the highest UID: 200:* with largest 100 is 100:200.
    CHECK(pos("200:*", 100) == std::vector<std::size_t>{4});
    CHECK(pos("1:4294967295", 0).size() == 6);
    CHECK(NumberSet().positions_in(uids).empty());
    CHECK(pos("1:*", 9).size() == 4);
}
