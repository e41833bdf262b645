#include "imapd/proto/parse_command.hpp"

#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace mr::imapd;
using mr::imapd::test::parse_bad;
using mr::imapd::test::parse_ok;
using mr::imapd::test::parse_wire;

TEST_CASE("parse: tag and command name") {
    auto r = parse_wire("a001 noop");
    REQUIRE(std::holds_alternative<Command>(r));
    CHECK(std::get<Command>(r).tag == "a001");
    CHECK(std::holds_alternative<NoopCmd>(std::get<Command>(r).args));

    struct Row {
        const char* wire;
        const char* tag;  // expected tag of the ParseError
        bool unknown;
        const char* why;
    };
    const Row rows[] = {
        {"a001", "a001", false, "tag without command"},
        {"a001 ", "a001", false, "SP without command"},
        {"a001  NOOP", "a001", false, "two spaces: SP is exactly one space"},
        {"a+1 NOOP", "", false, "+ is not a tag character"},
        {"(x NOOP", "", false, "( is not a tag character"},
        {"a001 FROB", "a001", true, "unknown command"},
        {"a001 UID FROB 1", "a001", true, "unknown UID command"},
        {"a001 UID NOOP", "a001", true, "NOOP has no UID form"},
        {"a001 NOOP x", "a001", false, "NOOP takes no arguments"},
        {"a001 NOOP ", "a001", false, "trailing SP"},
        {"a001 LOGOUT\tx", "a001", false, "TAB is a CTL"},
        {"GET / HTTP/1.1", "GET", true, "HTTP is not IMAP"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.why);
        auto res = parse_wire(row.wire);
        REQUIRE(std::holds_alternative<ParseError>(res));
        CHECK(std::get<ParseError>(res).tag == row.tag);
        CHECK(std::get<ParseError>(res).unknown_command == row.unknown);
        CHECK(!std::get<ParseError>(res).reason.empty());
    }
}

TEST_CASE("parse: commands without arguments") {
    CHECK(command_name(std::get<Command>(parse_wire("a CAPABILITY"))) == "CAPABILITY");
    parse_ok<CapabilityCmd>("a capability");
    parse_ok<NoopCmd>("a NOOP");
    parse_ok<LogoutCmd>("a LOGOUT");
    parse_ok<StartTlsCmd>("a STARTTLS");
    parse_ok<IdleCmd>("a IDLE");
    parse_ok<NamespaceCmd>("a NAMESPACE");
    parse_ok<CheckCmd>("a CHECK");
    parse_ok<CloseCmd>("a CLOSE");
    parse_ok<UnselectCmd>("a UNSELECT");
    CHECK(!parse_ok<ExpungeCmd>("a EXPUNGE").uids);
    parse_bad("a IDLE now");
    parse_bad("a EXPUNGE 1");
}

TEST_CASE("parse: LOGIN with atoms, quoted strings and literals") {
    auto l = parse_ok<LoginCmd>("a LOGIN alice secret");
    CHECK(l.user == "alice");
    CHECK(l.password == "secret");
    l = parse_ok<LoginCmd>(R"(a LOGIN "alice@example.org" "p a\"s\\s")");
    CHECK(l.user == "alice@example.org");
    CHECK(l.password == "p a\"s\\s");
    l = parse_ok<LoginCmd>("a LOGIN {5}\r\nalice {6+}\r\np\r\n ss");
    CHECK(l.user == "alice");
    CHECK(l.password == "p\r\n ss");
    l = parse_ok<LoginCmd>("a LOGIN user]x \"\"");
    CHECK(l.user == "user]x");
    CHECK(l.password.empty());
    parse_bad("a LOGIN alice");
    parse_bad("a LOGIN alice secret extra");
    parse_bad("a LOGIN \"alice secret");          // unterminated quoted
    parse_bad("a LOGIN \"al\\ice\" x");           // only \" and \\ escapes
    parse_bad("a LOGIN (alice) x");
    parse_bad("a LOGIN alice {5}x");              // literal marker in mid-line
    parse_bad("a LOGIN alice\x01 x");
}

