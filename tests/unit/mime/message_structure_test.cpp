// Serialise / deserialise of MessageStructure and structure_blob().
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/mime/message_parser.hpp"
#include "common/mime/message_structure.hpp"
#include "common/mime/structure_blob.hpp"
#include "tests/unit/mime/corpus.hpp"

using namespace mr::mime;

TEST_CASE("every corpus message round-trips through the blob") {
    for (const std::string& name : test::corpus_names()) {
        CAPTURE(name);
        const std::string m = test::load(name);
        const MessageStructure s = parse_message(m);
        const std::string blob = serialize(s);
        CHECK(static_cast<unsigned char>(blob.at(0)) == kStructureBlobVersion);
        const auto back = deserialize(blob);
        REQUIRE(back.ok());
        CHECK(*back == s);
        CHECK(structure_blob(m) == blob);  // the storage entry point is the same bytes
        // Compact: the blob is small next to any real message with these headers.
        CHECK(blob.size() < m.size() + 200);
    }
}

TEST_CASE("a hand-built structure with every optional field round-trips") {
    MessageStructure s;
    s.size = 1000;
    s.envelope.date = "d";
    s.envelope.subject = "";  // present but empty stays distinct from NIL
    s.envelope.from = {Address{"n", "@r", "m", "h"}};
    s.envelope.to = {Address{std::nullopt, std::nullopt, "g", std::nullopt}, Address{}};
    s.root.kind = PartKind::Multipart;
    s.root.body_start = 100;
    s.root.end = 1000;
    s.root.type = "multipart";
    s.root.subtype = "mixed";
    s.root.params = {{"boundary", "b", false}, {"title", "\xE2\x82\xAC", true}};
    Part msg;
    msg.kind = PartKind::Message;
    msg.header_start = 110;
    msg.body_start = 150;
    msg.end = 900;
    msg.type = "message";
    msg.subtype = "rfc822";
    msg.id = "<id>";
    msg.description = "desc";
    msg.encoding = "7bit";
    msg.md5 = "Q2hlY2sgSW50ZWdyaXR5IQ==";
    msg.disposition = Disposition{"attachment", {{"filename", "f", false}}};
    msg.language = {"en", "de"};
    msg.location = "http://x/";
    msg.body_lines = 1u << 30;
    msg.header_extra = 3;
    msg.body_extra = 7;
    msg.envelope = Envelope{};
    msg.envelope->message_id = "<x@y>";
    Part inner;
    inner.header_start = 150;
    inner.body_start = 200;
    inner.end = 900;
    msg.children.push_back(inner);
    s.root.children.push_back(msg);
    const auto back = deserialize(serialize(s));
    REQUIRE(back.ok());
    CHECK(*back == s);
    CHECK(back->envelope.subject == std::optional<std::string>(""));
    CHECK(back->envelope.in_reply_to == std::nullopt);
}

