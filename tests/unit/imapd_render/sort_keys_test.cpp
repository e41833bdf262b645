// SORT keys of address fields (RFC 5256 §3, RFC 5957 §3) and the sent time, with the
// address forms of imaptest's sort-addresses and sort-display-* scripts.
#include <doctest/doctest.h>

#include "common/mime/address_list.hpp"
#include "imapd/render/sort_keys.hpp"

using namespace mr::imapd;
using mr::mime::parse_address_list;

TEST_CASE("FROM/TO/CC: the first address's mailbox, a group's name") {
    CHECK(address_sort_key(parse_address_list("user2@domain2.org")) == "USER2");
    CHECK(address_sort_key(parse_address_list("foo bar <user1@domain1.org>, z@z")) == "USER1");
    CHECK(address_sort_key(parse_address_list("user2: blah@domain1.org;")) == "USER2");
    CHECK(address_sort_key(parse_address_list("")).empty());
}

TEST_CASE("DISPLAYFROM/DISPLAYTO: the display name, else the addr-spec") {
    CHECK(display_sort_key(parse_address_list("foo bar <a@b.c>")) == "FOO BAR");
    CHECK(display_sort_key(parse_address_list("b@c.d")) == "B@C.D");
    CHECK(display_sort_key(parse_address_list("d")) == "D");
    CHECK(display_sort_key(parse_address_list("=?iso-8859-1?q?foo_aar?= <e@f.g>")) == "FOO AAR");
    CHECK(display_sort_key(parse_address_list("a: xx@xx.org, yy@yy.org;")) == "A");
    CHECK(display_sort_key(parse_address_list("empty:;")) == "EMPTY");
    CHECK(display_sort_key(parse_address_list("\"\" <q@r.s>")) == "Q@R.S");
}

TEST_CASE("sent time: the Date field, else the internal date") {
    mr::mime::Envelope e;
    CHECK(sent_time(e, 42) == 42);
    e.date = "garbage";
    CHECK(sent_time(e, 42) == 42);
    e.date = "Thu, 1 Jan 1970 00:01:00 +0000";
    CHECK(sent_time(e, 42) == 60);
}