TEST_CASE("parse: AUTHENTICATE with and without SASL-IR") {
    auto a = parse_ok<AuthenticateCmd>("a AUTHENTICATE PLAIN");
    CHECK(a.mechanism == "PLAIN");
    CHECK(!a.initial_response);
    a = parse_ok<AuthenticateCmd>("a AUTHENTICATE plain AGFsaWNlAHNlY3JldA==");
    CHECK(a.mechanism == "plain");
    CHECK(a.initial_response == "AGFsaWNlAHNlY3JldA==");
    a = parse_ok<AuthenticateCmd>("a AUTHENTICATE PLAIN =");
    CHECK(a.initial_response == "=");
    parse_bad("a AUTHENTICATE");
    parse_bad("a AUTHENTICATE PLAIN abc!");
    parse_bad("a AUTHENTICATE PLAIN abc def");
}

TEST_CASE("parse: mailbox commands and INBOX case") {
    auto s = parse_ok<SelectCmd>("a SELECT inbox");
    CHECK(s.mailbox == "INBOX");
    CHECK(!s.read_only);
    s = parse_ok<SelectCmd>("a EXAMINE \"InBoX\"");
    CHECK(s.mailbox == "INBOX");
    CHECK(s.read_only);
    CHECK(parse_ok<SelectCmd>("a SELECT Inbox/Sub").mailbox == "Inbox/Sub");
    CHECK(parse_ok<SelectCmd>("a SELECT \"Entw&APw-rfe\"").mailbox == "Entw&APw-rfe");
    CHECK(parse_ok<SelectCmd>("a SELECT {5+}\r\nDraft").mailbox == "Draft");
    CHECK(parse_ok<DeleteCmd>("a DELETE Trash").mailbox == "Trash");
    auto r = parse_ok<RenameCmd>("a RENAME \"Old name\" New");
    CHECK(r.from == "Old name");
    CHECK(r.to == "New");
    CHECK(parse_ok<SubscribeCmd>("a SUBSCRIBE Sent").subscribe);
    CHECK(!parse_ok<SubscribeCmd>("a UNSUBSCRIBE Sent").subscribe);
    parse_bad("a SELECT");
    parse_bad("a SELECT a b");
    parse_bad("a SELECT (CONDSTORE)");
}

TEST_CASE("SELECT/EXAMINE parameters: CONDSTORE and QRESYNC (RFC 7162 §3.1.8, §3.2.5)") {
    auto s = parse_ok<SelectCmd>("a SELECT INBOX (CONDSTORE)");
    CHECK(s.condstore);
    CHECK(!s.qresync);
    s = parse_ok<SelectCmd>("a EXAMINE INBOX (QRESYNC (67890007 90060115194045000))");
    CHECK(s.read_only);
    CHECK(!s.condstore);
    REQUIRE(s.qresync);
    CHECK(s.qresync->uidvalidity == 67890007u);
    CHECK(s.qresync->modseq == 90060115194045000u);
    CHECK(!s.qresync->known_uids);
    s = parse_ok<SelectCmd>("a SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541))");
    REQUIRE(s.qresync->known_uids);
    CHECK(s.qresync->known_uids->resolve(0).to_string() == "41:211,214:541");
    s = parse_ok<SelectCmd>(
        "a SELECT INBOX (qresync (67890007 90060115194045000 1:29997 (5000,7500,9000 15000,22500,27000)) condstore)");
    CHECK(s.condstore);
    CHECK(s.qresync->known_uids->resolve(0).to_string() == "1:29997");
    // seq-match-data without known UIDs
    s = parse_ok<SelectCmd>("a SELECT INBOX (QRESYNC (1 2 (1 5)))");
    CHECK(!s.qresync->known_uids);
    parse_bad("a SELECT INBOX ()");
    parse_bad("a SELECT INBOX (FROB)");
    parse_bad("a SELECT INBOX (QRESYNC)");
    parse_bad("a SELECT INBOX (QRESYNC (0 5))");        // uidvalidity is nz-number
    parse_bad("a SELECT INBOX (QRESYNC (1 0))");        // mod-sequence-value is positive
    parse_bad("a SELECT INBOX (QRESYNC (1 5 1:*))");    // no * in known UIDs
    parse_bad("a SELECT INBOX (QRESYNC (1 5 1:3 (1)))");  // seq-match-data has two sets
    parse_bad("a SELECT INBOX (QRESYNC (1 5 1:3 ))");
    parse_bad("a SELECT INBOX (QRESYNC (1 5) QRESYNC (1 5))");
    parse_bad("a SELECT INBOX (CONDSTORE");
    parse_bad("a RENAME a");
    parse_bad("a DELETE *");  // wildcards are not astring characters
}

