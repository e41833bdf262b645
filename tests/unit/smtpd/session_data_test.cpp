// DATA and BDAT: dot-unstuffing, the only end of data, smuggling variants, size and line
// limits, chunking, enqueue results.
#include "session_driver.hpp"

using namespace mr::smtpd;
using namespace mr::smtpd::test;

namespace {

// Runs one DATA transaction with `body` (the bytes after "354", including the terminator
// and anything after it) and returns what the server answered to the body.
std::string data_exchange(Driver& d, std::string_view body) {
    d.envelope();
    REQUIRE(code(d.send("DATA\r\n")) == 354);
    return d.send(body);
}

}  // namespace

TEST_CASE("DATA: dot-unstuffing and 8-bit content are stored byte for byte") {
    Driver d;
    d.take();
    const std::string reply = data_exchange(d, "Subject: caf\xc3\xa9\r\n\r\n..leading dot\r\n..\r\n...\r\n\xff\xfe\r\n.\r\n");
    CHECK(reply == "250 2.0.0 OK queued as qid1\r\n");
    REQUIRE(d.queued.size() == 1);
    CHECK(d.queued[0].message == "Subject: caf\xc3\xa9\r\n\r\n.leading dot\r\n.\r\n..\r\n\xff\xfe\r\n");
    CHECK(d.queued[0].envelope.sender == "sender@remote.example");
    CHECK(d.queued[0].trace.helo == "client.example");
    CHECK(d.queued[0].trace.for_recipient == "alice@example.test");
    CHECK_FALSE(d.queued[0].submission);
    // The transaction is logged with its queue id.
    bool logged = false;
    for (const auto& e : d.events) {
        if (e.event != "transaction") continue;
        logged = true;
        CHECK(e.fields[0].second == "sender@remote.example");
        CHECK(e.fields[4].second == "qid1");
        CHECK(e.fields[5].second == "queued");
    }
    CHECK(logged);
    // A new transaction can follow at once.
    CHECK(d.send("MAIL FROM:<>\r\n") == "250 2.1.0 Sender OK\r\n");
}

TEST_CASE("DATA: an empty message and one byte at a time") {
    Driver d;
    d.take();
    CHECK(data_exchange(d, ".\r\n") == "250 2.0.0 OK queued as qid1\r\n");
    CHECK(d.queued.back().message.empty());
    d.envelope();
    CHECK(code(d.send("DATA\r\n")) == 354);
    CHECK(d.trickle("a\r\n..b\r\n.\r\n") == "250 2.0.0 OK queued as qid2\r\n");
    CHECK(d.queued.back().message == "a\r\n.b\r\n");
}

TEST_CASE("smuggling: nothing but CRLF.CRLF ends the data, and bare line ends are refused") {
    // Each body hides a second transaction behind a fake end of data. We must not run it: the
    // whole thing is one message, refused for its bare CR/LF once the real end arrives.
    const std::string smuggled = "MAIL FROM:<evil@remote.example>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nevil\r\n";
    for (std::string fake : {"\n.\n", "\r\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\r", "\r\n.\rX\r\n"}) {
        CAPTURE(fake);
        Driver d;
        d.take();
        const std::string reply = data_exchange(d, "Subject: a\r\n\r\nbody" + fake + smuggled + ".\r\n");
        CHECK(reply == "554 5.6.0 Message refused: bare CR or LF in the data (only CRLF ends a line, RFC 5321 2.3.8)\r\n");
        CHECK(d.queued.empty());
        CHECK(d.checked_recipients.size() == 1);  // bob was never looked up
        CHECK(d.send("NOOP\r\n") == "250 2.0.0 OK\r\n");  // usable afterwards
    }
}

TEST_CASE("smuggling: a bare LF anywhere refuses the message, even without a fake end") {
    Driver d;
    d.take();
    CHECK(code(data_exchange(d, "a\nb\r\n.\r\n")) == 554);
    CHECK(code(data_exchange(d, "a\rb\r\n.\r\n")) == 554);
    CHECK(d.queued.empty());
    CHECK(code(data_exchange(d, "fine\r\n.\r\n")) == 250);
}

