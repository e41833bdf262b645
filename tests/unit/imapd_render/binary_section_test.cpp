// BINARY sections (RFC 3516 §4.2): what is decoded, what is sent as BODY[part] would be.
#include "imapd/render/binary_section.hpp"
#include "imapd/render/binary_append.hpp"

#include <doctest/doctest.h>

#include "common/mime/message_parser.hpp"

using namespace mr::imapd;

namespace {

constexpr std::string_view kMessage =
    "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC/w==\r\n"
    "--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nz=C3=A9 =\r\nx\r\n"
    "--b\r\nContent-Transfer-Encoding: x-gzip\r\n\r\nzz\r\n"
    "--b\r\nContent-Type: message/rfc822\r\n\r\nA: b\r\n\r\nc\r\n"
    "--b--\r\n";

std::string binary(const std::vector<std::uint32_t>& part, bool* unknown = nullptr) {
    const auto s = mr::mime::parse_message(kMessage);
    const BinaryPlan plan = plan_binary(s, part);
    if (unknown) *unknown = plan.unknown_cte;
    return decode_binary(plan, fetch_section(kMessage, s, Section{part, Section::Kind::Full, {}}));
}

}  // namespace

TEST_CASE("binary: base64 and quoted-printable leaves are decoded") {
    CHECK(binary({1}) == std::string("\0\1\2\xff", 4));
    CHECK(needs_literal8(binary({1})));
    CHECK(binary({2}) == "z\xc3\xa9 x");
    CHECK(!needs_literal8(binary({2})));
    CHECK(!needs_literal8("a\r\nb"));
    CHECK(needs_literal8("a\rb"));
    CHECK(needs_literal8("a\nb"));
    CHECK(needs_literal8("a\r"));
}

TEST_CASE("binary: the message, a message part and a missing part are not decoded") {
    CHECK(binary({}) == kMessage);
    CHECK(binary({4}) == "A: b\r\n\r\nc");  // message/rfc822 parts are not decoded
    CHECK(binary({9}).empty());
}

TEST_CASE("binary: an unknown CTE is reported") {
    bool unknown = false;
    binary({3}, &unknown);
    CHECK(unknown);
    binary({1}, &unknown);
    CHECK(!unknown);
}

TEST_CASE("binary: response names") {
    std::string out;
    BodySection b;
    b.section.part = {1, 2};
    b.partial = Partial{5, 10};
    append_binary_name(out, b, false);
    CHECK(out == "BINARY[1.2]<5>");
    out.clear();
    append_binary_name(out, b, true);
    CHECK(out == "BINARY.SIZE[1.2]");
}

TEST_CASE("binary APPEND: a binary part with NUL is stored base64-encoded (RFC 3516 §4.4)") {
    const std::string body("\0-\xe4\n\r\n\n", 7);
    const std::string msg = "From: a@b\r\nContent-Transfer-Encoding:\r\n binary\r\nX: y\r\n\r\n" + body;
    const std::string stored = encode_binary_parts(msg);
    CHECK(stored == "From: a@b\r\nContent-Transfer-Encoding: base64\r\nX: y\r\n\r\nAC3kCg0KCg==\r\n");
    const auto s = mr::mime::parse_message(stored);
    CHECK(decode_binary(plan_binary(s, {1}), fetch_section(stored, s, Section{{1}, Section::Kind::Full, {}})) == body);
    // Without NUL, or not binary: unchanged.
    CHECK(encode_binary_parts(kMessage) == kMessage);
    const std::string b64 = "Content-Transfer-Encoding: 8bit\r\n\r\n" + body;
    CHECK(encode_binary_parts(b64) == b64);
}
