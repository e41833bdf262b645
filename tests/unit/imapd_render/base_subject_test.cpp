// Base subject extraction (RFC 5256 §2.1) and its collation, with the subjects of
// imaptest's sort-subject script and the RFC's own rules case by case.
#include <doctest/doctest.h>

#include "imapd/render/base_subject.hpp"

using namespace mr::imapd;

namespace {
std::string base(std::string_view s) { return base_subject(s).text; }
bool reply(std::string_view s) { return base_subject(s).reply_or_forward; }
}  // namespace

TEST_CASE("base subject: leaders, trailers, blobs and [fwd: ]") {
    CHECK(base("a") == "a");
    CHECK(base("") == "");
    CHECK(base("Re: lunch") == "lunch");
    CHECK(base("RE:lunch") == "lunch");
    CHECK(base("re: re: Re:  lunch") == "lunch");
    CHECK(base("Fw: x") == "x");
    CHECK(base("FWD: x") == "x");
    CHECK(base("Re [2]: x") == "x");             // subj-blob inside subj-refwd
    CHECK(base("[list] Re: x") == "x");          // subj-blob before subj-refwd
    CHECK(base("[list] x") == "x");              // step (4): a blob before text
    CHECK(base("[xyz]") == "[xyz]");             // step (4): not when nothing would remain
    CHECK(base("[a][b]") == "[b]");
    CHECK(base("x (fwd)") == "x");
    CHECK(base("x (FWD) (fwd) ") == "x");
    CHECK(base("[Fwd: x]") == "x");              // step (6)
    CHECK(base("Re: [FWD: c]") == "c");
    CHECK(base("re: [fwd: [fwd: re: [fwd: babylon]]]") == "babylon");
    CHECK(base("[foo] Fwd: [bar] Re: fw: b (fWd)  (fwd)") == "b");
    CHECK(base("Ad: Re: Ad: x") == "Ad: Re: Ad: x");  // only re/fw/fwd are leaders
    CHECK(base("Reply: x") == "Reply: x");
    CHECK(base("b (a)") == "b (a)");
    CHECK(base("a\tb  \r\n c") == "a b c");      // step (1): white space
    CHECK(base("Re: =?utf-8?q?b?=") == "b");     // encoded words first
    CHECK(base("=?iso-8859-1?q?RE:_C?=") == "C");
    CHECK(base("=?us-ascii?b?UmU6IGM=?=") == "c");
    CHECK(base("=?iso-8859-1?q?_?=") == "");
    CHECK(base("[unterminated x") == "[unterminated x");
}

TEST_CASE("base subject: reply or forward (rfc5256.txt:440)") {
    CHECK(reply("Re: x"));
    CHECK(reply("x (fwd)"));
    CHECK(reply("[fwd: x]"));
    CHECK_FALSE(reply("x"));
    CHECK_FALSE(reply("[list] x"));
    CHECK_FALSE(reply("[xyz]"));
}

TEST_CASE("base subject: its key is i;unicode-casemap's form (RFC 5256 §7)") {
    // The collation itself is tested in tests/unit/text/unicode_casemap_test.cpp.
    CHECK(base_subject("Re: \xC3\x9C" "BER").key == base_subject("\xC3\xBC" "ber").key);  // ÜBER / über
    // Precomposed é (U+00E9) and e + U+0301 (COMBINING ACUTE ACCENT) are one subject.
    CHECK(base_subject("Fwd: caf\xC3\xA9").key == base_subject("CAFE\xCC\x81").key);
    CHECK(base_subject("c").key < base_subject("[xyz]").key);  // "C" < "["
}
