// ADDTO and REMOVEFROM of update contexts (RFC 5267 §4.3), pure: search_context.hpp.
#include <doctest/doctest.h>

#include "imapd/session/search_context.hpp"

using namespace mr::imapd;
using namespace mr::imapd::session;

namespace {

SortEntry entry(std::uint32_t uid, std::int64_t size = 0) {
    SortEntry e;
    e.position = uid;
    e.size = size;
    return e;
}

const NumberOf kUid = [](std::uint32_t uid) { return uid; };

UpdateContext search_context(std::vector<std::uint32_t> uids) {
    UpdateContext c;
    c.tag = "B01";
    c.uid = true;
    for (auto u : uids) c.members.push_back(entry(u));
    return c;
}

std::vector<std::uint32_t> uids_of(const UpdateContext& c) {
    std::vector<std::uint32_t> out;
    for (const auto& e : c.members) out.push_back(e.position);
    return out;
}

}  // namespace

TEST_CASE("search context: position 0 and sets in mailbox order") {
    auto c = search_context({2, 5, 9});
    CHECK(add_members(c, {entry(7), entry(32768), entry(32769)}, kUid) ==
          "* ESEARCH (TAG \"B01\") UID ADDTO (0 7,32768:32769)\r\n");
    CHECK(uids_of(c) == std::vector<std::uint32_t>{2, 5, 7, 9, 32768, 32769});
    CHECK(remove_members(c, {5, 6, 32768}, kUid) == "* ESEARCH (TAG \"B01\") UID REMOVEFROM (0 5,32768)\r\n");
    CHECK(uids_of(c) == std::vector<std::uint32_t>{2, 7, 9, 32769});
    CHECK(remove_members(c, {1, 3}, kUid).empty());  // not members: nothing to say
    CHECK(add_members(c, {}, kUid).empty());
    CHECK(is_member(c, 9));
    CHECK_FALSE(is_member(c, 5));
}

TEST_CASE("search context: message numbers come from the caller") {
    auto c = search_context({10, 20});
    c.uid = false;
    const NumberOf seq = [](std::uint32_t uid) { return uid / 10; };
    CHECK(add_members(c, {entry(30)}, seq) == "* ESEARCH (TAG \"B01\") ADDTO (0 3)\r\n");
}

TEST_CASE("sort context: positions in sort order, runs applied in turn") {
    // SORT (SIZE): members by size 10, 20, 30, 40 (UIDs 4, 3, 2, 1).
    UpdateContext c;
    c.tag = "C01";
    c.uid = true;
    c.sorted = true;
    c.criteria = {SortCriterion{SortCriterion::Key::Size, false}};
    c.members = {entry(4, 10), entry(3, 20), entry(2, 30), entry(1, 40)};
    // New sizes 5 (first), 25 and 26 (between 20 and 30), 50 (last).
    CHECK(add_members(c, {entry(8, 50), entry(6, 25), entry(5, 5), entry(7, 26)}, kUid) ==
          "* ESEARCH (TAG \"C01\") UID ADDTO (1 5 4 6:7 8 8)\r\n");
    CHECK(uids_of(c) == std::vector<std::uint32_t>{5, 4, 3, 6, 7, 2, 1, 8});
    // Removing 4 (2nd), 3 (3rd) and 2 (6th): one run at 2, then 2 at 6 - 2 = 4.
    CHECK(remove_members(c, {2, 3, 4}, kUid) == "* ESEARCH (TAG \"C01\") UID REMOVEFROM (2 4,3 4 2)\r\n");
    CHECK(uids_of(c) == std::vector<std::uint32_t>{5, 6, 7, 1, 8});
    // Equal keys keep mailbox (UID) order.
    CHECK(add_members(c, {entry(9, 25)}, kUid) == "* ESEARCH (TAG \"C01\") UID ADDTO (3 9)\r\n");
}

TEST_CASE("ordered_set keeps the given order") {
    CHECK(ordered_set({1, 2, 3, 7}) == "1:3,7");
    CHECK(ordered_set({9, 8, 2, 3}) == "9,8,2:3");
    CHECK(ordered_set({}).empty());
}
