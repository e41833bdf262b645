// LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819) and the SPECIAL-USE selection
// (RFC 6154 §5.1) against a real MailboxStore: the cases imaptest's listext script checks
// and the RFCs' examples.
#include <doctest/doctest.h>

#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

namespace {

// The tree of imaptest's listext script under "x".
void make_tree(Harness& h) {
    for (const char* name : {"x/test1", "x/test2/test1", "x/test3", "x/test4/test5", "x/test4/test52", "x/test6",
                             "x/test7/test7", "x/test8/test8", "x/test8/test9"}) {
        REQUIRE(contains(h.feed(std::string("c CREATE ") + name + "\r\n"), "c OK"));
    }
    for (const char* name : {"x/test1", "x/test2/test1", "x/test6", "x/test7/test7", "x/test8/test8", "x/test8/test9"}) {
        REQUIRE(contains(h.feed(std::string("s SUBSCRIBE ") + name + "\r\n"), "s OK"));
    }
    REQUIRE(contains(h.feed("d DELETE x/test6\r\n"), "d OK"));
}

}  // namespace

TEST_CASE("LIST-EXTENDED: several patterns answer each name once") {
    Harness h;
    h.login();
    make_tree(h);
    CHECK(h.feed("a LIST \"\" (x/*2 x/test3 x/test*)\r\n") ==
          "* LIST (\\HasNoChildren) \"/\" \"x/test1\"\r\n"
          "* LIST (\\HasChildren) \"/\" \"x/test2\"\r\n"
          "* LIST (\\HasNoChildren) \"/\" \"x/test2/test1\"\r\n"
          "* LIST (\\HasNoChildren) \"/\" \"x/test3\"\r\n"
          "* LIST (\\HasChildren) \"/\" \"x/test4\"\r\n"
          "* LIST (\\HasNoChildren) \"/\" \"x/test4/test5\"\r\n"
          "* LIST (\\HasNoChildren) \"/\" \"x/test4/test52\"\r\n"
          "* LIST (\\HasChildren) \"/\" \"x/test7\"\r\n"
          "* LIST (\\HasNoChildren) \"/\" \"x/test7/test7\"\r\n"
          "* LIST (\\HasChildren) \"/\" \"x/test8\"\r\n"
          "* LIST (\\HasNoChildren) \"/\" \"x/test8/test8\"\r\n"
          "* LIST (\\HasNoChildren) \"/\" \"x/test8/test9\"\r\n"
          "a OK LIST completed\r\n");
}

TEST_CASE("LIST (SUBSCRIBED): a deleted subscribed mailbox is \\NonExistent") {
    Harness h;
    h.login();
    make_tree(h);
    CHECK(h.feed("a LIST (SUBSCRIBED) \"\" x/*\r\n") ==
          "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"x/test1\"\r\n"
          "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"x/test2/test1\"\r\n"
          "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"x/test7/test7\"\r\n"
          "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"x/test8/test8\"\r\n"
          "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"x/test8/test9\"\r\n"
          "* LIST (\\NonExistent \\Subscribed) \"/\" \"x/test6\"\r\n"
          "a OK LIST completed\r\n");
    // Plain LIST does not show it; LSUB does, without attributes.
    CHECK_FALSE(contains(h.feed("b LIST \"\" x/*\r\n"), "test6"));
    CHECK(contains(h.feed("c LSUB \"\" x/*\r\n"), "* LSUB () \"/\" \"x/test6\"\r\n"));
    // UNSUBSCRIBE of the lost name works; SUBSCRIBE of a missing one does not.
    CHECK(contains(h.feed("d UNSUBSCRIBE x/test6\r\n"), "d OK"));
    CHECK_FALSE(contains(h.feed("e LIST (SUBSCRIBED) \"\" x/*\r\n"), "test6"));
    CHECK(contains(h.feed("f SUBSCRIBE x/nothing\r\n"), "f NO [NONEXISTENT]"));
}

