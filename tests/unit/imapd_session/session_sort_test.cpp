// SORT, THREAD and ESEARCH against a real store: each criterion, UID forms, RETURN
// options, CHARSET and bad arguments.
#include <doctest/doctest.h>

#include <string>

#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

namespace {

// Arrival order 1..4; expectations written from the headers.
void fill(mr::storage::MailboxStore& store) {
    const std::string messages[] = {
        "From: Zed <a@example.test>\r\nTo: y@example.test\r\nSubject: Re: lunch\r\n"
        "Date: Mon, 04 Mar 2024 09:00:00 +0000\r\nMessage-ID: <2@x>\r\nReferences: <1@x>\r\n\r\nok\r\n",
        "From: bob@example.test\r\nTo: Al <z@example.test>\r\nCc: c@example.test\r\nSubject: lunch\r\n"
        "Date: Mon, 04 Mar 2024 08:00:00 +0000\r\nMessage-ID: <1@x>\r\n\r\nnoon?\r\n" + std::string(300, 'x') + "\r\n",
        "From: carol@example.test\r\nSubject: [list] report\r\n"
        "Date: Sun, 03 Mar 2024 23:00:00 -0200\r\nMessage-ID: <3@x>\r\n\r\nnumbers\r\n",
        "From: =?UTF-8?Q?J=C3=B6rg?= <d@example.test>\r\nSubject: Fwd: report\r\nMessage-ID: <4@x>\r\n"
        "In-Reply-To: <3@x>\r\n\r\nfwd\r\n",
    };
    std::int64_t t = 1709251200;
    for (const auto& m : messages) REQUIRE(store.append("INBOX", m, 0, {}, t += 3600));
}

void select_filled(Harness& h) {
    h.login();
    fill(*h.store);
    REQUIRE(h.feed("a SELECT INBOX\r\n").find("a OK") != std::string::npos);
}

std::string run(Harness& h, const std::string& cmd) { return h.feed("s " + cmd + "\r\n"); }

}  // namespace

TEST_CASE("SORT: criteria, REVERSE, ties in mailbox order") {
    Harness h;
    select_filled(h);
    CHECK(run(h, "SORT (ARRIVAL) UTF-8 ALL") == "* SORT 1 2 3 4\r\ns OK SORT completed\r\n");
    CHECK(run(h, "SORT (REVERSE ARRIVAL) UTF-8 ALL") == "* SORT 4 3 2 1\r\ns OK SORT completed\r\n");
    // 3's Date is 01:00 UTC on the 4th; 4 has no Date: its internal date (04:00 on the 1st).
    CHECK(run(h, "SORT (DATE) UTF-8 ALL") == "* SORT 4 3 2 1\r\ns OK SORT completed\r\n");
    // Base subjects: lunch, lunch, report, report.
    CHECK(run(h, "SORT (SUBJECT) UTF-8 ALL") == "* SORT 1 2 3 4\r\ns OK SORT completed\r\n");
    CHECK(run(h, "SORT (SUBJECT REVERSE DATE) UTF-8 ALL") == "* SORT 1 2 3 4\r\ns OK SORT completed\r\n");
    CHECK(run(h, "SORT (FROM) UTF-8 ALL") == "* SORT 1 2 3 4\r\ns OK SORT completed\r\n");
    CHECK(run(h, "SORT (DISPLAYFROM) UTF-8 ALL") == "* SORT 2 3 4 1\r\ns OK SORT completed\r\n");
    // Empty To/Cc sort first.
    CHECK(run(h, "SORT (TO) UTF-8 ALL") == "* SORT 3 4 1 2\r\ns OK SORT completed\r\n");
    CHECK(run(h, "SORT (DISPLAYTO) UTF-8 ALL") == "* SORT 3 4 2 1\r\ns OK SORT completed\r\n");
    CHECK(run(h, "SORT (CC) UTF-8 ALL") == "* SORT 1 3 4 2\r\ns OK SORT completed\r\n");
    CHECK(run(h, "SORT (REVERSE SIZE) UTF-8 ALL") == "* SORT 2 1 3 4\r\ns OK SORT completed\r\n");
    CHECK(run(h, "SORT (DATE) UTF-8 FROM bob") == "* SORT 2\r\ns OK SORT completed\r\n");
    CHECK(run(h, "SORT (DATE) UTF-8 FROM nobody") == "* SORT\r\ns OK SORT completed\r\n");
    CHECK(run(h, "UID SORT (REVERSE ARRIVAL) UTF-8 2:3") == "* SORT 3 2\r\ns OK SORT completed\r\n");
    CHECK(run(h, "SORT RETURN (MIN MAX COUNT ALL) (DATE) UTF-8 ALL") ==
          "* ESEARCH (TAG \"s\") MIN 4 MAX 1 ALL 4,3,2,1 COUNT 4\r\ns OK SORT completed\r\n");
    CHECK(run(h, "SORT (DATE) ISO-8859-1 ALL") == "s NO [BADCHARSET (UTF-8 US-ASCII)] Charset not supported\r\n");
    CHECK(run(h, "SORT (NAME) UTF-8 ALL").rfind("s BAD Expected sort key", 0) == 0);
}

