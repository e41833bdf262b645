// Submission From: header check: which addresses a message claims (header_from) and what the
// session does with the answer (553 5.7.1 after the data, nothing queued).
#include "common/text/sasl.hpp"
#include "session_driver.hpp"
#include "smtpd/proto/header_from.hpp"

using namespace mr::smtpd;
using namespace mr::smtpd::test;
using mr::text::base64_encode;

namespace {

using Strings = std::vector<std::string>;

Driver logged_in(bool check = true) {
    SessionOptions o;
    o.role = Role::Submission;
    o.tls_active = true;
    o.check_header_from = check;
    Driver d(o);
    d.take();
    d.ehlo();
    const std::string plain = base64_encode(std::string("\0alice@example.test\0secret", 26));
    REQUIRE(d.send("AUTH PLAIN " + plain + "\r\n") == "235 2.7.0 Authentication successful\r\n");
    REQUIRE(code(d.send("MAIL FROM:<alice@example.test>\r\n")) == 250);
    REQUIRE(code(d.send("RCPT TO:<friend@remote.example>\r\n")) == 250);
    return d;
}

std::string data(Driver& d, const std::string& message) {
    REQUIRE(code(d.send("DATA\r\n")) == 354);
    return d.send(message + ".\r\n");
}

std::string bdat(Driver& d, const std::string& message) {
    return d.send("BDAT " + std::to_string(message.size()) + " LAST\r\n" + message);
}

}  // namespace

TEST_CASE("header_from: every address of every From: field, once each") {
    HeaderFrom f = header_from("From: Alice <alice@example.test>, sales@Example.TEST\r\n"
                               "To: x@y.example\r\nfrom: ALICE@example.test,\r\n (c) Bob <bob@example.test>\r\n\r\n"
                               "From: body@example.test\r\n");
    CHECK(f.present);
    CHECK_FALSE(f.unusable);
    CHECK(f.addresses == Strings{"alice@example.test", "sales@Example.TEST", "bob@example.test"});  // as written

    CHECK_FALSE(header_from("Subject: none\r\n\r\nFrom: a@b.example\r\n").present);
    CHECK(header_from("From: undisclosed\r\n\r\n").unusable);
    CHECK(header_from("From: \r\n\r\n").unusable);
    CHECK(header_from("From: a@b.example, <nodomain>\r\n\r\n").unusable);
    CHECK(header_from("From: team:;\r\n\r\n").unusable);
    CHECK(header_from("From: \"Bank\" <bank@evil.example\r\n\r\n").addresses == Strings{"bank@evil.example"});
}

TEST_CASE("submission From: header: own address and owned alias pass") {
    Driver d = logged_in();
    CHECK(code(data(d, "From: Alice <alice@example.test>\r\nSubject: hi\r\n\r\nbody\r\n")) == 250);
    REQUIRE(d.queued.size() == 1);
    REQUIRE(code(d.send("MAIL FROM:<alice@example.test>\r\n")) == 250);
    REQUIRE(code(d.send("RCPT TO:<friend@remote.example>\r\n")) == 250);
    CHECK(code(data(d, "From: Sales <SALES@example.test>\r\n\r\nbody\r\n")) == 250);
    CHECK(d.queued.size() == 2);
    CHECK(d.from_checks.back() == Strings{"SALES@example.test"});
}

TEST_CASE("submission From: header: a forged address is 553 5.7.1 after the dot, nothing queued") {
    Driver d = logged_in();
    CHECK(data(d, "From: alice@example.test, Boss <boss@example.test>\r\n\r\nbody\r\n") ==
          "553 5.7.1 From: header address <boss@example.test> not owned by user alice@example.test\r\n");
    CHECK(d.queued.empty());
    CHECK_FALSE(d.session.in_transaction());
    // The session goes on.
    REQUIRE(code(d.send("MAIL FROM:<alice@example.test>\r\n")) == 250);
    REQUIRE(code(d.send("RCPT TO:<friend@remote.example>\r\n")) == 250);
    CHECK(code(data(d, "From: alice@example.test\r\n\r\nok\r\n")) == 250);
    CHECK(d.queued.size() == 1);
}

TEST_CASE("submission From: header: a second From: field is checked too") {
    Driver d = logged_in();
    CHECK(code(data(d, "From: alice@example.test\r\nFrom: boss@example.test\r\n\r\nbody\r\n")) == 553);
    CHECK(d.queued.empty());
}

TEST_CASE("submission From: header: BDAT is answered after LAST") {
    Driver d = logged_in();
    CHECK(d.send("BDAT 9\r\nFrom: bos") == "250 2.0.0 9 octets received\r\n");
    CHECK(bdat(d, "s@example.test\r\n\r\nbody\r\n") ==
          "553 5.7.1 From: header address <boss@example.test> not owned by user alice@example.test\r\n");
    CHECK(d.queued.empty());
}

TEST_CASE("submission From: header: no usable address is 553; no From: at all passes") {
    Driver d = logged_in();
    CHECK(data(d, "From: undisclosed-recipients:;\r\n\r\nbody\r\n") ==
          "553 5.7.1 From: header must name only addresses of user alice@example.test\r\n");
    CHECK(d.from_checks.empty());
    REQUIRE(code(d.send("MAIL FROM:<alice@example.test>\r\n")) == 250);
    REQUIRE(code(d.send("RCPT TO:<friend@remote.example>\r\n")) == 250);
    CHECK(code(data(d, "Subject: no author\r\n\r\nbody\r\n")) == 250);
}

TEST_CASE("submission From: header: a lookup failure is 451, nothing queued") {
    Driver d = logged_in();
    d.fail_from_check = true;
    CHECK(code(data(d, "From: alice@example.test\r\n\r\nbody\r\n")) == 451);
    CHECK(d.queued.empty());
}

TEST_CASE("submission From: header: off (allow_any_from) and on the inbound role") {
    Driver d = logged_in(false);
    CHECK(code(data(d, "From: boss@example.test\r\n\r\nbody\r\n")) == 250);
    CHECK(d.from_checks.empty());

    SessionOptions o;
    o.check_header_from = true;  // never set for inbound by the glue; no user anyway
    Driver in(o);
    in.take();
    in.envelope();
    CHECK(code(data(in, "From: boss@example.test\r\n\r\nbody\r\n")) == 250);
    CHECK(in.from_checks.empty());
}