TEST_CASE("parse: CREATE with SPECIAL-USE") {
    auto c = parse_ok<CreateCmd>("a CREATE Drafts");
    CHECK(c.mailbox == "Drafts");
    CHECK(c.special_use.empty());
    c = parse_ok<CreateCmd>("a CREATE MyDrafts (USE (\\Drafts))");
    REQUIRE(c.special_use.size() == 1);
    CHECK(c.special_use[0] == "\\Drafts");
    c = parse_ok<CreateCmd>("a CREATE Both (USE (\\Sent \\Archive))");
    CHECK(c.special_use == std::vector<std::string>{"\\Sent", "\\Archive"});
    c = parse_ok<CreateCmd>("a CREATE x (USE ())");
    CHECK(c.special_use.empty());
    parse_bad("a CREATE x (USE)");
    parse_bad("a CREATE x (USE (Drafts))");
    parse_bad("a CREATE x (FOO (\\Drafts))");
    parse_bad("a CREATE x (USE (\\Drafts)");
}

TEST_CASE("parse: LIST and LSUB") {
    auto l = parse_ok<ListCmd>("a LIST \"\" *");
    CHECK(!l.lsub);
    CHECK(l.reference.empty());
    CHECK(l.patterns == std::vector<std::string>{"*"});
    CHECK(!l.extended);
    l = parse_ok<ListCmd>("a LIST \"\" %/]x%");
    CHECK(l.patterns == std::vector<std::string>{"%/]x%"});
    l = parse_ok<ListCmd>("a LIST archive/ \"2024 %\"");
    CHECK(l.reference == "archive/");
    CHECK(l.patterns[0] == "2024 %");
    l = parse_ok<ListCmd>("a LSUB \"\" \"*\"");
    CHECK(l.lsub);
    l = parse_ok<ListCmd>("a LIST \"\" \"\"");
    CHECK(l.patterns[0].empty());

    // LIST-EXTENDED (RFC 5258) and SPECIAL-USE (RFC 6154 §5.1 examples).
    l = parse_ok<ListCmd>("t1 LIST \"\" \"%\" RETURN (SPECIAL-USE)");
    CHECK(l.extended);
    CHECK(l.return_special_use);
    l = parse_ok<ListCmd>("t1 LIST (SPECIAL-USE) \"\" \"*\"");
    CHECK(l.select_special_use);
    l = parse_ok<ListCmd>("t1 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"a*\" b%) RETURN (CHILDREN SUBSCRIBED)");
    CHECK(l.select_subscribed);
    CHECK(l.select_recursive_match);
    CHECK(l.patterns == std::vector<std::string>{"a*", "b%"});
    CHECK(l.return_children);
    CHECK(l.return_subscribed);
    l = parse_ok<ListCmd>("t1 LIST () \"\" % RETURN (STATUS (MESSAGES UNSEEN))");
    CHECK(l.return_status == std::vector<StatusItem>{StatusItem::Messages, StatusItem::Unseen});
    l = parse_ok<ListCmd>("t1 LIST \"\" % RETURN ()");
    CHECK(l.extended);

    parse_bad("a LIST \"\"");
    parse_bad("a LIST \"\" * RETURN");
    parse_bad("a LIST (RECURSIVEMATCH) \"\" *");  // needs a base option (rfc5258)
    parse_bad("a LIST (FROB) \"\" *");
    parse_bad("a LIST \"\" * RETURN (FROB)");
    parse_bad("a LIST \"\" * EXTRA");
    parse_bad("a LSUB (SUBSCRIBED) \"\" *");
    parse_bad("a LSUB \"\" * RETURN (CHILDREN)");
}

