// Selected state against a real MailboxStore: FETCH items, \Seen on non-PEEK bodies,
// STORE, EXPUNGE / UID EXPUNGE renumbering, COPY / MOVE with COPYUID.
#include <doctest/doctest.h>

#include "imapd/session/fetch_job.hpp"
#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

namespace {

const std::string kMessage =
    "From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: hello\r\n"
    "Date: Tue, 05 Mar 2024 10:00:00 +0000\r\nMessage-ID: <m1@example.test>\r\n\r\nbody line\r\n";

void append3(Harness& h) {
    for (int i = 0; i < 3; ++i)
        h.feed("ap APPEND INBOX \"05-Mar-2024 10:00:00 +0000\" {" + std::to_string(kMessage.size()) + "+}\r\n" +
               kMessage + "\r\n");
    h.feed("s SELECT INBOX\r\n");
}

}  // namespace

TEST_CASE("FETCH of flags, UID, dates, sizes, envelope, structure and sections") {
    Harness h;
    h.login();
    append3(h);
    std::string r = h.feed("a FETCH 1 (FLAGS UID INTERNALDATE RFC822.SIZE)\r\n");
    // Appended before the SELECT, which claimed them: \Recent in this session.
    CHECK(r == "* 1 FETCH (FLAGS (\\Recent) UID 1 INTERNALDATE \"05-Mar-2024 10:00:00 +0000\" RFC822.SIZE " +
                   std::to_string(kMessage.size()) + ")\r\na OK FETCH completed\r\n");
    r = h.feed("b FETCH 2 ENVELOPE\r\n");
    CHECK(contains(r, "* 2 FETCH (ENVELOPE (\"Tue, 05 Mar 2024 10:00:00 +0000\" \"hello\" ((\"Alice\" NIL \"alice\" \"example.test\"))"));
    r = h.feed("c FETCH 3 BODYSTRUCTURE\r\n");
    CHECK(contains(r, "* 3 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\""));
    r = h.feed("d FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]\r\n");
    CAPTURE(r);
    CHECK(contains(r, "BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: hello\r\n\r\n)"));
    CHECK_FALSE(contains(h.feed("e FETCH 1 FLAGS\r\n"), "\\Seen"));
    r = h.feed("f FETCH 1 BODY[TEXT]\r\n");
    CHECK(contains(r, "BODY[TEXT] {11}\r\nbody line\r\n"));
    CHECK(contains(r, "FLAGS (\\Seen \\Recent)"));  // set by the non-PEEK fetch and reported
    r = h.feed("g FETCH 2 BODY[]<0.4>\r\n");
    CHECK(contains(r, "BODY[]<0> {4}\r\nFrom"));
    r = h.feed("h UID FETCH 2:* FLAGS\r\n");
    CHECK(contains(r, "* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent))"));
    CHECK(contains(r, "* 3 FETCH (UID 3 FLAGS (\\Recent))"));
    CHECK(contains(h.feed("i FETCH 9 FLAGS\r\n"), "i BAD"));
    CHECK(contains(h.feed("j UID FETCH 9 FLAGS\r\n"), "j OK"));  // no such UID: nothing, OK
    r = h.feed("k FETCH 3 RFC822\r\n");
    CHECK(contains(r, "RFC822 {" + std::to_string(kMessage.size()) + "}\r\n" + kMessage));

    h.feed("l EXAMINE INBOX\r\n");
    CHECK_FALSE(contains(h.feed("m FETCH 3 BODY[]\r\n"), "\\Seen"));  // read-only: no \Seen
}