TEST_CASE("DATA: lines over 998 octets are refused after the data is consumed") {
    Driver d;
    d.take();
    CHECK(code(data_exchange(d, std::string(998, 'a') + "\r\n.\r\n")) == 250);
    // The stuffed dot does not count (RFC 5321 §4.5.3.1.6).
    CHECK(code(data_exchange(d, ".." + std::string(997, 'a') + "\r\n.\r\n")) == 250);
    const std::string reply = data_exchange(d, std::string(999, 'a') + "\r\nmore\r\n.\r\nNOOP\r\n");
    CHECK(reply == "554 5.6.0 Message refused: line longer than 998 octets (RFC 5321 4.5.3.1.6)\r\n250 2.0.0 OK\r\n");
    CHECK(d.queued.size() == 2);
    // Very long lines are consumed without framing trouble.
    CHECK(code(data_exchange(d, std::string(100000, 'b') + "\r\n.\r\n")) == 554);
}

TEST_CASE("DATA: over the size limit is 552 after the data, the session goes on") {
    SessionOptions o;
    o.max_message_size = 100;
    Driver d(o);
    d.take();
    CHECK(code(data_exchange(d, std::string(98, 'x') + "\r\n.\r\n")) == 250);
    const std::string reply = data_exchange(d, std::string(200, 'x') + "\r\n.\r\nNOOP\r\n");
    CHECK(reply == "552 5.3.4 Message size exceeds fixed maximum message size\r\n250 2.0.0 OK\r\n");
    CHECK(d.queued.size() == 1);
    // Declared too big already at MAIL (RFC 1870).
    CHECK(code(d.send("MAIL FROM:<a@b.example> SIZE=101\r\n")) == 552);
}

TEST_CASE("DATA: a queue failure is 451 and nothing is claimed") {
    Driver d;
    d.take();
    d.fail_enqueue = true;
    CHECK(data_exchange(d, "x\r\n.\r\n") == "451 4.3.0 Local error in processing, try again later\r\n");
    CHECK(d.send("MAIL FROM:<>\r\n") == "250 2.1.0 Sender OK\r\n");  // transaction was reset
}

TEST_CASE("DATA: a message the checks refuse gets their reply, and the session goes on") {
    Driver d;
    d.take();
    d.refuse_message = Reply{550, "5.7.1", "Rejected by the DMARC policy of example.org"};
    CHECK(data_exchange(d, "x\r\n.\r\n") == "550 5.7.1 Rejected by the DMARC policy of example.org\r\n");
    d.refuse_message = Reply{451, "4.7.1", "DNS lookups failed, try again later"};
    CHECK(data_exchange(d, "x\r\n.\r\n") == "451 4.7.1 DNS lookups failed, try again later\r\n");
    d.refuse_message.reset();
    CHECK(data_exchange(d, "x\r\n.\r\n") == "250 2.0.0 OK queued as qid1\r\n");
}

TEST_CASE("DATA: argument and ordering errors") {
    Driver d;
    d.take();
    d.envelope();
    CHECK(code(d.send("DATA now\r\n")) == 501);
    CHECK(code(d.send("DATA\r\n")) == 354);
    CHECK(d.session.in_data());
    CHECK(d.send("QUIT\r\n").empty());  // just data
}

TEST_CASE("BDAT: chunks, LAST, and exact byte counts") {
    Driver d;
    d.take();
    d.envelope();
    CHECK(d.send("BDAT 5\r\nab\r\n") == "");
    CHECK(d.send("c") == "250 2.0.0 5 octets received\r\n");
    // Binary-looking data and "." lines are not special inside a chunk.
    CHECK(d.send("BDAT 6 LAST\r\n.\r\n.\r\n") == "250 2.0.0 OK queued as qid1\r\n");
    REQUIRE(d.queued.size() == 1);
    CHECK(d.queued[0].message == "ab\r\nc.\r\n.\r\n");
    // Pipelined: MAIL, RCPT, BDAT 0 LAST after a chunk.
    d.send("MAIL FROM:<>\r\nRCPT TO:<bob@example.test>\r\n");
    CHECK(d.trickle("BDAT 3\r\nx\r\nBDAT 0 LAST\r\n") == "250 2.0.0 3 octets received\r\n250 2.0.0 OK queued as qid2\r\n");
    CHECK(d.queued[1].message == "x\r\n");
}

