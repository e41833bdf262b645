// COMPRESS (RFC 4978, session_compress.cpp): the tagged OK is the last uncompressed byte,
// what follows it is left to the glue's inflater, and a second COMPRESS is refused.
#include <doctest/doctest.h>

#include "tests/unit/imapd_session/session_harness.hpp"

using namespace mr::imapd::session;
using namespace mr::imapd::session::test;

TEST_CASE("COMPRESS DEFLATE: OK, then the bytes after it go to the inflater unread") {
    Harness h;
    h.login();
    // Pipelined (which RFC 4978 §3 forbids, but a client may): the rest is not a command.
    CHECK(h.feed("c COMPRESS deflate\r\n\x78\x9c garbage\r\n") == "c OK DEFLATE active\r\n");
    CHECK(h.compressions == 1);
    CHECK(h.compressed_input == "\x78\x9c garbage\r\n");
    CHECK(h.feed("d COMPRESS DEFLATE\r\n") == "d NO [COMPRESSIONACTIVE] DEFLATE is already active\r\n");
    CHECK(h.compressions == 1);
    CHECK(contains(h.feed("n NOOP\r\n"), "n OK"));
}

TEST_CASE("COMPRESS: unknown mechanism is BAD; not before login; in the selected state too") {
    Harness h;
    CHECK(h.feed("a COMPRESS DEFLATE\r\n") == "a BAD Log in first\r\n");
    h.login();
    CHECK(h.feed("b COMPRESS LZ4\r\n") == "b BAD Unknown compression mechanism\r\n");
    CHECK(h.compressions == 0);
    CHECK(contains(h.feed("s SELECT INBOX\r\n"), "s OK"));
    CHECK(contains(h.feed("c COMPRESS DEFLATE\r\n"), "c OK DEFLATE active\r\n"));
    CHECK(h.compressions == 1);
}