TEST_CASE("LIST (SUBSCRIBED RECURSIVEMATCH): CHILDINFO for parents of subscribed names the pattern misses") {
    Harness h;
    h.login();
    make_tree(h);
    CHECK(h.feed("a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" x/test2% RETURN (CHILDREN)\r\n") ==
          "* LIST (\\HasChildren) \"/\" \"x/test2\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\na OK LIST completed\r\n");
    // The pattern also reaches the subscribed child: no CHILDINFO (rfc5258.txt:476).
    CHECK(h.feed("b LIST (SUBSCRIBED RECURSIVEMATCH) \"\" x*test7\r\n") ==
          "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"x/test7/test7\"\r\nb OK LIST completed\r\n");
    CHECK(h.feed("c LIST (SUBSCRIBED RECURSIVEMATCH) \"\" x*test8\r\n") ==
          "* LIST (\\HasChildren) \"/\" \"x/test8\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"
          "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"x/test8/test8\"\r\nc OK LIST completed\r\n");
    // Without RECURSIVEMATCH, no CHILDINFO.
    CHECK(h.feed("d LIST (SUBSCRIBED) \"\" x/test2\r\n") == "d OK LIST completed\r\n");
}

TEST_CASE("LIST-EXTENDED: RETURN (SUBSCRIBED), option errors, REMOTE") {
    Harness h;
    h.login();
    make_tree(h);
    const std::string r = h.feed("a LIST \"\" x/% RETURN (CHILDREN SUBSCRIBED)\r\n");
    CHECK(contains(r, "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"x/test1\"\r\n"));
    CHECK(contains(r, "* LIST (\\HasChildren) \"/\" \"x/test2\"\r\n"));
    CHECK_FALSE(contains(r, "test6"));
    CHECK(contains(h.feed("b LIST (imaptest) \"\" \"\"\r\n"), "b BAD"));
    CHECK(contains(h.feed("c LIST (RECURSIVEMATCH) \"\" \"\"\r\n"), "c BAD"));
    CHECK(contains(h.feed("d LIST (RECURSIVEMATCH REMOTE) \"\" \"\"\r\n"), "d BAD"));
    CHECK(contains(h.feed("e LIST \"\" \"\" RETURN (imaptest)\r\n"), "e BAD"));
    CHECK(contains(h.feed("f LIST (REMOTE) \"\" %\r\n"), "\"INBOX\""));
}

TEST_CASE("LIST (SPECIAL-USE) and CREATE ... (USE ...)") {
    Harness h;
    h.login();
    REQUIRE(contains(h.feed("a CREATE Old (USE (\\Archive))\r\n"), "a OK"));
    const std::string r = h.feed("b LIST (SPECIAL-USE) \"\" *\r\n");
    CHECK(contains(r, "* LIST (\\HasNoChildren \\Archive) \"/\" \"Old\"\r\n"));
    CHECK(contains(r, "\\Sent"));
    CHECK_FALSE(contains(r, "\"INBOX\""));
    CHECK(contains(h.feed("c LIST \"\" Old RETURN (SPECIAL-USE)\r\n"), "\\Archive"));
}

TEST_CASE("LIST-STATUS: a STATUS after each selectable mailbox listed") {
    Harness h;
    h.login();
    REQUIRE(contains(h.feed("a CREATE Box\r\n"), "a OK"));
    REQUIRE(contains(h.feed("s SUBSCRIBE Box\r\n"), "s OK"));
    REQUIRE(contains(h.feed("b APPEND Box {5}\r\n"), "+ "));
    REQUIRE(contains(h.feed("hello\r\n"), "b OK"));
    REQUIRE(contains(h.feed("c CREATE Gone\r\n"), "c OK"));
    REQUIRE(contains(h.feed("s SUBSCRIBE Gone\r\n"), "s OK"));
    REQUIRE(contains(h.feed("d DELETE Gone\r\n"), "d OK"));
    CHECK(h.feed("e LIST (SUBSCRIBED) \"\" (Box Gone) RETURN (STATUS (MESSAGES UNSEEN SIZE))\r\n") ==
          "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Box\"\r\n"
          "* STATUS \"Box\" (MESSAGES 1 UNSEEN 1 SIZE 7)\r\n"
          "* LIST (\\NonExistent \\Subscribed) \"/\" \"Gone\"\r\n"
          "e OK LIST completed\r\n");
    CHECK(contains(h.feed("f LIST \"\" Box RETURN (STATUS (BOGUS))\r\n"), "f BAD"));
}