TEST_CASE("parse: STATUS") {
    auto s = parse_ok<StatusCmd>("a STATUS blurdybloop (UIDNEXT MESSAGES)");
    CHECK(s.mailbox == "blurdybloop");
    CHECK(s.items == std::vector<StatusItem>{StatusItem::UidNext, StatusItem::Messages});
    s = parse_ok<StatusCmd>("a STATUS inbox (messages recent uidnext uidvalidity unseen highestmodseq size)");
    CHECK(s.mailbox == "INBOX");
    CHECK(s.items.size() == 7);
    s = parse_ok<StatusCmd>("a STATUS x (DELETED APPENDLIMIT)");  // RFC 9051, RFC 7889 §3.1
    CHECK(s.items == std::vector<StatusItem>{StatusItem::Deleted, StatusItem::AppendLimit});
    parse_bad("a STATUS x ()");
    parse_bad("a STATUS x (MESSAGES");
    parse_bad("a STATUS x MESSAGES");
    parse_bad("a STATUS x (FROB)");
    parse_bad("a STATUS x (MESSAGES  UNSEEN)");
}

TEST_CASE("parse: APPEND") {
    auto a = parse_ok<AppendCmd>("a APPEND saved-messages (\\Seen) {15}\r\nSubject: hi\r\n\r\n");
    CHECK(a.mailbox == "saved-messages");
    REQUIRE(a.messages.size() == 1);
    CHECK(a.messages[0].flags == std::vector<std::string>{"\\Seen"});
    CHECK(!a.messages[0].internal_date);
    CHECK(a.messages[0].message == "Subject: hi\r\n\r\n");
    CHECK(a.messages[0].message_was_synchronizing);

    a = parse_ok<AppendCmd>("a APPEND INBOX (\\seen $Junk \\DRAFT) \" 7-Feb-1994 21:52:25 -0800\" {3+}\r\nabc");
    CHECK(a.messages[0].flags == std::vector<std::string>{"\\Seen", "$Junk", "\\Draft"});
    REQUIRE(a.messages[0].internal_date);
    CHECK(a.messages[0].internal_date->date == ImapDate{1994, 2, 7});
    CHECK(a.messages[0].internal_date->zone_minutes == -480);
    CHECK(a.messages[0].message == "abc");
    CHECK(!a.messages[0].message_was_synchronizing);

    a = parse_ok<AppendCmd>("a APPEND x \"01-Jan-2024 00:00:00 +0000\" {0}\r\n");
    CHECK(a.messages[0].internal_date->to_unix() == 1704067200);
    CHECK(a.messages[0].message.empty());
    a = parse_ok<AppendCmd>("a APPEND x () {1}\r\nz");
    CHECK(a.messages[0].flags.empty());

    parse_bad("a APPEND x");
    parse_bad("a APPEND x \"msg\"");                       // the message must be a literal
    parse_bad("a APPEND x {3}\r\nabc extra");
    parse_bad("a APPEND x {3}\r\nabc ");                   // SP and no next message
    parse_bad("a APPEND x (\\Seen {3}\r\nabc");
    parse_bad("a APPEND x \"7-Feb-1994 21:52:25 -0800\" {1}\r\nz");   // day needs SP or 2 digits
    parse_bad("a APPEND x \"31-Apr-2024 10:00:00 +0000\" {1}\r\nz");  // no 31 April
    parse_bad("a APPEND x \"01-Jan-2024 24:00:00 +0000\" {1}\r\nz");
    parse_bad("a APPEND x \"01-Jan-2024 10:00:00 0000\" {1}\r\nz");
    parse_bad("a APPEND x (\\Seen)  {1}\r\nz");
}

