// The user's quota on APPEND, COPY / UID COPY and MOVE / UID MOVE (session_quota.cpp):
// NO [OVERQUOTA] with nothing changed, the quota read at every command, MOVE unchecked.
#include <doctest/doctest.h>

#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

namespace {

const std::string kMessage =
    "From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: quota\r\n\r\nbody line\r\n";
const auto kSize = static_cast<std::int64_t>(kMessage.size());

std::string append(Harness& h, const std::string& tag, const std::string& box = "INBOX") {
    return h.feed(tag + " APPEND " + box + " {" + std::to_string(kMessage.size()) + "+}\r\n" + kMessage + "\r\n");
}

std::int64_t used(Harness& h) { return h.store->total_size().value(); }

}  // namespace

TEST_CASE("APPEND fills the quota to the byte, then answers NO [OVERQUOTA] and stores nothing") {
    Harness h;
    h.login();
    h.quota_bytes = 3 * kSize;
    for (int i = 0; i < 3; ++i) CHECK(contains(append(h, "a" + std::to_string(i)), "OK [APPENDUID"));
    CHECK(used(h) == 3 * kSize);
    const std::string r = append(h, "b");
    CHECK(r == "b NO [OVERQUOTA] APPEND failed: mailbox quota exceeded\r\n");
    CHECK(used(h) == 3 * kSize);
    CHECK(contains(h.feed("s STATUS INBOX (MESSAGES UIDNEXT)\r\n"), "(MESSAGES 3 UIDNEXT 4)"));
}

TEST_CASE("the quota is read at every command: lifting or lowering it applies to the open session") {
    Harness h;
    h.login();
    h.quota_bytes = kSize - 1;  // not even one message
    CHECK(contains(append(h, "a"), "a NO [OVERQUOTA]"));
    h.quota_bytes = std::int64_t{0};  // the administrator lifts it: unlimited
    CHECK(contains(append(h, "b"), "b OK [APPENDUID"));
    CHECK(contains(append(h, "c"), "c OK [APPENDUID"));
    h.quota_bytes = 2 * kSize;  // and sets it again, to what is used now
    CHECK(contains(append(h, "d"), "d NO [OVERQUOTA]"));
    CHECK(h.quota_reads == 4);
}

TEST_CASE("APPEND: a missing mailbox is TRYCREATE even over quota; a directory failure is SERVERBUG") {
    Harness h;
    h.login();
    h.quota_bytes = std::int64_t{1};
    CHECK(contains(append(h, "a", "Nowhere"), "a NO [TRYCREATE]"));
    h.quota_bytes = mr::Error::internal("directory.db unreadable");
    CHECK(contains(append(h, "b"), "b NO [SERVERBUG]"));
    CHECK(used(h) == 0);
}

TEST_CASE("COPY and UID COPY over quota answer NO [OVERQUOTA] and copy nothing") {
    Harness h;
    h.login();
    h.feed("x CREATE Dest\r\n");
    for (int i = 0; i < 3; ++i) append(h, "a" + std::to_string(i));
    h.feed("s SELECT INBOX\r\n");
    h.quota_bytes = 5 * kSize;  // room for two copies, not three
    CHECK(contains(h.feed("b COPY 1:3 Dest\r\n"), "b NO [OVERQUOTA] COPY failed: mailbox quota exceeded\r\n"));
    CHECK(contains(h.feed("c UID COPY 1:* Dest\r\n"), "c NO [OVERQUOTA]"));
    CHECK(contains(h.feed("d STATUS Dest (MESSAGES UIDNEXT)\r\n"), "(MESSAGES 0 UIDNEXT 1)"));
    CHECK(used(h) == 3 * kSize);
    CHECK(contains(h.feed("e COPY 1:2 Dest\r\n"), "e OK [COPYUID"));  // exactly fills it
    CHECK(contains(h.feed("f UID COPY 3 Dest\r\n"), "f NO [OVERQUOTA]"));
    CHECK(used(h) == 5 * kSize);
    // Unknown UIDs add nothing: an empty UID COPY is never over quota.
    CHECK(contains(h.feed("g UID COPY 99 Dest\r\n"), "g OK"));
}

