// Content-Transfer-Encoding decoders, one row per edge with its reason.
#include <doctest/doctest.h>

#include <string>

#include "common/mime/transfer_decoding.hpp"

using namespace mr::mime;
using namespace std::string_literals;

namespace {
struct Row {
    std::string input;
    std::string expected;
    const char* why;
};
}  // namespace

TEST_CASE("decode_base64") {
    const Row rows[] = {
        {"", "", "empty"},
        {"TWFu", "Man", "one quantum (rfc2045.txt:1295)"},
        {"TWE=", "Ma", "one pad"},
        {"TQ==", "M", "two pads"},
        {"TWE", "Ma", "missing padding tolerated"},
        {"TQ", "M", "missing both pads tolerated"},
        {"TW\r\nFu\r\n", "Man", "line breaks ignored"},
        {"T W\tF u", "Man", "spaces and tabs ignored"},
        {"TW*F!u", "Man", "non-alphabet characters ignored (rfc2045.txt:1411)"},
        {"TQ==TQ==", "MM", "concatenated encodings decode piece by piece"},
        {"TR==", "M", "non-zero unused bits tolerated (libsodium would refuse)"},
        {"TWFuT", "Man", "one dangling character dropped: six bits make no octet"},
        {"====", "", "padding only"},
        {"/+/+", "\xFF\xEF\xFE"s, "the two non-letter symbols"},
        {"AAAA", "\0\0\0"s, "NUL octets survive"},
    };
    for (const Row& r : rows) {
        CAPTURE(r.why);
        CHECK(decode_base64(r.input) == r.expected);
    }
    // Big input crosses the 1 MiB scratch flush.
    std::string big;
    for (int i = 0; i < 400000; ++i) big += "TWFu\r\n";
    CHECK(decode_base64(big).size() == 1200000);
}

TEST_CASE("decode_quoted_printable") {
    const Row rows[] = {
        {"abc", "abc", "literal text"},
        {"a=3Db", "a=b", "=XX octet (rfc2045.txt:1043 rule 1)"},
        {"a=3db", "a=b", "lowercase hex tolerated (rfc2045.txt:1193 note 1)"},
        {"Caf=E9", "Caf\xE9", "8-bit octet"},
        {"soft=\r\nbreak", "softbreak", "soft line break, CRLF (rule 5)"},
        {"soft=\nbreak", "softbreak", "soft line break, bare LF"},
        {"soft=  \r\nbreak", "softbreak", "white space after the soft-break '=' ignored"},
        {"trail   \r\nx", "trail\r\nx", "trailing white space deleted (rule 3)"},
        {"a \t=\r\nb", "a \tb", "white space before a soft break is content"},
        {"end  ", "end", "trailing white space at the very end deleted"},
        {"a=\r\n", "a", "soft break at the end"},
        {"a=", "a", "lone '=' at the end: a soft break without line end"},
        {"a=G1", "a=G1", "'=' with non-hex kept (rfc2045.txt:1198 note 2)"},
        {"a=4", "a=4", "'=' too close to the end kept (note 3)"},
        {"line1\r\nline2\r\n", "line1\r\nline2\r\n", "hard line breaks kept"},
        {"=00", "\0"s, "NUL octet"},
    };
    for (const Row& r : rows) {
        CAPTURE(r.why);
        CHECK(decode_quoted_printable(r.input) == r.expected);
    }
}

TEST_CASE("parse_transfer_encoding and dispatch") {
    CHECK(parse_transfer_encoding("") == TransferEncoding::SevenBit);  // absent = 7bit
    CHECK(parse_transfer_encoding(" BASE64 ") == TransferEncoding::Base64);
    CHECK(parse_transfer_encoding("Quoted-Printable") == TransferEncoding::QuotedPrintable);
    CHECK(parse_transfer_encoding("8BIT") == TransferEncoding::EightBit);
    CHECK(parse_transfer_encoding("binary") == TransferEncoding::Binary);
    CHECK(parse_transfer_encoding("x-uuencode") == TransferEncoding::Unknown);
    CHECK(decode_transfer(TransferEncoding::Base64, "TWFu") == "Man");
    CHECK(decode_transfer(TransferEncoding::QuotedPrintable, "=41") == "A");
    CHECK(decode_transfer(TransferEncoding::Unknown, "=41") == "=41");
}
