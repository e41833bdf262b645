#include <doctest/doctest.h>

#include "imapd/session/flags.hpp"

using namespace mr::imapd::session;
namespace storage = mr::storage;

TEST_CASE("flags: client flag lists split into system bits and keywords") {
    auto r = split_flags({"\\Seen", "$Forwarded", "\\Draft", "work"});
    REQUIRE(r);
    CHECK(r->first == (storage::kSeen | storage::kDraft));
    CHECK(r->second == std::vector<std::string>{"$Forwarded", "work"});
    CHECK_FALSE(split_flags({"\\Recent"}));
    CHECK_FALSE(split_flags({"\\Bogus"}));
}

TEST_CASE("flags: flag-list in the order of RFC 3501's FLAGS, keywords after") {
    std::string o;
    append_flag_list(o, 0, {});
    CHECK(o == "()");
    o.clear();
    append_flag_list(o, storage::kSeen | storage::kAnswered | storage::kDraft | storage::kFlagged | storage::kDeleted,
                     {"$Forwarded"});
    CHECK(o == "(\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)");
    o.clear();
    append_flag_list(o, 0, {"a", "b"});
    CHECK(o == "(a b)");
    // Every bit split_flags gives back is written back under the same name.
    for (const auto& f : kSystemFlags) {
        std::string one;
        auto r = split_flags({std::string(f.name)});
        REQUIRE(r);
        append_flag_list(one, r->first, r->second);
        CHECK(one == "(" + std::string(f.name) + ")");
    }
}