TEST_CASE("THREAD: REFERENCES and ORDEREDSUBJECT") {
    Harness h;
    select_filled(h);
    // 3 (01:00 UTC on the 4th) starts its thread before 2 (08:00).
    CHECK(run(h, "THREAD REFERENCES UTF-8 ALL") == "* THREAD (3 4)(2 1)\r\ns OK THREAD completed\r\n");
    CHECK(run(h, "UID THREAD REFERENCES UTF-8 ALL") == "* THREAD (3 4)(2 1)\r\ns OK THREAD completed\r\n");
    // 4 has no Date: its internal date, the 1st, leads the "report" thread.
    CHECK(run(h, "THREAD ORDEREDSUBJECT UTF-8 ALL") == "* THREAD (4 3)(2 1)\r\ns OK THREAD completed\r\n");
    CHECK(run(h, "THREAD REFERENCES UTF-8 FROM nobody") == "* THREAD\r\ns OK THREAD completed\r\n");
    CHECK(run(h, "THREAD X-FOO UTF-8 ALL").rfind("s BAD Expected thread algorithm", 0) == 0);
    CHECK(run(h, "THREAD REFERENCES KOI8-R ALL") ==
          "s NO [BADCHARSET (UTF-8 US-ASCII)] Charset not supported\r\n");
}

TEST_CASE("SORT and THREAD again after the mailbox changed (sort_cache.hpp)") {
    Harness h;
    select_filled(h);
    CHECK(run(h, "SORT (SUBJECT) UTF-8 ALL") == "* SORT 1 2 3 4\r\ns OK SORT completed\r\n");
    // The same view sorted again: the kept order, in each form.
    CHECK(run(h, "SORT RETURN (ALL) (SUBJECT) UTF-8 ALL") == "* ESEARCH (TAG \"s\") ALL 1:4\r\ns OK SORT completed\r\n");
    CHECK(run(h, "SORT (REVERSE SUBJECT) UTF-8 ALL") == "* SORT 3 4 1 2\r\ns OK SORT completed\r\n");
    CHECK(run(h, "THREAD REFERENCES UTF-8 ALL") == "* THREAD (3 4)(2 1)\r\ns OK THREAD completed\r\n");
    CHECK(run(h, "THREAD REFERENCES UTF-8 ALL") == "* THREAD (3 4)(2 1)\r\ns OK THREAD completed\r\n");
    // A new message (subject "a report" sorts first), then message 2 expunged: the cached
    // keys of the others stay, the new one is keyed, the ranks are made again.
    REQUIRE(h.store->append("INBOX", "From: a@example.test\r\nSubject: a report\r\nMessage-ID: <5@x>\r\n"
                                     "References: <2@x>\r\n\r\nx\r\n", 0, {}, 1709251200 + 5 * 3600));
    CHECK(run(h, "NOOP") == "* 5 EXISTS\r\n* 5 RECENT\r\ns OK NOOP completed\r\n");
    CHECK(run(h, "SORT (SUBJECT) UTF-8 ALL") == "* SORT 5 1 2 3 4\r\ns OK SORT completed\r\n");
    CHECK(run(h, "STORE 2 +FLAGS.SILENT (\\Deleted)") == "s OK STORE completed\r\n");
    CHECK(run(h, "EXPUNGE") == "* 2 EXPUNGE\r\ns OK EXPUNGE completed\r\n");
    CHECK(run(h, "SORT (REVERSE SUBJECT) UTF-8 ALL") == "* SORT 2 3 1 4\r\ns OK SORT completed\r\n");
    CHECK(run(h, "UID SORT (SUBJECT) UTF-8 ALL") == "* SORT 5 1 3 4\r\ns OK SORT completed\r\n");
    // 5 replies to 2, which is gone: a dummy keeps the thread of 1 and 5 together.
    CHECK(run(h, "UID THREAD REFERENCES UTF-8 ALL") == "* THREAD (3 4)(1 5)\r\ns OK THREAD completed\r\n");
}

