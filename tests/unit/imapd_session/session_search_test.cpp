// SEARCH and UID SEARCH (RFC 3501 §6.4.4) against a real store: every key, sequence sets,
// NOT/OR/parentheses, CHARSET, and \Recent/NEW/OLD shared between two sessions.
#include <doctest/doctest.h>

#include <string>

#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

namespace {

std::int64_t day(int d) { return 1709251200 + (d - 1) * 86400 + 3600; }  // 01-Mar-2024 01:00 UTC + d-1 days

// Four messages, expectations written from their text (not from our output).
void fill(mr::storage::MailboxStore& store) {
    using namespace mr::storage;
    REQUIRE(store.append("INBOX",
                         "From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: Lunch plans\r\n"
                         "Date: Mon, 04 Mar 2024 09:00:00 +0000\r\n\r\nLet us meet at noon\r\n",
                         kSeen, {}, day(4)));
    const std::string work[] = {"$Work"};
    REQUIRE(store.append("INBOX",
                         "From: =?UTF-8?Q?J=C3=B6rg?= <joerg@example.test>\r\nTo: carol@example.test\r\n"
                         "Cc: dave@example.test\r\nSubject: =?UTF-8?B?w5xiZXJ3ZWlzdW5n?=\r\n"
                         "Date: Tue, 05 Mar 2024 23:30:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\nR2VoZWltbmlz\r\n",
                         kFlagged | kAnswered, work, day(5)));
    REQUIRE(store.append("INBOX",
                         "From: bob@example.test\r\nSubject: Report\r\n\r\nquarterly numbers\r\n" +
                             std::string(2000, 'x') + "\r\n",
                         kDeleted | kDraft, {}, day(6)));
    REQUIRE(store.append("INBOX",
                         "From: carol@example.test\r\nSubject: re: lunch\r\nX-Priority: 1\r\n"
                         "Date: Wed, 06 Mar 2024 08:00:00 +0000\r\n\r\nnoon works\r\n",
                         0, {}, day(7)));
}

std::string search(Harness& h, const std::string& args) {
    std::string r = h.feed("s " + args + "\r\n");
    const std::string ok = "s OK SEARCH completed\r\n";
    REQUIRE_MESSAGE(r.size() >= ok.size(), r);
    REQUIRE_MESSAGE(r.substr(r.size() - ok.size()) == ok, r);
    REQUIRE_MESSAGE(r.rfind("* SEARCH", 0) == 0, r);
    const auto end = r.find("\r\n");
    return r.substr(8 + (end > 8 ? 1 : 0), end - 8 - (end > 8 ? 1 : 0));  // the numbers
}

}  // namespace

TEST_CASE("SEARCH: sequence sets, flags and keywords") {
    Harness h;
    h.login();
    fill(*h.store);
    h.feed("a SELECT INBOX\r\n");
    CHECK(search(h, "SEARCH ALL") == "1 2 3 4");
    CHECK(search(h, "SEARCH 3:1") == "1 2 3");
    CHECK(search(h, "SEARCH 2:*") == "2 3 4");
    CHECK(search(h, "SEARCH *") == "4");
    CHECK(search(h, "SEARCH *:3") == "3 4");
    CHECK(search(h, "SEARCH 1,4 SEEN") == "1");
    CHECK(search(h, "SEARCH 9") == "");
    CHECK(search(h, "SEARCH SEEN") == "1");
    CHECK(search(h, "SEARCH UNSEEN") == "2 3 4");
    CHECK(search(h, "SEARCH FLAGGED") == "2");
    CHECK(search(h, "SEARCH UNFLAGGED") == "1 3 4");
    CHECK(search(h, "SEARCH ANSWERED") == "2");
    CHECK(search(h, "SEARCH UNANSWERED") == "1 3 4");
    CHECK(search(h, "SEARCH DELETED") == "3");
    CHECK(search(h, "SEARCH UNDELETED") == "1 2 4");
    CHECK(search(h, "SEARCH DRAFT") == "3");
    CHECK(search(h, "SEARCH UNDRAFT") == "1 2 4");
    CHECK(search(h, "SEARCH KEYWORD $Work") == "2");
    CHECK(search(h, "SEARCH KEYWORD $work") == "2");
    CHECK(search(h, "SEARCH UNKEYWORD $Work") == "1 3 4");
    CHECK(search(h, "SEARCH NOT SEEN") == "2 3 4");
    CHECK(search(h, "SEARCH OR SEEN FLAGGED") == "1 2");
    CHECK(search(h, "SEARCH (SEEN)") == "1");
    CHECK(search(h, "SEARCH NOT (OR DELETED DRAFT)") == "1 2 4");
    CHECK(search(h, "SEARCH (UNSEEN UNDELETED) NOT 2") == "4");
}

TEST_CASE("SEARCH: internal and sent dates, sizes") {
    Harness h;
    h.login();
    fill(*h.store);
    h.feed("a SELECT INBOX\r\n");
    CHECK(search(h, "SEARCH BEFORE 05-Mar-2024") == "1");
    CHECK(search(h, "SEARCH ON 5-Mar-2024") == "2");
    CHECK(search(h, "SEARCH SINCE \"06-Mar-2024\"") == "3 4");
    CHECK(search(h, "SEARCH SENTBEFORE 05-Mar-2024") == "1");
    // Message 3 has no Date: its internal date (06-Mar) stands in.
    CHECK(search(h, "SEARCH SENTON 06-Mar-2024") == "3 4");
    CHECK(search(h, "SEARCH SENTSINCE 05-Mar-2024") == "2 3 4");
    CHECK(search(h, "SEARCH LARGER 1000") == "3");
    CHECK(search(h, "SEARCH SMALLER 1000") == "1 2 4");
    CHECK(search(h, "SEARCH LARGER 1000000") == "");
}