TEST_CASE("deserialize rejects garbage with an error, never a crash") {
    const MessageStructure s = parse_message(test::load("message_rfc822.eml"));
    const std::string blob = serialize(s);

    CHECK_FALSE(deserialize("").ok());
    CHECK(deserialize("").error().kind == mr::ErrorKind::Syntax);
    CHECK_FALSE(deserialize(std::string(1, '\x01') + blob.substr(1)).ok());  // an older version
    CHECK_FALSE(deserialize(std::string(1, '\x03') + blob.substr(1)).ok());  // unknown version
    CHECK_FALSE(deserialize(blob + "x").ok());                               // trailing bytes
    // Every truncation fails cleanly.
    for (std::size_t n = 0; n < blob.size(); ++n) {
        CHECK_FALSE(deserialize(std::string_view(blob).substr(0, n)).ok());
    }
    // Every single-byte corruption either fails or yields a structure that passed the
    // invariant checks (some bytes are free text); neither may crash.
    for (std::size_t i = 1; i < blob.size(); ++i) {
        std::string bad = blob;
        bad[i] = static_cast<char>(bad[i] ^ 0xA5);
        (void)deserialize(bad);
    }
    // Huge counts cannot allocate: a string length of 2^62.
    CHECK_FALSE(deserialize(std::string("\x01\x00\x00\x00\x00\x00\x80\x80\x80\x80\x80\x80\x80\x80\x40", 15)).ok());
    // Over-long varint.
    CHECK_FALSE(deserialize(std::string("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11)).ok());
}

TEST_CASE("deserialize checks the structural invariants") {
    MessageStructure s = parse_message(test::load("nested_alternative.eml"));
    SUBCASE("child outside its parent") { s.root.children[1].end = s.size + 1; }
    SUBCASE("multipart without children") { s.root.children[0].children.clear(); }
    SUBCASE("leaf with children") { s.root.children[0].kind = PartKind::Leaf; }
    SUBCASE("overlapping children") { s.root.children[1].header_start = s.root.children[0].end - 1; }
    SUBCASE("root does not cover the message") { s.size += 1; }
    CHECK_FALSE(deserialize(serialize(s)).ok());
}

TEST_CASE("peek_root_sizes reads what deserialize reads for the root, and refuses what it refuses") {
    for (const std::string& name : test::corpus_names()) {
        CAPTURE(name);
        const MessageStructure s = parse_message(test::load(name));
        const auto sizes = peek_root_sizes(serialize(s));
        REQUIRE(sizes.ok());
        CHECK(sizes->size == s.size);
        CHECK(sizes->body_start == s.root.body_start);
        CHECK(sizes->header_extra == s.root.header_extra);
        CHECK(sizes->body_extra == s.root.body_extra);
    }
    // Bare LFs and an envelope with every list filled: the skip must land on the root.
    MessageStructure s;
    s.size = 500;
    s.envelope.date = "d";
    s.envelope.message_id = "<m@h>";
    const Address a{"name", std::nullopt, "box", "host"};
    s.envelope.from = s.envelope.sender = s.envelope.reply_to = {a};
    s.envelope.to = s.envelope.cc = s.envelope.bcc = {a, Address{}};
    s.root.body_start = 120;
    s.root.end = 500;
    s.root.header_extra = 4;
    s.root.body_extra = 9;
    const std::string blob = serialize(s);
    const auto sizes = peek_root_sizes(blob);
    REQUIRE(sizes.ok());
    CHECK(sizes->size == 500);
    CHECK(sizes->body_start == 120);
    CHECK(sizes->header_extra == 4);
    CHECK(sizes->body_extra == 9);
    // Every truncation of the front, a wrong version and garbage: errors, never a crash.
    // The front ends after the root's body_extra: every shorter cut fails, every longer
    // one gives the same sizes, and the type strings and the rest come after it.
    std::size_t first_ok = blob.size() + 1;
    for (std::size_t n = 0; n <= blob.size(); ++n) {
        CAPTURE(n);
        const auto cut = peek_root_sizes(std::string_view(blob).substr(0, n));
        if (n < first_ok) {
            if (cut.ok()) first_ok = n;
            else continue;
        }
        REQUIRE(cut.ok());
        CHECK(cut->body_extra == 9);
    }
    CHECK(first_ok + std::string("text").size() + std::string("plain").size() < blob.size());
    std::string wrong = blob;
    wrong[0] = static_cast<char>(kStructureBlobVersion + 1);
    CHECK_FALSE(peek_root_sizes(wrong).ok());
    CHECK_FALSE(peek_root_sizes(std::string(64, '\xff')).ok());
    CHECK_FALSE(peek_root_sizes("").ok());
}

TEST_CASE("deserialize_into one reused object gives what deserialize gives, in any order") {
    std::vector<std::string> blobs;
    for (const std::string& name : test::corpus_names()) blobs.push_back(serialize(parse_message(test::load(name))));
    REQUIRE(blobs.size() > 3);
    // Forwards, backwards and interleaved, so every shape follows every other: a field
    // left over from the previous message (a disposition, an envelope, a longer
    // list) would show.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < blobs.size(); ++i) order.push_back(i);
    for (std::size_t i = blobs.size(); i-- > 0;) order.push_back(i);
    for (std::size_t i = 0; i < blobs.size(); ++i) {
        order.push_back(i);
        order.push_back(blobs.size() - 1 - i);
    }
    MessageStructure reused;
    for (std::size_t i : order) {
        CAPTURE(i);
        REQUIRE(deserialize_into(blobs[i], reused).ok());
        const auto fresh = deserialize(blobs[i]);
        REQUIRE(fresh.ok());
        CHECK(reused == *fresh);
    }
    // An error leaves a valid object that the next blob fully overwrites.
    CHECK_FALSE(deserialize_into(std::string_view(blobs[0]).substr(0, blobs[0].size() / 2), reused).ok());
    REQUIRE(deserialize_into(blobs[1], reused).ok());
    CHECK(reused == *deserialize(blobs[1]));
}