TEST_CASE("MOVE and UID MOVE are never refused for quota, even over it") {
    Harness h;
    h.login();
    h.feed("x CREATE Dest\r\n");
    for (int i = 0; i < 3; ++i) append(h, "a" + std::to_string(i));
    h.feed("s SELECT INBOX\r\n");
    h.quota_bytes = std::int64_t{1};  // lowered below what is already used
    const int reads = h.quota_reads;
    std::string r = h.feed("b MOVE 1 Dest\r\n");
    CHECK(contains(r, "* 1 EXPUNGE\r\nb OK MOVE completed"));
    r = h.feed("c UID MOVE 2:3 Dest\r\n");
    CHECK(contains(r, "c OK MOVE completed"));
    CHECK(h.quota_reads == reads);  // no directory lookup for a move
    CHECK(used(h) == 3 * kSize);
    CHECK(contains(h.feed("d STATUS Dest (MESSAGES)\r\n"), "MESSAGES 3"));
}

TEST_CASE("GETQUOTA and GETQUOTAROOT report the quota in KiB, usage rounded up (RFC 9208 §4.1)") {
    Harness h;
    h.login();
    h.quota_bytes = std::int64_t{1024 * 1024};
    CHECK(h.feed("q GETQUOTA \"\"\r\n") == "* QUOTA \"\" (STORAGE 0 1024)\r\nq OK GETQUOTA completed\r\n");
    CHECK(contains(append(h, "a"), "a OK [APPENDUID"));
    const std::string used_kib = std::to_string((kSize + 1023) / 1024);
    CHECK(h.feed("r GETQUOTAROOT inbox\r\n") == "* QUOTAROOT INBOX \"\"\r\n* QUOTA \"\" (STORAGE " + used_kib +
                                                   " 1024)\r\nr OK GETQUOTAROOT completed\r\n");
    // Any mailbox name, existing or not, is under the one root.
    CHECK(contains(h.feed("s GETQUOTAROOT \"Not there\"\r\n"), "* QUOTAROOT \"Not there\" \"\"\r\n"));
    CHECK(h.feed("t GETQUOTA other\r\n") == "t NO [NONEXISTENT] No such quota root\r\n");
    CHECK(h.feed("u GETQUOTAROOT \"a/../b\"\r\n").starts_with("u NO [CANNOT]"));
}

TEST_CASE("GETQUOTA without a quota: the root has no limits; SETQUOTA is refused") {
    Harness h;
    h.login();
    CHECK(h.feed("q GETQUOTA \"\"\r\n") == "* QUOTA \"\" ()\r\nq OK GETQUOTA completed\r\n");
    CHECK(h.feed("s SETQUOTA \"\" (STORAGE 10)\r\n") == "s NO [NOPERM] Quotas are set by the administrator\r\n");
    h.quota_bytes = mr::Error::internal("directory.db unreadable");
    CHECK(contains(h.feed("t GETQUOTA \"\"\r\n"), "t NO [SERVERBUG]"));
    CHECK(contains(h.feed("u LOGOUT\r\n"), "u OK"));
}

TEST_CASE("STATUS DELETED-STORAGE: the bytes an EXPUNGE would free (RFC 9208 §4.1.4)") {
    Harness h;
    h.login();
    CHECK(contains(append(h, "a"), "a OK"));
    CHECK(contains(append(h, "b"), "b OK"));
    CHECK(contains(h.feed("s STATUS INBOX (DELETED DELETED-STORAGE)\r\n"), "(DELETED 0 DELETED-STORAGE 0)"));
    CHECK(contains(h.feed("x SELECT INBOX\r\n"), "x OK"));
    CHECK(contains(h.feed("y STORE 2 +FLAGS.SILENT (\\Deleted)\r\n"), "y OK"));
    CHECK(contains(h.feed("t STATUS INBOX (DELETED-STORAGE DELETED)\r\n"),
                   "(DELETED-STORAGE " + std::to_string(kSize) + " DELETED 1)"));
}
