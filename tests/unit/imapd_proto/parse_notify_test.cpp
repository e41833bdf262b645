// NOTIFY (RFC 5465 §8), CANCELUPDATE and RETURN (CONTEXT UPDATE) (RFC 5267 §4).
#include <doctest/doctest.h>

#include <string>

#include "test_support.hpp"

using namespace mr::imapd;
using mr::imapd::test::parse_bad;
using mr::imapd::test::parse_ok;
using Filter = NotifyGroup::Filter;

TEST_CASE("notify: the examples of RFC 5465") {
    // §3.1's first example.
    const auto a = parse_ok<NotifyCmd>(
        "b notify set status (selected MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge) "
        "(subtree Lists MessageNew)");
    CHECK(a.status);
    CHECK_FALSE(a.none);
    REQUIRE(a.groups.size() == 2);
    CHECK(a.groups[0].filter == Filter::Selected);
    CHECK(a.groups[0].events.message_new);
    CHECK(a.groups[0].events.message_expunge);
    REQUIRE(a.groups[0].events.fetch.size() == 2);
    CHECK(a.groups[0].events.fetch[0].kind == FetchItem::Kind::Uid);
    CHECK(a.groups[0].events.fetch[1].kind == FetchItem::Kind::BodySection);
    CHECK(a.groups[0].events.fetch[1].section.peek);
    CHECK(a.groups[1].filter == Filter::Subtree);
    CHECK(a.groups[1].mailboxes == std::vector<std::string>{"Lists"});
    // §6's examples.
    const auto b = parse_ok<NotifyCmd>("a notify set (mailboxes INBOX (Messagenew messageExpunge)) "
                                       "(personal (SubscriptionChange))");
    REQUIRE(b.groups.size() == 2);
    CHECK(b.groups[0].filter == Filter::Mailboxes);
    CHECK(b.groups[0].mailboxes == std::vector<std::string>{"INBOX"});
    CHECK(b.groups[1].filter == Filter::Personal);
    CHECK(b.groups[1].events.subscription_change);
    CHECK_FALSE(b.groups[1].events.message_new);
    const auto c = parse_ok<NotifyCmd>("a notify set (selected (Messagenew (uid flags) messageExpunge)) "
                                       "(personal (MessageNew FlagChange MessageExpunge))");
    CHECK(c.groups[1].events.flag_change);
    CHECK(c.groups[0].events.fetch.size() == 2);
}

TEST_CASE("notify: events with or without their parentheses") {
    const auto n = parse_ok<NotifyCmd>("a NOTIFY SET (personal (MessageNew MessageExpunge)) (subscribed MailboxName)");
    CHECK(n.groups[0].events.message_expunge);
    CHECK(n.groups[1].events.mailbox_name);
    parse_bad("a NOTIFY SET (personal (MessageNew MessageExpunge)");
    parse_bad("a NOTIFY SET (personal MessageNew MessageExpunge");
}

TEST_CASE("notify: NONE, the other filters, mailbox lists and NONE events") {
    CHECK(parse_ok<NotifyCmd>("a NOTIFY NONE").none);
    const auto n = parse_ok<NotifyCmd>(
        "a NOTIFY SET (selected-delayed (MessageNew MessageExpunge FlagChange)) (inboxes NONE) "
        "(subscribed (MailboxName)) (mailboxes (a \"b c\" inbox) (MessageNew MessageExpunge))");
    REQUIRE(n.groups.size() == 4);
    CHECK(n.groups[0].filter == Filter::SelectedDelayed);
    CHECK(n.groups[1].filter == Filter::Inboxes);
    CHECK_FALSE(n.groups[1].events.any());
    CHECK(n.groups[2].filter == Filter::Subscribed);
    CHECK(n.groups[2].events.mailbox_name);
    CHECK(n.groups[3].mailboxes == std::vector<std::string>{"a", "b c", "INBOX"});
}