TEST_CASE("BDAT: refused chunks are still consumed; mixing with DATA is 503") {
    Driver d;
    d.take();
    d.ehlo();
    // No transaction: the 10 bytes must not be read as commands.
    CHECK(d.send("BDAT 12\r\nQUIT\r\nQUIT\r\n") == "503 5.5.1 Need MAIL command\r\n");
    CHECK_FALSE(d.closed);
    d.envelope();
    CHECK(d.send("BDAT 3\r\nabc") == "250 2.0.0 3 octets received\r\n");
    CHECK(d.send("DATA\r\n") == "503 5.5.1 DATA not allowed after BDAT\r\n");
    CHECK(d.send("RCPT TO:<bob@example.test>\r\n") == "503 5.5.1 RCPT not allowed after BDAT\r\n");
    CHECK(d.send("RSET\r\n") == "250 2.0.0 OK\r\n");
    CHECK(code(d.send("BDAT x\r\n")) == 501);
    // MAIL without recipients.
    d.send("MAIL FROM:<>\r\n");
    CHECK(d.send("BDAT 2 LAST\r\nhi") == "554 5.5.1 No valid recipients\r\n");
    CHECK(d.queued.empty());
}

TEST_CASE("BDAT: size limit, bare line ends and long lines") {
    SessionOptions o;
    o.max_message_size = 50;
    Driver d(o);
    d.take();
    d.envelope();
    CHECK(d.send("BDAT 40\r\n" + std::string(38, 'x') + "\r\n") == "250 2.0.0 40 octets received\r\n");
    // Over the limit: refused at this chunk, the next pipelined chunk is discarded too.
    CHECK(d.send("BDAT 20\r\n" + std::string(20, 'y') + "BDAT 1 LAST\r\nz") ==
          "552 5.3.4 Message size exceeds fixed maximum message size\r\n503 5.5.1 Need MAIL command\r\n");
    d.envelope();
    CHECK(code(d.send("BDAT 4 LAST\r\na\nb\n")) == 554);
    d.envelope();
    CHECK(code(d.send("BDAT 3 LAST\r\na\r\r")) == 554);
    // A CR at the end of one chunk and its LF in the next is a proper CRLF.
    d.envelope();
    CHECK(d.send("BDAT 2\r\na\r") == "250 2.0.0 2 octets received\r\n");
    CHECK(d.send("BDAT 1 LAST\r\n\n") == "250 2.0.0 OK queued as qid1\r\n");
    SessionOptions big;
    Driver e(big);
    e.take();
    e.envelope();
    CHECK(code(e.send("BDAT 1001 LAST\r\n" + std::string(999, 'l') + "\r\n")) == 554);
}

TEST_CASE("BDAT: the open last line and lines split across chunks are checked too") {
    Driver d;
    d.take();
    d.envelope();
    CHECK(code(d.send("BDAT 3 LAST\r\nab\r")) == 554);  // a CR that ends the content is bare
    d.envelope();
    CHECK(code(d.send("BDAT 999 LAST\r\n" + std::string(999, 'x'))) == 554);  // open, 999 octets
    d.envelope();
    CHECK(d.send("BDAT 998 LAST\r\n" + std::string(998, 'x')) == "250 2.0.0 OK queued as qid1\r\n");
    // 600 + 400 octets in two chunks make one line over 998.
    d.envelope();
    CHECK(d.send("BDAT 600\r\n" + std::string(600, 'x')) == "250 2.0.0 600 octets received\r\n");
    CHECK(code(d.send("BDAT 402 LAST\r\n" + std::string(400, 'x') + "\r\n")) == 554);
    // Over the limit and ended by a bare LF, in pieces: still refused, stream in step.
    d.envelope();
    CHECK(d.send("BDAT 1200\r\n" + std::string(1200, 'x')) == "250 2.0.0 1200 octets received\r\n");
    CHECK(code(d.send("BDAT 3 LAST\r\n\nab")) == 554);
    CHECK(d.send("NOOP\r\n") == "250 2.0.0 OK\r\n");
}

TEST_CASE("a client that hangs up mid-DATA has asked for nothing") {
    Driver d;
    d.take();
    d.envelope();
    d.send("DATA\r\nSubject: half\r\n\r\nand then the line drops");
    CHECK(d.queued.empty());
    d.send("MAIL FROM:<>\r\nBDAT 100\r\nonly part");
    CHECK(d.queued.empty());
}