TEST_CASE("parse: MULTIAPPEND, several messages each with its own options (RFC 3502 §6.3.11)") {
    auto a = parse_ok<AppendCmd>(
        "a APPEND x (\\Seen) {3}\r\none {3+}\r\ntwo \"01-Jan-2024 00:00:00 +0000\" {5}\r\nthree");
    REQUIRE(a.messages.size() == 3);
    CHECK(a.messages[0].message == "one");
    CHECK(a.messages[0].flags == std::vector<std::string>{"\\Seen"});
    CHECK(a.messages[1].message == "two");
    CHECK(a.messages[1].flags.empty());
    CHECK(!a.messages[1].message_was_synchronizing);
    CHECK(a.messages[2].message == "three");
    CHECK(a.messages[2].internal_date->to_unix() == 1704067200);
    parse_bad("a APPEND x {3}\r\none  {3}\r\ntwo");       // two SPs
    parse_bad("a APPEND x {3}\r\none (\\Seen)");           // options without a message
    parse_bad("a APPEND x {3}\r\none {3}\r\ntwo junk");
}

TEST_CASE("parse: ID and ENABLE") {
    auto id = parse_ok<IdCmd>("a ID NIL");
    CHECK(!id.params);
    id = parse_ok<IdCmd>("a ID (\"name\" \"Thunderbird\" \"version\" \"115.0\" \"os\" NIL)");
    REQUIRE(id.params);
    REQUIRE(id.params->size() == 3);
    CHECK((*id.params)[0].first == "name");
    CHECK((*id.params)[1].second == "115.0");
    CHECK(!(*id.params)[2].second);
    id = parse_ok<IdCmd>("a ID ()");
    CHECK(id.params->empty());
    parse_bad("a ID");
    parse_bad("a ID (\"name\")");
    parse_bad("a ID (name \"x\")");

    auto e = parse_ok<EnableCmd>("a ENABLE CONDSTORE X-GOOD-IDEA");
    CHECK(e.capabilities == std::vector<std::string>{"CONDSTORE", "X-GOOD-IDEA"});
    parse_bad("a ENABLE");
    parse_bad("a ENABLE (CONDSTORE)");
}

TEST_CASE("parse: COPY, MOVE, UID EXPUNGE") {
    auto c = parse_ok<CopyCmd>("a COPY 2:4 MEETING");
    CHECK(!c.uid);
    CHECK(!c.move);
    CHECK(c.mailbox == "MEETING");
    CHECK(c.set.resolve(10).to_string() == "2:4");
    c = parse_ok<CopyCmd>("a UID MOVE 42:* \"Deleted Items\"");
    CHECK(c.uid);
    CHECK(c.move);
    CHECK(c.set.uses_star());
    c = parse_ok<CopyCmd>("a uid copy 1,3 inbox");
    CHECK(c.mailbox == "INBOX");
    CHECK(command_name(std::get<Command>(parse_wire("a uid copy 1,3 inbox"))) == "UID COPY");
    CHECK(parse_ok<CopyCmd>("a MOVE 1 Trash").move);
    auto x = parse_ok<ExpungeCmd>("a UID EXPUNGE 3000:3002");
    REQUIRE(x.uids);
    CHECK(x.uids->resolve(5000).to_string() == "3000:3002");
    parse_bad("a COPY 0 x");
    parse_bad("a COPY 1: x");
    parse_bad("a COPY x y");
    parse_bad("a COPY 1");
    parse_bad("a UID EXPUNGE");
}