TEST_CASE("SEARCH: header, address, body and text keys decode what they match") {
    Harness h;
    h.login();
    fill(*h.store);
    h.feed("a SELECT INBOX\r\n");
    CHECK(search(h, "SEARCH FROM alice") == "1");
    CHECK(search(h, "SEARCH FROM EXAMPLE.TEST") == "1 2 3 4");
    CHECK(search(h, "SEARCH CHARSET UTF-8 FROM {5+}\r\nJ\xC3\xB6rg") == "2");
    CHECK(search(h, "SEARCH CHARSET UTF-8 SUBJECT {9+}\r\n\xC3\x9C" "berweis") == "2");
    CHECK(search(h, "SEARCH TO carol") == "2");
    CHECK(search(h, "SEARCH CC dave") == "2");
    CHECK(search(h, "SEARCH BCC dave") == "");
    CHECK(search(h, "SEARCH SUBJECT lunch") == "1 4");
    CHECK(search(h, "SEARCH BODY geheimnis") == "2");  // base64 undone
    CHECK(search(h, "SEARCH BODY noon") == "1 4");
    CHECK(search(h, "SEARCH BODY lunch") == "");
    CHECK(search(h, "SEARCH TEXT lunch") == "1 4");
    CHECK(search(h, "SEARCH HEADER X-Priority 1") == "4");
    CHECK(search(h, "SEARCH HEADER X-Priority \"\"") == "4");
    CHECK(search(h, "SEARCH OR (FROM alice) (FROM carol)") == "1 4");
    CHECK(search(h, "SEARCH UNSEEN BODY noon") == "4");
    CHECK(search(h, "SEARCH NOT BODY noon") == "2 3");
    CHECK(search(h, "SEARCH CHARSET us-ascii SUBJECT report") == "3");
    CHECK(h.feed("b SEARCH CHARSET ISO-8859-1 SUBJECT report\r\n") ==
          "b NO [BADCHARSET (UTF-8 US-ASCII)] Charset not supported\r\n");
}

TEST_CASE("UID SEARCH answers UIDs; the UID key and * follow the view") {
    Harness h;
    h.login();
    fill(*h.store);
    h.feed("a SELECT INBOX\r\n");
    CHECK(contains(h.feed("b EXPUNGE\r\n"), "* 3 EXPUNGE\r\n"));  // message 3 was \Deleted
    CHECK(search(h, "UID SEARCH ALL") == "1 2 4");
    CHECK(search(h, "SEARCH ALL") == "1 2 3");
    CHECK(search(h, "SEARCH UID 4") == "3");
    CHECK(search(h, "UID SEARCH UID 2:*") == "2 4");
    CHECK(search(h, "SEARCH UID *") == "3");
    CHECK(search(h, "UID SEARCH 2:3") == "2 4");
    CHECK(search(h, "UID SEARCH UID 3") == "");
    CHECK(contains(h.feed("c SEARCH FROM\r\n"), "c BAD"));
}

TEST_CASE("\\Recent belongs to the first session that selects; EXAMINE shows it and claims nothing") {
    Harness a;
    a.login();
    REQUIRE(a.store->append("INBOX", "Subject: 1\r\n\r\nx\r\n"));
    REQUIRE(a.store->append("INBOX", "Subject: 2\r\n\r\nx\r\n", mr::storage::kSeen));
    Harness b;
    b.store.emplace(std::move(mr::storage::MailboxStore::open(a.dir.path() / "alice").value()));
    b.login();
    Harness c;
    c.store.emplace(std::move(mr::storage::MailboxStore::open(a.dir.path() / "alice").value()));
    c.login();

    CHECK(contains(c.feed("e EXAMINE INBOX\r\n"), "* 2 RECENT\r\n"));  // rfc3501.txt:1871
    CHECK(search(c, "SEARCH RECENT") == "1 2");
    CHECK(contains(a.feed("x STATUS INBOX (RECENT)\r\n"), "(RECENT 2)"));
    CHECK(contains(a.feed("s SELECT INBOX\r\n"), "* 2 RECENT\r\n"));
    CHECK(contains(b.feed("s SELECT INBOX\r\n"), "* 0 RECENT\r\n"));
    CHECK(search(a, "SEARCH RECENT") == "1 2");
    CHECK(search(a, "SEARCH NEW") == "1");
    CHECK(search(a, "SEARCH OLD") == "");
    CHECK(search(b, "SEARCH RECENT") == "");
    CHECK(search(b, "SEARCH OLD") == "1 2");

    REQUIRE(a.store->append("INBOX", "Subject: 3\r\n\r\nx\r\n"));
    CHECK(b.feed("n NOOP\r\n") == "* 3 EXISTS\r\n* 1 RECENT\r\nn OK NOOP completed\r\n");
    CHECK(a.feed("n NOOP\r\n") == "* 3 EXISTS\r\n* 2 RECENT\r\nn OK NOOP completed\r\n");
    // c still sees what it was shown at EXAMINE; message 3 went to b.
    CHECK(c.feed("n NOOP\r\n") == "* 3 EXISTS\r\n* 2 RECENT\r\nn OK NOOP completed\r\n");
    Harness d;
    d.store.emplace(std::move(mr::storage::MailboxStore::open(a.dir.path() / "alice").value()));
    d.login();
    CHECK(contains(d.feed("e EXAMINE INBOX\r\n"), "* 0 RECENT\r\n"));  // all claimed by now
    CHECK(search(b, "SEARCH RECENT") == "3");
    CHECK(search(a, "SEARCH RECENT") == "1 2");
}
