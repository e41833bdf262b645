// CONDSTORE and QRESYNC (RFC 7162) and ENABLE (RFC 5161) in the session core: MODSEQ in
// FETCH, CHANGEDSINCE, UNCHANGEDSINCE, SEARCH MODSEQ, SELECT (QRESYNC ...), VANISHED,
// CLOSED. Other sessions' changes are made on the store directly.
#include <doctest/doctest.h>

#include <string>

#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;
using mr::storage::FlagOp;

namespace {

std::uint64_t highest(Harness& h) {
    auto st = h.store->status("INBOX");
    REQUIRE(st);
    return st.value().highestmodseq;
}

std::uint64_t modseq_of(Harness& h, std::uint32_t uid) {
    const std::uint32_t one[] = {uid};
    auto m = h.store->messages("INBOX", one);
    REQUIRE(m);
    REQUIRE(m.value().size() == 1);
    return m.value()[0].modseq;
}

void append(Harness& h, int n) {
    for (int i = 1; i <= n; ++i)
        REQUIRE(h.store->append("INBOX", "Subject: " + std::to_string(i) + "\r\n\r\nx\r\n"));
}

void flag(Harness& h, std::uint32_t uid, std::uint32_t flags, FlagOp op = FlagOp::Add) {
    const std::uint32_t one[] = {uid};
    REQUIRE(h.store->set_flags("INBOX", one, op, flags));
}

std::string ms(std::uint64_t m) { return std::to_string(m); }

}  // namespace

TEST_CASE("ENABLE: CONDSTORE, QRESYNC (implies CONDSTORE), each reported once") {
    Harness h;
    h.login();
    CHECK(h.feed("a ENABLE CONDSTORE\r\n") == "* ENABLED CONDSTORE\r\na OK ENABLE completed\r\n");
    CHECK(h.feed("b ENABLE qresync condstore X-FOO\r\n") == "* ENABLED QRESYNC\r\nb OK ENABLE completed\r\n");
    CHECK(h.feed("c ENABLE QRESYNC\r\n") == "* ENABLED\r\nc OK ENABLE completed\r\n");
    Harness h2;
    h2.login();
    CHECK(h2.feed("a ENABLE QRESYNC\r\n") == "* ENABLED CONDSTORE QRESYNC\r\na OK ENABLE completed\r\n");
}

TEST_CASE("FETCH MODSEQ and CHANGEDSINCE; the first enabling command sends HIGHESTMODSEQ") {
    Harness h;
    h.login();
    append(h, 3);
    h.feed("a SELECT INBOX\r\n");
    const std::uint64_t before = highest(h);
    CHECK(h.feed("b FETCH 1 MODSEQ\r\n") == "* OK [HIGHESTMODSEQ " + ms(before) + "] Highest\r\n* 1 FETCH (MODSEQ (" +
                                                ms(modseq_of(h, 1)) + "))\r\nb OK FETCH completed\r\n");
    flag(h, 2, mr::storage::kFlagged);
    const std::uint64_t m2 = modseq_of(h, 2);
    // The change comes as an update (with UID and MODSEQ now), then CHANGEDSINCE finds it alone.
    CHECK(h.feed("c NOOP\r\n") ==
          "* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent) MODSEQ (" + ms(m2) + "))\r\nc OK NOOP completed\r\n");
    CHECK(h.feed("d FETCH 1:* (FLAGS) (CHANGEDSINCE " + ms(before) + ")\r\n") ==
          "* 2 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ (" + ms(m2) + "))\r\nd OK FETCH completed\r\n");
    CHECK(h.feed("e UID FETCH 1:* (FLAGS) (CHANGEDSINCE " + ms(m2) + ")\r\n") == "e OK FETCH completed\r\n");
    // iOS: CHANGEDSINCE 0 is every message.
    const std::string all = h.feed("f FETCH 1:* (UID) (CHANGEDSINCE 0)\r\n");
    CHECK(contains(all, "* 1 FETCH (UID 1 MODSEQ ("));
    CHECK(contains(all, "* 3 FETCH (UID 3 MODSEQ ("));
    CHECK(h.feed("g UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)\r\n") == "g BAD VANISHED needs ENABLE QRESYNC\r\n");
}

TEST_CASE("FETCH that sets \\Seen reports UID and MODSEQ once CONDSTORE is on") {
    Harness h;
    h.login();
    h.feed("a ENABLE CONDSTORE\r\n");
    append(h, 1);
    h.feed("b SELECT INBOX\r\n");
    const std::string out = h.feed("c FETCH 1 BODY[TEXT]\r\n");
    CHECK(contains(out, "* 1 FETCH (UID 1 BODY[TEXT] {3}\r\nx\r\n MODSEQ (" + ms(modseq_of(h, 1)) + ") FLAGS (\\Seen \\Recent))"));
}