TEST_CASE("parse: the parser never reads past a literal's octets") {
    // Quoted string opened before a literal marker: its octets are not string text.
    parse_bad("a LOGIN \"ab {3}\r\nc\"d");
}

TEST_CASE("parse: a RawCommand with inconsistent literal spans is refused, not trusted") {
    RawCommand raw;
    raw.bytes = "a LOGIN {5}ab";
    raw.literals.push_back(LiteralSpan{11, 5, true});  // claims more octets than there are
    CHECK(std::holds_alternative<ParseError>(parse_command(raw)));
    raw.literals[0] = LiteralSpan{400, 5, true};  // beyond the end
    CHECK(std::holds_alternative<ParseError>(parse_command(raw)));
    RawCommand empty;
    CHECK(std::get<ParseError>(parse_command(empty)).tag.empty());
}

TEST_CASE("QUOTA commands (RFC 9208 §7) and COMPRESS (RFC 4978 §5)") {
    CHECK(parse_ok<GetQuotaCmd>("a GETQUOTA \"\"").root.empty());
    CHECK(parse_ok<GetQuotaCmd>("a GETQUOTA \"#user/alice\"").root == "#user/alice");
    CHECK(parse_ok<GetQuotaRootCmd>("a GETQUOTAROOT inbox").mailbox == "INBOX");
    auto set = parse_ok<SetQuotaCmd>("a SETQUOTA \"\" (STORAGE 512 MESSAGE 1000)");
    REQUIRE(set.limits.size() == 2);
    CHECK(set.limits[0] == std::pair<std::string, std::uint64_t>{"STORAGE", 512});
    CHECK(set.limits[1] == std::pair<std::string, std::uint64_t>{"MESSAGE", 1000});
    CHECK(parse_ok<SetQuotaCmd>("a SETQUOTA x ()").limits.empty());
    CHECK(parse_ok<CompressCmd>("a COMPRESS deflate").mechanism == "deflate");
    parse_bad("a GETQUOTA");
    parse_bad("a GETQUOTA a b");
    parse_bad("a GETQUOTAROOT");
    parse_bad("a SETQUOTA \"\"");
    parse_bad("a SETQUOTA \"\" (STORAGE)");
    parse_bad("a SETQUOTA \"\" (STORAGE x)");
    parse_bad("a SETQUOTA \"\" (STORAGE 1 )");
    parse_bad("a COMPRESS");
    parse_bad("a COMPRESS DEFLATE x");
}

TEST_CASE("ACL commands (RFC 4314 §3)") {
    CHECK(parse_ok<GetAclCmd>("a GETACL inbox").mailbox == "INBOX");
    CHECK(parse_ok<MyRightsCmd>("a MYRIGHTS \"Shared/info@example.org/INBOX\"").mailbox == "Shared/info@example.org/INBOX");
    auto set = parse_ok<SetAclCmd>("a SETACL Work bob@example.org +lrw");
    CHECK(set.mailbox == "Work");
    CHECK(set.identifier == "bob@example.org");
    CHECK(set.change.mode == mr::text::AclChange::Add);
    CHECK(set.change.rights.to_string() == "lrw");
    CHECK(parse_ok<SetAclCmd>("a SETACL Work bob@example.org \"\"").change.rights.empty());
    CHECK(parse_ok<SetAclCmd>("a SETACL Work bob@example.org cd").change.rights.to_string() == "kxte");
    auto del = parse_ok<DeleteAclCmd>("a DELETEACL Work \"bob@example.org\"");
    CHECK(del.identifier == "bob@example.org");
    auto list = parse_ok<ListRightsCmd>("a LISTRIGHTS Work {15+}\r\nbob@example.org");
    CHECK(list.identifier == "bob@example.org");
    CHECK(parse_bad("a SETACL Work bob@example.org lrz").find("'z'") != std::string::npos);
    parse_bad("a SETACL Work bob@example.org");
    parse_bad("a SETACL Work \"\" lr");
    parse_bad("a GETACL");
    parse_bad("a GETACL a b");
    parse_bad("a MYRIGHTS");
    parse_bad("a DELETEACL Work");
    parse_bad("a LISTRIGHTS Work bob extra");
}