TEST_CASE("ESEARCH: RETURN options") {
    Harness h;
    select_filled(h);
    CHECK(run(h, "SEARCH RETURN () ALL") == "* ESEARCH (TAG \"s\") ALL 1:4\r\ns OK SEARCH completed\r\n");
    CHECK(run(h, "SEARCH RETURN (MIN MAX COUNT) 2,4") ==
          "* ESEARCH (TAG \"s\") MIN 2 MAX 4 COUNT 2\r\ns OK SEARCH completed\r\n");
    CHECK(run(h, "UID SEARCH RETURN (ALL) 1,3:4") == "* ESEARCH (TAG \"s\") UID ALL 1,3:4\r\ns OK SEARCH completed\r\n");
    CHECK(run(h, "SEARCH RETURN (MIN COUNT) FROM nobody") == "* ESEARCH (TAG \"s\") COUNT 0\r\ns OK SEARCH completed\r\n");
    CHECK(run(h, "SEARCH RETURN (FOO) ALL").rfind("s BAD ", 0) == 0);
}

TEST_CASE("SEARCHRES: RETURN (SAVE) and $") {
    Harness h;
    select_filled(h);
    // SAVE alone answers nothing but OK (RFC 5182 §2.1).
    CHECK(run(h, "SEARCH RETURN (SAVE) OR FROM bob FROM carol") == "s OK SEARCH completed\r\n");
    CHECK(run(h, "SEARCH $") == "* SEARCH 2 3\r\ns OK SEARCH completed\r\n");
    CHECK(run(h, "UID SEARCH NOT $") == "* SEARCH 1 4\r\ns OK SEARCH completed\r\n");
    CHECK(run(h, "FETCH $ (UID)") == "* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 3)\r\ns OK FETCH completed\r\n");
    const std::string uid_fetch = run(h, "UID FETCH $ (FLAGS)");
    CHECK(uid_fetch.find("* 2 FETCH (") != std::string::npos);
    CHECK(uid_fetch.find("* 3 FETCH (") != std::string::npos);
    CHECK(uid_fetch.find("* 1 FETCH (") == std::string::npos);
    // With MIN only the minimum is kept; other options answer as usual.
    CHECK(run(h, "SEARCH RETURN (SAVE MIN) 3:4") == "* ESEARCH (TAG \"s\") MIN 3\r\ns OK SEARCH completed\r\n");
    CHECK(run(h, "SEARCH $") == "* SEARCH 3\r\ns OK SEARCH completed\r\n");
    // SORT saves in its order; a failed SAVE empties $.
    CHECK(run(h, "SORT RETURN (SAVE) (REVERSE ARRIVAL) UTF-8 1:2") == "s OK SORT completed\r\n");
    CHECK(run(h, "SEARCH $") == "* SEARCH 1 2\r\ns OK SEARCH completed\r\n");
    CHECK(run(h, "SEARCH RETURN (SAVE) CHARSET KOI8-R ALL").rfind("s NO [BADCHARSET", 0) == 0);
    CHECK(run(h, "SEARCH $") == "* SEARCH\r\ns OK SEARCH completed\r\n");
    CHECK(run(h, "SEARCH $,1") == "s BAD Expected $ alone, not in a list or range\r\n");
    CHECK(run(h, "FETCH 1:$ FLAGS").rfind("s BAD ", 0) == 0);
    // A new SELECT starts with an empty $.
    run(h, "SEARCH RETURN (SAVE) ALL");
    h.feed("b SELECT INBOX\r\n");
    CHECK(run(h, "SEARCH $") == "* SEARCH\r\ns OK SEARCH completed\r\n");
}

TEST_CASE("WITHIN: OLDER and YOUNGER count back from now") {
    Harness h;
    select_filled(h);  // internal dates in March 2024
    CHECK(run(h, "SEARCH OLDER 1") == "* SEARCH 1 2 3 4\r\ns OK SEARCH completed\r\n");
    CHECK(run(h, "SEARCH YOUNGER 1") == "* SEARCH\r\ns OK SEARCH completed\r\n");
    CHECK(run(h, "SEARCH YOUNGER 4000000000") == "* SEARCH 1 2 3 4\r\ns OK SEARCH completed\r\n");
    CHECK(run(h, "SEARCH NOT OLDER 1") == "* SEARCH\r\ns OK SEARCH completed\r\n");
    CHECK(run(h, "SEARCH OLDER 0").rfind("s BAD ", 0) == 0);
    CHECK(run(h, "SEARCH YOUNGER x").rfind("s BAD ", 0) == 0);
}
