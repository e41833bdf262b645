// Inbound (port-25) recipient policy: local recipients only, relay tricks refused, limits.
#include "session_driver.hpp"

using namespace mr::smtpd;
using namespace mr::smtpd::test;

namespace {

std::string rcpt(Driver& d, std::string_view path) {
    return d.send("RCPT TO:" + std::string(path) + "\r\n");
}

Driver in_transaction(SessionOptions o = {}) {
    Driver d(o);
    d.take();
    d.ehlo();
    REQUIRE(code(d.send("MAIL FROM:<sender@remote.example>\r\n")) == 250);
    return d;
}

}  // namespace

TEST_CASE("unknown local users get 550 5.1.1 at RCPT; others 554 5.7.1") {
    Driver d = in_transaction();
    CHECK(rcpt(d, "<nobody@example.test>") == "550 5.1.1 <nobody@example.test>: no such user here\r\n");
    CHECK(rcpt(d, "<someone@remote.example>") == "554 5.7.1 Relay access denied\r\n");
    CHECK(rcpt(d, "<alice@example.test>") == "250 2.1.5 Recipient OK\r\n");
}

TEST_CASE("relay tricks are refused before any lookup") {
    Driver d = in_transaction();
    for (std::string_view trick : {"<alice%remote.example@example.test>", "<remote.example!alice@example.test>",
                                   "<\"alice@remote.example\"@example.test>", "<alice@[192.0.2.1]>",
                                   "<alice@example.test.>"}) {
        CAPTURE(trick);
        const std::string reply = rcpt(d, trick);
        CHECK(code(reply) == 554);
        CHECK(reply.find("5.7.1") != std::string::npos);
    }
    CHECK(d.checked_recipients.empty());
    // A source route through us to elsewhere is judged by its final domain.
    CHECK(rcpt(d, "<@example.test:user@remote.example>") == "554 5.7.1 Relay access denied\r\n");
    CHECK(d.checked_recipients.back() == "user@remote.example");
    // Case games: the domain is ours whatever its case.
    CHECK(rcpt(d, "<alice@EXAMPLE.Test>") == "250 2.1.5 Recipient OK\r\n");
    CHECK(d.checked_recipients.back() == "alice@example.test");
}

TEST_CASE("Postmaster without a domain is accepted") {
    Driver d = in_transaction();
    CHECK(rcpt(d, "<Postmaster>") == "250 2.1.5 Recipient OK\r\n");
}

TEST_CASE("recipient limit: 452 4.5.3, earlier recipients kept") {
    SessionOptions o;
    o.max_recipients = 2;
    Driver d = in_transaction(o);
    CHECK(code(rcpt(d, "<alice@example.test>")) == 250);
    CHECK(code(rcpt(d, "<bob@example.test>")) == 250);
    CHECK(rcpt(d, "<alice@example.test>") == "452 4.5.3 Too many recipients\r\n");
    CHECK(code(d.send("DATA\r\n")) == 354);
    CHECK(code(d.send("x\r\n.\r\n")) == 250);
    CHECK(d.queued.back().envelope.recipients.size() == 2);
}

TEST_CASE("duplicate recipients are queued once") {
    Driver d = in_transaction();
    CHECK(code(rcpt(d, "<alice@example.test>")) == 250);
    CHECK(code(rcpt(d, "<Alice@example.test>")) == 250);
    d.send("DATA\r\nx\r\n.\r\n");
    REQUIRE(d.queued.size() == 1);
    CHECK(d.queued[0].envelope.recipients.size() == 1);
}

TEST_CASE("recipient limit counts RCPT commands: duplicates count, are queued once") {
    SessionOptions o;
    o.max_recipients = 3;
    Driver d = in_transaction(o);
    for (int i = 0; i < 3; ++i) CHECK(code(rcpt(d, "<alice@example.test>")) == 250);
    CHECK(rcpt(d, "<alice@example.test>") == "452 4.5.3 Too many recipients\r\n");
    CHECK(rcpt(d, "<bob@example.test>") == "452 4.5.3 Too many recipients\r\n");
    CHECK(d.checked_recipients.size() == 3);
    CHECK(code(d.send("DATA\r\n")) == 354);
    CHECK(code(d.send("x\r\n.\r\n")) == 250);
    REQUIRE(d.queued.size() == 1);
    CHECK(d.queued[0].envelope.recipients.size() == 1);
    // The count starts again with the next transaction.
    REQUIRE(code(d.send("MAIL FROM:<sender@remote.example>\r\n")) == 250);
    CHECK(code(rcpt(d, "<alice@example.test>")) == 250);
}