TEST_CASE("FETCH of a body larger than a step: one literal over several store jobs, then OK") {
    SessionOptions o = plaintext_options();
    o.max_message_size = 4 * 1024 * 1024;
    Harness h(o);
    h.login();
    std::string big = "Subject: big\r\n\r\n";
    while (big.size() < 5 * FetchJob::kBudget / 2) big += std::string(76, 'x') + "\r\n";
    REQUIRE(contains(h.feed("ap APPEND INBOX {" + std::to_string(big.size()) + "+}\r\n" + big + "\r\n"), "ap OK"));
    h.feed("s SELECT INBOX\r\n");
    const int jobs_before = h.store_jobs;
    const std::string r = h.feed("f FETCH 1 BODY.PEEK[]\r\n");
    CHECK(h.store_jobs - jobs_before >= 3);  // the steps, plus the update poll before OK
    CHECK(r == "* 1 FETCH (BODY[] {" + std::to_string(big.size()) + "}\r\n" + big + ")\r\nf OK FETCH completed\r\n");
    CHECK_FALSE(h.session.busy());
    CHECK(contains(h.feed("n NOOP\r\n"), "n OK"));
}

TEST_CASE("STORE adds, removes and replaces flags and keywords; .SILENT; read-only") {
    Harness h;
    h.login();
    append3(h);
    // A new keyword is announced (FLAGS, PERMANENTFLAGS) before the response showing it.
    CHECK(h.feed("a STORE 1 +FLAGS (\\Flagged $Work)\r\n") ==
          "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)\r\n"
          "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Limited\r\n"
          "* 1 FETCH (FLAGS (\\Flagged \\Recent $Work))\r\na OK STORE completed\r\n");
    CHECK(h.feed("a2 STORE 1 +FLAGS ($Work)\r\n") == "* 1 FETCH (FLAGS (\\Flagged \\Recent $Work))\r\na2 OK STORE completed\r\n");
    CHECK(h.feed("b STORE 1 -FLAGS.SILENT (\\Flagged)\r\n") == "b OK STORE completed\r\n");
    CHECK(contains(h.feed("c FETCH 1 FLAGS\r\n"), "FLAGS (\\Recent $Work)"));
    CHECK(contains(h.feed("d UID STORE 2:3 FLAGS (\\Deleted)\r\n"), "* 3 FETCH (UID 3 FLAGS (\\Deleted \\Recent))"));
    CHECK(contains(h.feed("e STORE 1 +FLAGS (\\Recent)\r\n"), "e BAD"));
    h.feed("f EXAMINE INBOX\r\n");
    CHECK(contains(h.feed("g STORE 1 +FLAGS (\\Seen)\r\n"), "g NO [READ-ONLY]"));
}

TEST_CASE("EXPUNGE and UID EXPUNGE renumber the session's view") {
    Harness h;
    h.login();
    append3(h);
    h.feed("a STORE 1:3 +FLAGS.SILENT (\\Deleted)\r\n");
    CHECK(h.feed("b UID EXPUNGE 2\r\n") == "* 2 EXPUNGE\r\nb OK EXPUNGE completed\r\n");
    CHECK(h.feed("c EXPUNGE\r\n") == "* 1 EXPUNGE\r\n* 1 EXPUNGE\r\nc OK EXPUNGE completed\r\n");
    CHECK(contains(h.feed("d FETCH 1 FLAGS\r\n"), "d BAD"));
}

TEST_CASE("COPY and MOVE answer COPYUID; MOVE expunges; missing target TRYCREATE") {
    Harness h;
    h.login();
    h.feed("x CREATE Dest\r\n");
    append3(h);
    std::string r = h.feed("a COPY 1:2 Dest\r\n");
    CHECK(contains(r, "a OK [COPYUID "));
    CHECK(contains(r, " 1,2 1,2] COPY completed"));
    r = h.feed("b UID MOVE 3 Dest\r\n");
    CHECK(contains(r, "* OK [COPYUID "));
    CHECK(contains(r, " 3 3] Moved\r\n* 3 EXPUNGE\r\nb OK MOVE completed"));
    CHECK(contains(h.feed("c COPY 1 Nowhere\r\n"), "c NO [TRYCREATE]"));
    CHECK(contains(h.feed("d COPY 1 \"../x\"\r\n"), "d NO"));
    CHECK(contains(h.feed("e STATUS Dest (MESSAGES)\r\n"), "MESSAGES 3"));
}
