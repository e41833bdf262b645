#include <doctest/doctest.h>

#include "deliverd/dsn.hpp"

using namespace mr::deliverd;

TEST_CASE("dsn: NOTIFY semantics (RFC 3461 §4.1)") {
    CHECK(should_notify("a@b", "", DsnAction::Failed));
    CHECK(should_notify("a@b", "", DsnAction::Delayed));
    CHECK_FALSE(should_notify("a@b", "", DsnAction::Delivered));
    CHECK(should_notify("a@b", "success", DsnAction::Delivered));
    CHECK_FALSE(should_notify("a@b", "SUCCESS", DsnAction::Failed));
    CHECK_FALSE(should_notify("a@b", "NEVER", DsnAction::Failed));
    CHECK(should_notify("a@b", "FAILURE,DELAY", DsnAction::Delayed));
    CHECK_FALSE(should_notify("", "", DsnAction::Failed));  // null sender: never
    CHECK_FALSE(should_notify("", "SUCCESS,FAILURE", DsnAction::Delivered));
}

TEST_CASE("dsn: status codes follow the reply when the class agrees") {
    CHECK(status_code(DsnAction::Failed, "550 5.1.1 no such user") == "5.1.1");
    CHECK(status_code(DsnAction::Failed, "550 no such user") == "5.0.0");
    CHECK(status_code(DsnAction::Failed, "451 4.4.1 timeout (gave up)") == "5.4.1");  // expired
    CHECK(status_code(DsnAction::Delayed, "550 5.1.1 x") == "4.0.0");
    CHECK(status_code(DsnAction::Delayed, "452 4.2.2 mailbox full") == "4.2.2");
    CHECK(status_code(DsnAction::Delivered, "") == "2.0.0");
    CHECK(status_code(DsnAction::Failed, "550 5.1234.1 x") == "5.0.0");
}

TEST_CASE("dsn: xtext and dates") {
    CHECK(xtext_decode("rfc822;bob+2Btag@example.test") == "rfc822;bob+tag@example.test");
    CHECK(xtext_decode("a+zz") == "a+zz");
    CHECK(xtext_decode("a+4") == "a+4");
}

TEST_CASE("dsn: a failure report is a three-part multipart/report") {
    DsnInput in;
    in.reporting_mta = "mx.example.test";
    in.original_sender = "alice@example.test";
    in.queue_id = "0123456789abcdef012345";
    in.envid = "ENV+2B1";
    in.arrival = 1700000000;
    in.now = 1700000100;
    in.boundary = "BOUNDARY";
    in.recipients.push_back({"ghost@example.test", "rfc822;ghost@example.test", DsnAction::Failed,
                             "550 5.1.1 <ghost@example.test>: no such user here", "", 0});
    in.recipients.push_back({"far@remote.org", "", DsnAction::Delayed, "421 4.4.2 timeout\r\nInjected: x",
                             "mx.remote.org[192.0.2.1]", 1700400000});
    const std::string original = "Subject: hello\r\nMessage-ID: <m1@x>\r\n\r\nbody BOUNDARY\r\n";
    in.original = original;
    const std::string m = compose_dsn(in);
    // The boundary changed because the original contains it.
    CHECK(m.find("boundary=\"BOUNDARY=_\"") != std::string::npos);
    CHECK(m.find("To: <alice@example.test>\r\n") != std::string::npos);
    CHECK(m.find("Subject: Undelivered Mail Returned to Sender\r\n") != std::string::npos);
    CHECK(m.find("Content-Type: multipart/report; report-type=delivery-status;") != std::string::npos);
    CHECK(m.find("Original-Envelope-Id: ENV+1\r\nReporting-MTA: dns; mx.example.test\r\n") != std::string::npos);
    CHECK(m.find("Original-Recipient: rfc822;ghost@example.test\r\nFinal-Recipient: rfc822; ghost@example.test\r\n"
                 "Action: failed\r\nStatus: 5.1.1\r\n") != std::string::npos);
    CHECK(m.find("Action: delayed\r\nStatus: 4.4.2\r\nRemote-MTA: dns; mx.remote.org\r\n") != std::string::npos);
    CHECK(m.find("Will-Retry-Until: ") != std::string::npos);
    // A peer's reply cannot add a field.
    CHECK(m.find("\r\nInjected: x") == std::string::npos);
    // HDRS by default: the headers, not the body.
    CHECK(m.find("Content-Type: text/rfc822-headers") != std::string::npos);
    CHECK(m.find("Message-ID: <m1@x>\r\n") != std::string::npos);
    CHECK(m.find("body BOUNDARY") == std::string::npos);
    CHECK(m.ends_with("--BOUNDARY=_--\r\n"));

    in.ret = "FULL";
    const std::string full = compose_dsn(in);
    CHECK(full.find("Content-Type: message/rfc822") != std::string::npos);
    CHECK(full.find("body BOUNDARY") != std::string::npos);

    // RET=FULL returns only headers when nothing failed (RFC 3461 §6.2).
    in.recipients.erase(in.recipients.begin());
    const std::string delay = compose_dsn(in);
    CHECK(delay.find("Subject: Delayed Mail") != std::string::npos);
    CHECK(delay.find("text/rfc822-headers") != std::string::npos);
}