TEST_CASE("STORE with CONDSTORE: UID and MODSEQ; UNCHANGEDSINCE and [MODIFIED]") {
    Harness h;
    h.login();
    append(h, 3);
    h.feed("a SELECT INBOX\r\n");
    const std::uint64_t before = highest(h);
    flag(h, 2, mr::storage::kFlagged);  // someone else changed message 2
    const std::string out = h.feed("b STORE 1:3 (UNCHANGEDSINCE " + ms(before) + ") +FLAGS.SILENT (\\Seen)\r\n");
    const std::uint64_t m1 = modseq_of(h, 1);
    CHECK(m1 > modseq_of(h, 2));
    // Message 2 was left alone; the other session's change to it is reported as usual.
    CHECK(out == "* OK [HIGHESTMODSEQ " + ms(before) + "] Highest\r\n* 1 FETCH (UID 1 MODSEQ (" + ms(m1) +
                     "))\r\n* 3 FETCH (UID 3 MODSEQ (" + ms(m1) + "))\r\n* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent) MODSEQ (" +
                     ms(modseq_of(h, 2)) + "))\r\nb OK [MODIFIED 2] Conditional STORE failed\r\n");
    const std::string d = h.feed("d UID STORE 2,3 (UNCHANGEDSINCE " + ms(m1) + ") FLAGS ($x)\r\n");
    // $x is new to the session: FLAGS and PERMANENTFLAGS name it first (RFC 3501 §7.2.6).
    CHECK(d == "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $x)\r\n"
               "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $x \\*)] Limited\r\n"
               "* 2 FETCH (UID 2 FLAGS (\\Recent $x) MODSEQ (" + ms(modseq_of(h, 2)) + "))\r\n"
               "* 3 FETCH (UID 3 FLAGS (\\Recent $x) MODSEQ (" + ms(modseq_of(h, 3)) + "))\r\nd OK STORE completed\r\n");
    CHECK(h.feed("e UID STORE 1:3 (UNCHANGEDSINCE 1) -FLAGS.SILENT ($x)\r\n") ==
          "e OK [MODIFIED 1:3] Conditional STORE failed\r\n");
    CHECK(h.feed("f STORE 1 -FLAGS.SILENT (\\Seen)\r\n") == "f OK STORE completed\r\n");
    // Passed the test but changed nothing: its MODSEQ stays, and is still reported.
    const std::uint64_t m3 = modseq_of(h, 3);
    CHECK(h.feed("g STORE 3 (UNCHANGEDSINCE " + ms(highest(h)) + ") +FLAGS.SILENT ($x)\r\n") ==
          "* 3 FETCH (UID 3 MODSEQ (" + ms(m3) + "))\r\ng OK STORE completed\r\n");
    CHECK(modseq_of(h, 3) == m3);
}

TEST_CASE("SEARCH MODSEQ answers with the highest MODSEQ of the matches") {
    Harness h;
    h.login();
    append(h, 3);
    h.feed("a SELECT INBOX\r\n");
    const std::uint64_t before = highest(h);
    flag(h, 1, mr::storage::kSeen);
    flag(h, 3, mr::storage::kSeen);
    h.feed("b NOOP\r\n");
    CHECK(h.feed("c UID SEARCH MODSEQ " + ms(before + 1) + "\r\n") ==
          "* OK [HIGHESTMODSEQ " + ms(highest(h)) + "] Highest\r\n* SEARCH 1 3 (MODSEQ " + ms(modseq_of(h, 3)) +
              ")\r\nc OK SEARCH completed\r\n");
    CHECK(h.feed("d SEARCH MODSEQ \"/flags/\\\\seen\" all " + ms(modseq_of(h, 3)) + "\r\n") ==
          "* SEARCH 3 (MODSEQ " + ms(modseq_of(h, 3)) + ")\r\nd OK SEARCH completed\r\n");
    CHECK(h.feed("e SEARCH MODSEQ " + ms(highest(h) + 1) + "\r\n") == "* SEARCH\r\ne OK SEARCH completed\r\n");
}

TEST_CASE("STATUS HIGHESTMODSEQ; SELECT (CONDSTORE); CLOSED when SELECT replaces a mailbox") {
    Harness h;
    h.login();
    append(h, 2);
    CHECK(h.feed("a STATUS INBOX (HIGHESTMODSEQ)\r\n") ==
          "* STATUS \"INBOX\" (HIGHESTMODSEQ " + ms(highest(h)) + ")\r\na OK STATUS completed\r\n");
    const std::string sel = h.feed("b SELECT INBOX (CONDSTORE)\r\n");
    CHECK(contains(sel, "* OK [HIGHESTMODSEQ " + ms(highest(h)) + "]"));
    CHECK(!contains(sel, "CLOSED"));
    const std::string again = h.feed("c EXAMINE INBOX\r\n");
    CHECK(again.rfind("* OK [CLOSED] Previous mailbox closed\r\n* FLAGS", 0) == 0);
    CHECK(h.feed("d EXAMINE nonexistent\r\n") == "* OK [CLOSED] Previous mailbox closed\r\nd NO [NONEXISTENT] Mailbox does not exist\r\n");
    CHECK(!contains(h.feed("e EXAMINE INBOX\r\n"), "CLOSED"));  // nothing was selected
}

