// FetchJob answers RFC822.SIZE and the top-level header sections from the root sizes of
// the structure blob and the index's header cache, and everything else from the decoded
// structure (fetch_job.hpp). Both roads must give the same bytes: a copy has no header
// cache, so the same FETCH on the original and on its copy compares them, on messages
// with CRLF line ends and with bare LFs (whose wire form is longer than the file).
#include <doctest/doctest.h>

#include <string>

#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

namespace {

const std::string kCrlf =
    "From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: hello\r\n"
    " folded\r\nX-Priority: 3\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody line\r\n";
const std::string kBareLf =
    "From: Carol <carol@example.test>\nTo: dan@example.test\nSubject: bare\n"
    "X-Other: 1\n\nline one\nline two\n";

void append(Harness& h, const std::string& m) {
    h.feed("ap APPEND INBOX \"05-Mar-2024 10:00:00 +0000\" {" + std::to_string(m.size()) + "+}\r\n" + m +
           "\r\n");
}

// The responses of `command` without the tagged line.
std::string untagged(Harness& h, const std::string& command) {
    std::string r = h.feed("t " + command + "\r\n");
    const auto tagged = r.rfind("t OK ");
    REQUIRE(tagged != std::string::npos);
    return r.substr(0, tagged);
}

}  // namespace

TEST_CASE("header fetches and RFC822.SIZE: the same bytes with and without the header cache") {
    Harness h;
    h.login();
    h.feed("c CREATE Copy\r\n");
    append(h, kCrlf);
    append(h, kBareLf);
    h.feed("s SELECT INBOX\r\n");
    REQUIRE(contains(h.feed("c COPY 1:2 Copy\r\n"), "c OK"));

    const std::string commands[] = {
        "FETCH 1:2 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Subject Date Message-ID Priority "
        "X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])",
        "FETCH 1:2 (BODY.PEEK[HEADER.FIELDS.NOT (To X-Other)] BODY.PEEK[HEADER] RFC822.SIZE)",
        "FETCH 1:2 (BODY.PEEK[HEADER.FIELDS (subject)]<3.9> BODY.PEEK[HEADER]<10.20> RFC822.HEADER)",
        "FETCH 1:2 (RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (TO)] BODYSTRUCTURE BODY.PEEK[])",
        "FETCH 1:2 (RFC822.SIZE)",
    };
    std::string inbox[std::size(commands)];
    for (std::size_t i = 0; i < std::size(commands); ++i) inbox[i] = untagged(h, commands[i]);
    h.feed("s SELECT Copy\r\n");
    for (std::size_t i = 0; i < std::size(commands); ++i) {
        CAPTURE(commands[i]);
        CHECK(untagged(h, commands[i]) == inbox[i]);
    }

    // The figures themselves: RFC822.SIZE is the size of BODY[] as sent (CRLF everywhere).
    std::string bare_wire;
    for (char c : kBareLf) {
        if (c == '\n') bare_wire += '\r';
        bare_wire += c;
    }
    CHECK(contains(inbox[4], "* 1 FETCH (RFC822.SIZE " + std::to_string(kCrlf.size()) + ")"));
    CHECK(contains(inbox[4], "* 2 FETCH (RFC822.SIZE " + std::to_string(bare_wire.size()) + ")"));
    CHECK(contains(inbox[0], "BODY[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID PRIORITY X-PRIORITY "
                             "REFERENCES NEWSGROUPS IN-REPLY-TO CONTENT-TYPE REPLY-TO)] {"));
    CHECK(contains(inbox[0], "Subject: hello\r\n folded\r\nX-Priority: 3\r\n"));
    CHECK(contains(inbox[1], "From: Carol <carol@example.test>\r\nSubject: bare\r\n\r\n BODY[HEADER] {"));
    const std::string bare_header = bare_wire.substr(0, bare_wire.find("\r\n\r\n") + 4);
    CHECK(contains(inbox[1], "BODY[HEADER] {" + std::to_string(bare_header.size()) + "}\r\n" + bare_header));
    CHECK(contains(inbox[2], "BODY[HEADER.FIELDS (SUBJECT)]<3> {9}\r\nject: hel"));
    CHECK(contains(inbox[3], "BODY[] {" + std::to_string(bare_wire.size()) + "}\r\n" + bare_wire));
}