TEST_CASE("a refused RCPT does not count against the recipient limit") {
    SessionOptions o;
    o.max_recipients = 1;
    Driver d = in_transaction(o);
    CHECK(code(rcpt(d, "<nobody@example.test>")) == 550);
    CHECK(code(rcpt(d, "<alice@example.test>")) == 250);
    CHECK(code(rcpt(d, "<alice@example.test>")) == 452);
}

TEST_CASE("quota: a full mailbox is 452 4.2.2 at RCPT, the transaction goes on") {
    Driver d = in_transaction();
    d.quota_room["alice@example.test"] = 0;
    CHECK(rcpt(d, "<alice@example.test>") == "452 4.2.2 <alice@example.test>: Mailbox full\r\n");
    CHECK(code(rcpt(d, "<bob@example.test>")) == 250);
    CHECK(code(d.send("DATA\r\n")) == 354);
    CHECK(code(d.send("x\r\n.\r\n")) == 250);
    REQUIRE(d.queued.size() == 1);
    REQUIRE(d.queued[0].envelope.recipients.size() == 1);
    CHECK(d.queued[0].envelope.recipients[0].address == "bob@example.test");
}

TEST_CASE("quota: a message larger than a recipient's room is 552 5.2.2, nothing queued") {
    Driver d = in_transaction();
    d.quota_room["alice@example.test"] = 100;
    d.quota_room["bob@example.test"] = 10;
    CHECK(code(rcpt(d, "<alice@example.test>")) == 250);
    CHECK(code(rcpt(d, "<bob@example.test>")) == 250);
    CHECK(code(d.send("DATA\r\n")) == 354);
    CHECK(d.send("12345678901\r\n.\r\n") ==
          "552 5.2.2 <bob@example.test>: Mailbox full, the message exceeds the quota\r\n");
    CHECK(d.queued.empty());
    CHECK_FALSE(d.session.in_transaction());

    // Exactly the room fits; BDAT is judged after LAST.
    REQUIRE(code(d.send("MAIL FROM:<sender@remote.example>\r\n")) == 250);
    CHECK(code(rcpt(d, "<bob@example.test>")) == 250);
    CHECK(code(d.send("BDAT 10 LAST\r\n12345678\r\n")) == 250);
    REQUIRE(d.queued.size() == 1);
    REQUIRE(code(d.send("MAIL FROM:<sender@remote.example>\r\n")) == 250);
    CHECK(code(rcpt(d, "<bob@example.test>")) == 250);
    CHECK(d.send("BDAT 6\r\n123456BDAT 6 LAST\r\n7890\r\n") ==
          "250 2.0.0 6 octets received\r\n552 5.2.2 <bob@example.test>: Mailbox full, the message exceeds the quota\r\n");
    CHECK(d.queued.size() == 1);
}

TEST_CASE("a directory failure is 451 4.3.0") {
    Driver d = in_transaction();
    CHECK(rcpt(d, "<broken@example.test>") == "451 4.3.0 Temporary lookup failure, try again later\r\n");
}

TEST_CASE("DSN parameters travel with the envelope") {
    Driver d(SessionOptions{});
    d.take();
    d.ehlo();
    CHECK(code(d.send("MAIL FROM:<s@remote.example> RET=HDRS ENVID=QQ314159\r\n")) == 250);
    CHECK(code(rcpt(d, "<alice@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Alice@example.test")) == 250);
    CHECK(code(rcpt(d, "<bob@example.test>")) == 250);
    d.send("DATA\r\nx\r\n.\r\n");
    REQUIRE(d.queued.size() == 1);
    const Envelope& e = d.queued[0].envelope;
    CHECK(e.ret == "HDRS");
    CHECK(e.envid == "QQ314159");
    CHECK(e.recipients[0].notify == "SUCCESS,FAILURE");
    CHECK(e.recipients[0].orcpt == "rfc822;Alice@example.test");
    CHECK(e.recipients[1].notify.empty());
    CHECK(d.queued[0].trace.for_recipient.empty());  // two recipients: no "for"
}

TEST_CASE("SMTPUTF8 addresses") {
    Driver d;
    d.take();
    d.ehlo();
    d.directory["j\xc3\xb6rg@example.test"] = RecipientKind::Local;
    CHECK(code(d.send("MAIL FROM:<s\xc3\xa9@remote.example>\r\n")) == 553);
    CHECK(code(d.send("MAIL FROM:<s\xc3\xa9@remote.example> SMTPUTF8\r\n")) == 250);
    CHECK(code(rcpt(d, "<j\xc3\xb6rg@example.test>")) == 250);
    d.send("DATA\r\nx\r\n.\r\n");
    REQUIRE(d.queued.size() == 1);
    CHECK(d.queued[0].trace.smtputf8);
}