TEST_CASE("SELECT (QRESYNC ...): VANISHED (EARLIER) and FETCH of what changed since") {
    Harness h;
    h.login();
    append(h, 6);
    auto st = h.store->status("INBOX");
    REQUIRE(st);
    const std::uint32_t validity = st.value().uidvalidity;
    const std::uint64_t before = st.value().highestmodseq;
    CHECK(h.feed("a SELECT INBOX (QRESYNC (" + std::to_string(validity) + " " + ms(before) + "))\r\n") ==
          "a BAD QRESYNC is not enabled\r\n");
    h.feed("b ENABLE QRESYNC\r\n");
    flag(h, 2, mr::storage::kAnswered);
    flag(h, 5, mr::storage::kDeleted);
    flag(h, 6, mr::storage::kDeleted);
    REQUIRE(h.store->expunge("INBOX"));
    const std::string q = "(QRESYNC (" + std::to_string(validity) + " " + ms(before);
    std::string out = h.feed("c SELECT INBOX " + q + "))\r\n");
    CHECK(contains(out, "* 4 EXISTS\r\n"));
    CHECK(contains(out, "* VANISHED (EARLIER) 5:6\r\n* 2 FETCH (UID 2 FLAGS (\\Answered) MODSEQ (" + ms(modseq_of(h, 2)) +
                            "))\r\nc OK [READ-WRITE] SELECT completed\r\n"));
    // Known UIDs narrow both; CLOSED comes first, the old mailbox being replaced.
    out = h.feed("d EXAMINE INBOX " + q + " 1,3:6 (1:2 1:2)))\r\n");
    CHECK(out.rfind("* OK [CLOSED]", 0) == 0);
    CHECK(contains(out, "* VANISHED (EARLIER) 5:6\r\nd OK [READ-ONLY]"));
    // Another UIDVALIDITY: nothing to resync.
    out = h.feed("e SELECT INBOX (QRESYNC (" + std::to_string(validity + 1) + " " + ms(before) + "))\r\n");
    CHECK(!contains(out, "VANISHED"));
    CHECK(!contains(out, "FETCH"));
    // Expunges are VANISHED now, also the session's own.
    flag(h, 1, mr::storage::kDeleted);
    REQUIRE(h.store->expunge("INBOX"));
    CHECK(h.feed("f NOOP\r\n") == "* VANISHED 1\r\nf OK NOOP completed\r\n");
    h.feed("g STORE 1:2 +FLAGS.SILENT (\\Deleted)\r\n");
    const std::string expunged = h.feed("h EXPUNGE\r\n");
    CHECK(expunged == "* VANISHED 2:3\r\nh OK [HIGHESTMODSEQ " + ms(highest(h)) + "] EXPUNGE completed\r\n");
    CHECK(h.feed("h2 UID EXPUNGE 1:3\r\n") == "h2 OK EXPUNGE completed\r\n");  // nothing removed
    flag(h, 4, mr::storage::kDraft);
    h.feed("i NOOP\r\n");
    const std::string j = h.feed("j UID FETCH 1:10 (FLAGS) (CHANGEDSINCE " + ms(before) + " VANISHED)\r\n");
    CHECK(j == "* VANISHED (EARLIER) 1:3,5:6\r\n* 1 FETCH (UID 4 FLAGS (\\Draft) MODSEQ (" + ms(modseq_of(h, 4)) +
                   "))\r\nj OK FETCH completed\r\n");
}

TEST_CASE("MOVE with QRESYNC: VANISHED and HIGHESTMODSEQ in the tagged OK (RFC 6851 §4.4)") {
    Harness h;
    h.login();
    append(h, 3);
    REQUIRE(h.store->create_mailbox("Kept"));
    h.feed("a ENABLE QRESYNC\r\n");
    h.feed("b SELECT INBOX\r\n");
    const std::string out = h.feed("c UID MOVE 2:3 Kept\r\n");
    CHECK(contains(out, "* VANISHED 2:3\r\nc OK [HIGHESTMODSEQ " + ms(highest(h)) + "] MOVE completed\r\n"));
    CHECK(h.feed("d UID MOVE 7 Kept\r\n") == "d OK MOVE completed\r\n");  // nothing moved
}