TEST_CASE("parse: APPEND with a literal8 (RFC 3516 §4.4) holding NUL") {
    auto a = parse_ok<AppendCmd>(std::string("a APPEND x ~{5}\r\n") + std::string("A\0B\r\n", 5));
    REQUIRE(a.messages.size() == 1);
    CHECK(a.messages[0].message == std::string("A\0B\r\n", 5));
    a = parse_ok<AppendCmd>("a APPEND x (\\Seen) ~{3+}\r\nabc ~{2}\r\nde");
    REQUIRE(a.messages.size() == 2);
    CHECK(a.messages[1].message == "de");
    parse_bad("a APPEND x ~~{3}\r\nabc");
    parse_bad("a APPEND x ~ {3}\r\nabc");
    parse_bad("a LOGIN ~{1}\r\nu p");  // literal8 only where RFC 3516 allows it
}

TEST_CASE("parse: STATUS MAILBOXID (RFC 8474 §4.3)") {
    auto s = parse_ok<StatusCmd>("a STATUS x (MAILBOXID MESSAGES)");
    CHECK(s.items == std::vector<StatusItem>{StatusItem::MailboxId, StatusItem::Messages});
}

TEST_CASE("parse: APPEND UTF8 (~{n}) literal of RFC 6855 §4") {
    auto a = parse_ok<AppendCmd>("a APPEND INBOX UTF8 (~{3}\r\nabc)");
    REQUIRE(a.messages.size() == 1);
    CHECK(a.messages[0].utf8);
    CHECK(a.messages[0].message == "abc");
    a = parse_ok<AppendCmd>("a APPEND INBOX (\\Seen) \"01-Jan-2024 00:00:00 +0000\" utf8 (~{2+}\r\nxy)");
    CHECK(a.messages[0].utf8);
    CHECK(a.messages[0].message == "xy");
    CHECK(a.messages[0].flags.size() == 1);
    // MULTIAPPEND: a UTF8 message, then a plain one.
    a = parse_ok<AppendCmd>("a APPEND x UTF8 (~{1}\r\nz) {1}\r\nw");
    REQUIRE(a.messages.size() == 2);
    CHECK(a.messages[0].utf8);
    CHECK_FALSE(a.messages[1].utf8);
    CHECK(a.messages[1].message == "w");
    a = parse_ok<AppendCmd>("a APPEND x {1}\r\nz");
    CHECK_FALSE(a.messages[0].utf8);
    parse_bad("a APPEND x UTF8 ~{1}\r\nz");     // no parentheses
    parse_bad("a APPEND x UTF8 ({1}\r\nz)");    // a literal, not a literal8
    parse_bad("a APPEND x UTF8 (~{1}\r\nz");    // no closing parenthesis
    parse_bad("a APPEND x UTF8 (~{1}\r\nz) ");  // SP and no next message
    parse_bad("a APPEND x UTF8");
}

TEST_CASE("parse: quoted strings carry UTF-8, and only UTF-8, in 8-bit octets (RFC 6855 §3)") {
    auto c = parse_ok<CreateCmd>("a CREATE \"Entw\xC3\xBCrfe\"");
    CHECK(c.mailbox == "Entw\xC3\xBCrfe");
    CHECK(parse_bad("a CREATE \"Entw\xFCrfe\"") == "Invalid UTF-8 in quoted string");  // Latin-1
    CHECK(parse_bad("a CREATE \"\xC3\"") == "Invalid UTF-8 in quoted string");         // cut short
    // A literal carries any octet: its meaning is the command's business.
    c = parse_ok<CreateCmd>("a CREATE {1}\r\n\xFC");
    CHECK(c.mailbox == "\xFC");
}