TEST_CASE("notify: one message event alone is accepted (as Dovecot does, imaptest's notify)") {
    CHECK(parse_ok<NotifyCmd>("a NOTIFY SET (personal (MessageExpunge))").groups[0].events.message_expunge);
    CHECK(parse_ok<NotifyCmd>("a NOTIFY SET (personal (FlagChange))").groups[0].events.flag_change);
    CHECK(parse_ok<NotifyCmd>("a NOTIFY SET (personal (MessageNew))").groups[0].events.message_new);
}

TEST_CASE("notify: events the server does not know are kept for BADEVENT") {
    const auto n = parse_ok<NotifyCmd>("a NOTIFY SET (personal (MailboxMetadataChange MessageNew MessageExpunge "
                                       "AnnotationChange FooBar))");
    CHECK(n.groups[0].events.unsupported ==
          std::vector<std::string>{"MAILBOXMETADATACHANGE", "ANNOTATIONCHANGE", "FOOBAR"});
}

TEST_CASE("notify: what the RFC answers with BAD") {
    parse_bad("a NOTIFY");
    parse_bad("a NOTIFY SET");
    parse_bad("a NOTIFY SET STATUS");
    parse_bad("a NOTIFY NONE extra");
    parse_bad("a NOTIFY ALL (personal (MessageNew MessageExpunge))");
    parse_bad("a NOTIFY SET (elsewhere (MessageNew MessageExpunge))");
    parse_bad("a NOTIFY SET (subtree (MessageNew MessageExpunge))");  // no mailbox
    parse_bad("a NOTIFY SET (selected (MailboxName))");            // §6.1: message events only
    parse_bad("a NOTIFY SET (personal (MessageNew (uid) MessageExpunge))");  // fetch: selected only
    parse_bad("a NOTIFY SET (selected NONE) (selected-delayed NONE)");        // one of them
    parse_bad("a NOTIFY SET (selected (MessageNew (nonsense) MessageExpunge))");
    parse_bad("a NOTIFY SET (personal (MessageNew MessageExpunge)");
    parse_bad("a NOTIFY SET (personal (MessageNew  MessageExpunge))");
}

TEST_CASE("cancelupdate: one or more quoted tags") {
    CHECK(parse_ok<CancelUpdateCmd>("a CANCELUPDATE \"B01\"").tags == std::vector<std::string>{"B01"});
    CHECK(parse_ok<CancelUpdateCmd>("a CANCELUPDATE \"x\" \"y\"").tags == std::vector<std::string>{"x", "y"});
    parse_bad("a CANCELUPDATE");
    parse_bad("a CANCELUPDATE B01");  // 1*(SP quoted) (RFC 5267 §5)
}

TEST_CASE("search and sort: RETURN (CONTEXT UPDATE) and UPDATE's fetch attributes") {
    const auto s = parse_ok<SearchCmd>("a SEARCH RETURN (CONTEXT COUNT UPDATE) UNSEEN");
    REQUIRE(s.ret);
    CHECK(s.ret->update);
    CHECK(s.ret->count);
    CHECK_FALSE(s.ret->all);
    const auto u = parse_ok<SearchCmd>("a UID SEARCH RETURN (UPDATE) ALL");
    CHECK(u.ret->update);
    CHECK_FALSE(u.ret->all);  // the session answers ALL for UPDATE alone
    // RFC 5465 §7's example.
    const auto f = parse_ok<SearchCmd>(
        "a00 SEARCH RETURN (COUNT UPDATE (UID BODY[HEADER.FIELDS (TO FROM SUBJECT)])) FROM \"boss\"");
    CHECK(f.ret->update_fetch.size() == 2);
    CHECK(f.ret->count);
    const auto o = parse_ok<SortCmd>("a UID SORT RETURN (UPDATE COUNT) (DATE) UTF-8 KEYWORD $Junk");
    CHECK(o.ret->update);
    parse_bad("a SEARCH RETURN (UPDATE UPDATE) ALL");
    parse_bad("a SEARCH RETURN (UPDATE ()) ALL");
}
