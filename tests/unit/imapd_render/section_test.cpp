// BODY[section]<partial> for every section kind. Expected bytes are cut out of the
// .eml files by searching literal markers and applying the RFC 3501 rules
// (rfc3501.txt:3046-3130), independently of the renderer.
#include <doctest/doctest.h>

#include "common/mime/header_parser.hpp"
#include "common/mime/message_parser.hpp"
#include "imapd/render/section.hpp"
#include "imapd/render/wire_form.hpp"
#include "tests/unit/imapd_render/corpus.hpp"

using namespace mr::imapd;

namespace {

using Kind = Section::Kind;

Section sec(std::vector<std::uint32_t> part, Kind kind = Kind::Full,
            std::vector<std::string> fields = {}) {
    Section s;
    s.part = std::move(part);
    s.kind = kind;
    s.fields = std::move(fields);
    return s;
}

std::string fetch(const test::StoredMessage& m, const Section& s,
                  std::optional<Partial> partial = std::nullopt) {
    return fetch_section(m.bytes, m.structure, s, partial);
}

// Bytes from the first occurrence of `from` up to (not including) `to` after it.
std::string between(const std::string& msg, const std::string& from, const std::string& to) {
    const std::size_t b = msg.find(from);
    REQUIRE(b != std::string::npos);
    const std::size_t e = msg.find(to, b);
    REQUIRE(e != std::string::npos);
    return msg.substr(b, e - b);
}

}  // namespace

TEST_CASE("whole message, HEADER and TEXT") {
    const auto m = test::load("rfc822_nested.eml");
    const std::size_t blank = m.bytes.find("\r\n\r\n") + 4;
    CHECK(fetch(m, sec({})) == m.bytes);
    CHECK(fetch(m, sec({}, Kind::Header)) == m.bytes.substr(0, blank));  // blank line included
    CHECK(fetch(m, sec({}, Kind::Text)) == m.bytes.substr(blank));
}

TEST_CASE("part numbers, MIME headers and parts inside message/rfc822") {
    const auto m = test::load("rfc822_nested.eml");
    CHECK(fetch(m, sec({1})) == "Forwarded below.");
    CHECK(fetch(m, sec({1}, Kind::Mime)) == "Content-Type: text/plain\r\n\r\n");
    const std::string inner = between(m.bytes, "From: Grace", "\r\n--fwd--");
    CHECK(fetch(m, sec({2})) == inner);
    CHECK(fetch(m, sec({2}, Kind::Mime)) ==
          "Content-Type: message/rfc822\r\nContent-Description: Lunch\r\n\r\n");
    const std::size_t inner_blank = inner.find("\r\n\r\n") + 4;
    CHECK(fetch(m, sec({2}, Kind::Header)) == inner.substr(0, inner_blank));
    CHECK(fetch(m, sec({2}, Kind::Text)) == inner.substr(inner_blank));
    CHECK(fetch(m, sec({2, 1})) == "Noon?");
    CHECK(fetch(m, sec({2, 2})) == "<b>Noon?</b>");
    CHECK(fetch(m, sec({2, 1}, Kind::Mime)) == "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
    CHECK(fetch(m, sec({2}, Kind::HeaderFields, {"SUBJECT", "from"})) ==
          "From: Grace <grace@example.net>\r\nSubject: Lunch\r\n\r\n");  // stored order
}

TEST_CASE("sections that name nothing are empty") {
    const auto m = test::load("rfc822_nested.eml");
    CHECK(fetch(m, sec({3})).empty());              // beyond the structure
    CHECK(fetch(m, sec({0})).empty());
    CHECK(fetch(m, sec({2, 3})).empty());
    CHECK(fetch(m, sec({1, 1})).empty());           // a text part has no sub-parts
    CHECK(fetch(m, sec({1}, Kind::Header)).empty());  // HEADER only on message/rfc822
    CHECK(fetch(m, sec({1}, Kind::Text)).empty());
    CHECK(fetch(m, sec({}, Kind::Mime)).empty());   // MIME needs a part number
    CHECK(locate_section(m.structure, sec({9, 9})).kind == SectionRange::Kind::Empty);
}

TEST_CASE("non-multipart message: part 1 is the body, its MIME header the message header") {
    const auto m = test::load("single_part.eml");
    const std::size_t blank = m.bytes.find("\r\n\r\n") + 4;
    CHECK(fetch(m, sec({1})) == m.bytes.substr(blank));
    CHECK(fetch(m, sec({1}, Kind::Mime)) == m.bytes.substr(0, blank));
    CHECK(fetch(m, sec({2})).empty());
    CHECK(fetch(m, sec({1, 1})).empty());
}

TEST_CASE("nested multipart part numbers") {
    const auto m = test::load("nested_alternative.eml");
    CHECK(fetch(m, sec({1, 1})) == "Caf=E9 au lait");
    CHECK(fetch(m, sec({1, 2})) == "<p>Caf&eacute;</p>");
    CHECK(fetch(m, sec({2})) == "iVBORw0KGgo=");
    CHECK(fetch(m, sec({1})) == between(m.bytes, "--inner\r\n", "\r\n\r\n--outer\r\nContent-Type: image") +
                                    "\r\n");
    CHECK(fetch(m, sec({2}, Kind::Mime)) ==
          "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
          "Content-Disposition: inline\r\n\r\n");
}

TEST_CASE("HEADER.FIELDS and HEADER.FIELDS.NOT") {
    const auto m = test::load("single_part.eml");
    CHECK(fetch(m, sec({}, Kind::HeaderFields, {"subject", "MESSAGE-ID", "X-Absent"})) ==
          "Subject: Quarterly report\r\nMessage-ID: <msg1@example.com>\r\n\r\n");
    CHECK(fetch(m, sec({}, Kind::HeaderFields, {"X-Absent"})) == "\r\n");  // blank line only
    CHECK(fetch(m, sec({}, Kind::HeaderFieldsNot,
                       {"Date", "From", "To", "Cc", "Message-ID", "In-Reply-To", "MIME-Version"})) ==
          "Subject: Quarterly report\r\nContent-Type: text/plain; charset=utf-8\r\n"
          "Content-Transfer-Encoding: 7bit\r\n\r\n");
    // A folded field comes whole, continuation line included.
    const auto bad = test::load("malformed.eml");
    CHECK(fetch(bad, sec({}, Kind::HeaderFields, {"Subject"})) ==
          "Subject: Malformed\r\n but folded\r\n\r\n");
    // Lines without a colon are not fields: HEADER.FIELDS.NOT does not return them.
    CHECK(fetch(bad, sec({}, Kind::HeaderFieldsNot, {"From", "To", "Subject", "Date"})) ==
          "Content-Type: multipart/mixed; boundary=unterminated\r\n\r\n");
}

TEST_CASE("HeaderFieldFilter gives filter_header's bytes, with and without the bare-LF shortcut") {
    const std::vector<std::string> thunderbird = {"From", "To", "Cc", "Subject", "Date", "Message-ID",
                                                  "Priority", "X-Priority", "References", "Newsgroups",
                                                  "In-Reply-To", "Content-Type", "Reply-To"};
    const std::string header =
        "Received: from a\r\n by b\r\nFROM: A <a@x>\r\nto : b@x\r\nX-Priority-Extra: 1\r\n"
        "subject: folded\r\n\tline\r\nno colon here\r\nX-Priority: 3\r\nReply: no\r\n\r\n";
    for (bool negate : {false, true}) {
        CAPTURE(negate);
        const HeaderFieldFilter filter(thunderbird, negate);
        std::string fast = "prefix";
        filter.append(fast, header, true);
        std::string safe = "prefix";
        filter.append(safe, header, false);
        CHECK(fast == "prefix" + filter_header(header, thunderbird, negate));
        CHECK(safe == fast);
    }
    const HeaderFieldFilter filter(thunderbird, false);
    std::string out;
    filter.append(out, header, true);
    // Names match case-insensitively and with WSP before the colon; a longer name that
    // starts like a wanted one (X-Priority-Extra) does not.
    CHECK(out == "FROM: A <a@x>\r\nto : b@x\r\nsubject: folded\r\n\tline\r\nX-Priority: 3\r\n\r\n");
    CHECK(filter.wanted("x-priority"));
    CHECK_FALSE(filter.wanted("X-Priority-Extra"));
    CHECK_FALSE(filter.wanted("Reply"));
    CHECK_FALSE(filter.wanted(""));
    // Bare LFs: the safe form adds the CRs, as filter_header does.
    const std::string bare = "Subject: s\nX-A: 1\nTo: t\n\n";
    std::string wire;
    filter.append(wire, bare, false);
    CHECK(wire == "Subject: s\r\nTo: t\r\n\r\n");
    CHECK(wire == filter_header(bare, thunderbird, false));
    // A name longer than 63 octets shares the last length bit and is still compared.
    const std::string long_name(70, 'n');
    const HeaderFieldFilter long_filter({long_name}, false);
    CHECK(long_filter.wanted(long_name));
    CHECK_FALSE(long_filter.wanted(std::string(71, 'n')));
}

namespace {

// filter_header as it was written on mime::HeaderScanner, before HeaderFieldFilter
// inlined the line rules: the reference the fast scan must agree with.
std::string scanner_filter(std::string_view header, const std::vector<std::string>& fields, bool negate) {
    std::string out;
    mr::mime::HeaderScanner scanner(header);
    while (auto field = scanner.next()) {
        bool wanted = false;
        for (const auto& f : fields) wanted = wanted || mr::mime::header_name_equals(field->name, f);
        if (wanted == negate) continue;
        std::size_t end = static_cast<std::size_t>(field->raw_value.data() - header.data()) + field->raw_value.size();
        if (end < header.size() && header[end] == '\r') ++end;
        const bool terminated = end < header.size() && header[end] == '\n';
        if (terminated) ++end;
        // A field that is not terminated ends the block: append_wire() closes it, as it
        // closes a message's open last line.
        append_wire(out, header, field->offset, end);
    }
    if (scanner.has_empty_line()) out += "\r\n";
    return out;
}

}  // namespace

TEST_CASE("HeaderFieldFilter splits lines exactly as HeaderScanner does (random headers)") {
    // Lines built from pieces that hit every rule: folding, orphan continuations, no
    // colon, WSP before the colon, names with bytes outside ftext, empty names, CR
    // without LF, bare LF, a last line without line end, an empty line mid-way.
    const char* const pieces[] = {"Subject: s", "subject :x", "To:", " folded", "\tfolded", "no colon",
                                  ": empty name", "Bad Name: v", "X-\x80: v", "From: a\rb", "Cc: c",
                                  "X-Priority: 1", "X-Priority-Long: 2", "", "\r", "Date:\td"};
    const char* const ends[] = {"\r\n", "\n", "\r\n", "\r\n"};
    const std::vector<std::string> fields = {"subject", "TO", "cc", "x-priority", "Date", "Bad"};
    std::uint32_t seed = 12345;
    auto next = [&seed](std::uint32_t n) {
        seed = seed * 1103515245u + 12345u;
        return (seed >> 16) % n;
    };
    for (int round = 0; round < 3000; ++round) {
        std::string header;
        const std::uint32_t lines = next(8);
        for (std::uint32_t i = 0; i < lines; ++i) {
            header += pieces[next(std::size(pieces))];
            if (i + 1 < lines || next(3) != 0) header += ends[next(std::size(ends))];
        }
        CAPTURE(header);
        for (bool negate : {false, true}) {
            const HeaderFieldFilter filter(fields, negate);
            std::string got;
            filter.append(got, header);
            CHECK(got == scanner_filter(header, fields, negate));
            std::string as_sent;
            append_wire(as_sent, header, 0, header.size());
            if (as_sent != header) continue;  // the block's header_extra is not 0
            std::string fast;
            filter.append(fast, header, true);
            CHECK(fast == got);
        }
    }
}

TEST_CASE("header-only message: no blank line in header fetches, empty TEXT") {
    const auto m = test::load("header_only.eml");  // its last line has no line end
    CHECK(fetch(m, sec({}, Kind::Header)) == m.bytes + "\r\n");
    CHECK(fetch(m, sec({})) == m.bytes + "\r\n");
    CHECK(wire_size(m.structure) == m.bytes.size() + 2);
    CHECK(fetch(m, sec({}, Kind::Text)).empty());
    CHECK(fetch(m, sec({}, Kind::HeaderFields, {"Subject"})) == "Subject: No body\r\n");
    const auto e = test::load("empty_body.eml");
    CHECK(fetch(e, sec({}, Kind::Header)) == e.bytes);
    CHECK(fetch(e, sec({}, Kind::Text)).empty());
    CHECK(fetch(e, sec({1})).empty());
}

TEST_CASE("<partial>: origin and length in octets, after subsetting") {
    const auto m = test::load("rfc822_nested.eml");
    CHECK(fetch(m, sec({}), Partial{0, 4}) == "From");
    CHECK(fetch(m, sec({1}), Partial{10, 100}) == "below.");  // truncated at the end
    CHECK(fetch(m, sec({1}), Partial{16, 5}).empty());        // exactly at the end
    CHECK(fetch(m, sec({1}), Partial{100, 5}).empty());       // beyond the end
    CHECK(fetch(m, sec({1}), Partial{0, 0}).empty());
    CHECK(fetch(m, sec({2}, Kind::HeaderFields, {"Subject"}), Partial{9, 5}) == "Lunch");
    CHECK(apply_partial(10, std::nullopt).length == 10);
    CHECK(apply_partial(10, Partial{4, 100}).skip == 4);
    CHECK(apply_partial(10, Partial{4, 100}).length == 6);
}

TEST_CASE("bare LF message: every section in wire form") {
    const auto m = test::load("bare_lf.eml");
    std::string wire;
    for (char c : m.bytes) {
        if (c == '\n') wire += '\r';
        wire += c;
    }
    CHECK(fetch(m, sec({})) == wire);
    CHECK(fetch(m, sec({})).size() == wire_size(m.structure));
    CHECK(fetch(m, sec({1})) == "line one\r\nline two");
    CHECK(fetch(m, sec({1}, Kind::Mime)) == "Content-Type: text/plain\r\n\r\n");
    CHECK(fetch(m, sec({}, Kind::Header)) == wire.substr(0, wire.find("\r\n\r\n") + 4));
    CHECK(fetch(m, sec({}, Kind::HeaderFields, {"subject"})) == "Subject: Bare LF\r\n\r\n");
    CHECK(fetch(m, sec({1}), Partial{8, 4}) == "\r\nli");  // offsets count the added CR
    CHECK(fetch(m, sec({1}), Partial{9, 3}) == "\nli");
    const SectionRange r = locate_section(m.structure, sec({1}));
    CHECK(r.kind == SectionRange::Kind::FileRange);
    CHECK(r.extra == 1);
    CHECK(r.wire_size() == 18);
}

TEST_CASE("locate_section gives file ranges a server can stream") {
    const auto m = test::load("mixed_attachment.eml");
    const SectionRange r = locate_section(m.structure, sec({2}));
    REQUIRE(r.kind == SectionRange::Kind::FileRange);
    CHECK(m.bytes.substr(r.begin, r.end - r.begin) == "JVBERi0xLjQKJeLjz9MK");
    CHECK(r.extra == 0);
    CHECK(locate_section(m.structure, sec({}, Kind::HeaderFields, {"To"})).kind ==
          SectionRange::Kind::HeaderSubset);
}

TEST_CASE("section names for the FETCH response") {
    auto name = [](Section s, std::optional<Partial> p = std::nullopt) {
        BodySection bs;
        bs.section = std::move(s);
        bs.partial = p;
        bs.peek = true;  // BODY.PEEK answers as BODY (rfc3501.txt:4095)
        std::string out;
        append_section_name(out, bs);
        return out;
    };
    CHECK(name(sec({})) == "BODY[]");
    CHECK(name(sec({}), Partial{0, 2048}) == "BODY[]<0>");  // rfc3501.txt:3148
    CHECK(name(sec({1, 2})) == "BODY[1.2]");
    CHECK(name(sec({}, Kind::Header)) == "BODY[HEADER]");
    CHECK(name(sec({3}, Kind::Text)) == "BODY[3.TEXT]");
    CHECK(name(sec({4, 1}, Kind::Mime)) == "BODY[4.1.MIME]");
    CHECK(name(sec({}, Kind::HeaderFields, {"From", "x-priority"})) ==
          "BODY[HEADER.FIELDS (FROM X-PRIORITY)]");
    CHECK(name(sec({2}, Kind::HeaderFieldsNot, {"Subject"}), Partial{10, 5}) ==
          "BODY[2.HEADER.FIELDS.NOT (SUBJECT)]<10>");
}

TEST_CASE("top-level message/rfc822: part 1 is the encapsulated message") {
    test::StoredMessage m;
    m.bytes =
        "Subject: outer\r\nContent-Type: message/rfc822\r\n\r\n"
        "Subject: inner\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
        "--x\r\n\r\nfirst\r\n--x\r\n\r\nsecond\r\n--x--\r\n";
    m.structure = mr::mime::parse_message(m.bytes);
    const std::string inner = m.bytes.substr(m.bytes.find("Subject: inner"));
    CHECK(fetch(m, sec({1})) == inner);
    CHECK(fetch(m, sec({1}, Kind::Header)) ==
          "Subject: inner\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n");
    CHECK(fetch(m, sec({1}, Kind::Mime)) == "Subject: outer\r\nContent-Type: message/rfc822\r\n\r\n");
    CHECK(fetch(m, sec({1, 1})) == "first");
    CHECK(fetch(m, sec({1, 2})) == "second");
    CHECK(fetch(m, sec({1, 2}, Kind::Mime)) == "\r\n");  // an empty MIME header: just the blank line
    CHECK(fetch(m, sec({1, 3})).empty());
    CHECK(fetch(m, sec({2})).empty());
    CHECK(fetch(m, sec({}, Kind::HeaderFields, {"subject"})) == "Subject: outer\r\n\r\n");
}

TEST_CASE("RFC822, RFC822.HEADER, RFC822.TEXT") {
    const auto m = test::load("mixed_attachment.eml");
    const std::size_t blank = m.bytes.find("\r\n\r\n") + 4;
    CHECK(fetch(m, rfc822_section()) == m.bytes);
    CHECK(fetch(m, rfc822_section(Kind::Header)) == m.bytes.substr(0, blank));
    CHECK(fetch(m, rfc822_section(Kind::Text)) == m.bytes.substr(blank));
    CHECK(wire_size(m.structure) == m.bytes.size());
}

TEST_CASE("streaming a FileRange with WireStreamer gives fetch_section's bytes") {
    const auto m = test::load("bare_lf.eml");
    for (const auto& s : {sec({}), sec({1}), sec({}, Kind::Header), sec({}, Kind::Text), sec({1}, Kind::Mime)}) {
        const SectionRange r = locate_section(m.structure, s);
        REQUIRE(r.kind == SectionRange::Kind::FileRange);
        for (std::uint32_t off : {0u, 1u, 7u, 30u}) {
            const Slice slice = apply_partial(r.wire_size(), Partial{off, 11});
            WireStreamer streamer(slice.skip, slice.length);
            std::string out;
            // 5-byte reads, as a server would read the file in chunks.
            for (std::uint64_t p = r.begin; p < r.end && !streamer.done(); p += 5)
                streamer.feed(std::string_view(m.bytes).substr(p, std::min<std::uint64_t>(5, r.end - p)), out);
            if (r.end == m.bytes.size()) streamer.finish(out);
            CHECK(out == fetch(m, s, Partial{off, 11}));
        }
    }
}

TEST_CASE("multipart without its boundary: BODY[1] and its MIME header are empty, TEXT is all") {
    const auto m = test::load("bad_boundary.eml");
    const std::size_t blank = m.bytes.find("\r\n\r\n") + 4;
    CHECK(fetch(m, sec({1})).empty());
    CHECK(fetch(m, sec({1}, Kind::Mime)).empty());
    CHECK(fetch(m, sec({}, Kind::Text)) == m.bytes.substr(blank));
}

namespace {

// A message as APPEND or a foreign Maildir file may store it: bare CR, bare LF, "\r\r\n",
// and a last line without a line end; one multipart, so parts end inside the message.
test::StoredMessage odd_line_ends(std::string_view tail) {
    test::StoredMessage m;
    m.bytes = "Subject: odd\rends\r\nX-Cr: a\rContent-Type: multipart/mixed; boundary=b\n\n"
              "--b\r\nContent-Type: text/plain\r\n\r\none\rtwo\nthree\r\r\n--b\rX: y\r\rlast part";
    m.bytes += tail;
    m.structure = mr::mime::parse_message(m.bytes);
    return m;
}

// The CRLF form of `s` (what POP3 RETR sends before stuffing).
std::string crlf_form(std::string_view s) {
    mr::text::CrlfNormalizer n;
    std::string out;
    n.feed(s, out);
    n.finish(out);
    return out;
}

bool no_bare_line_end(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return false;
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
    }
    return true;
}

}  // namespace

TEST_CASE("bare CR, bare LF, open last line: every section is sent in CRLF form") {
    // The multipart lacks its close-delimiter, so its last part runs to the message's end.
    REQUIRE(odd_line_ends("").structure.root.children.size() == 2);
    for (std::string_view tail : {"", "\r", "\n", "\r\n", " end\r\r"}) {
        CAPTURE(tail);
        const auto m = odd_line_ends(tail);
        const std::string all = fetch(m, sec({}));
        CHECK(all == crlf_form(m.bytes));
        CHECK(all.size() == wire_size(m.structure));             // RFC822.SIZE == len(BODY[])
        CHECK(all.size() == mr::text::rfc822_size(m.bytes));     // == POP3 LIST
        CHECK(no_bare_line_end(all));
        const std::string header = fetch(m, sec({}, Kind::Header));
        const std::string text = fetch(m, sec({}, Kind::Text));
        CHECK(header == "Subject: odd\r\nends\r\nX-Cr: a\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n");
        CHECK(header + text == all);
        CHECK(header.size() == wire_header_size(m.structure.root));
        CHECK(text.size() == wire_body_size(m.structure.root));
        // A part that ends before its delimiter gets no line end added; the last one is
        // closed with the message.
        CHECK(fetch(m, sec({1})) == "one\r\ntwo\r\nthree\r\n");
        CHECK(fetch(m, sec({1})).size() == wire_body_size(m.structure.root.children[0]));
        const std::string last = fetch(m, sec({2}));
        CHECK(last == crlf_form(std::string("last part") + std::string(tail)));
        CHECK(last.size() == wire_body_size(m.structure.root.children[1]));
        CHECK(fetch(m, sec({}, Kind::HeaderFields, {"x-cr"})) == "X-Cr: a\r\n\r\n");
        // A boundary line and a part's header may end in bare CRs too.
        CHECK(fetch(m, sec({2}, Kind::Mime)) == "X: y\r\n\r\n");
        // <partial> counts octets as sent.
        for (std::uint32_t off = 0; off <= all.size(); off += 3)
            CHECK(fetch(m, sec({}), Partial{off, 7}) == all.substr(off, 7));
        // Streamed from the file in chunks, as FetchJob does, the bytes are the same.
        for (const auto& s : {sec({}), sec({1}), sec({2}), sec({}, Kind::Header), sec({}, Kind::Text)}) {
            const SectionRange r = locate_section(m.structure, s);
            REQUIRE(r.kind == SectionRange::Kind::FileRange);
            CHECK((r.extra == 0) == (fetch(m, s) == m.bytes.substr(r.begin, r.end - r.begin)));
            for (std::uint32_t off : {0u, 1u, 5u, 13u}) {
                const Slice slice = apply_partial(r.wire_size(), Partial{off, 9});
                WireStreamer streamer(slice.skip, slice.length);
                std::string out;
                for (std::uint64_t p = r.begin; p < r.end && !streamer.done(); p += 4)
                    streamer.feed(std::string_view(m.bytes).substr(p, std::min<std::uint64_t>(4, r.end - p)), out);
                if (r.end == m.bytes.size()) streamer.finish(out);
                CHECK(out == fetch(m, s, Partial{off, 9}));
            }
        }
    }
}

TEST_CASE("a message without line ends at all is one closed line") {
    test::StoredMessage m;
    m.bytes = "Subject: no line end";
    m.structure = mr::mime::parse_message(m.bytes);
    CHECK(fetch(m, sec({})) == "Subject: no line end\r\n");
    CHECK(fetch(m, sec({}, Kind::Header)) == "Subject: no line end\r\n");
    CHECK(fetch(m, sec({}, Kind::Text)).empty());
    CHECK(wire_size(m.structure) == 22);
    CHECK(fetch(m, sec({}, Kind::HeaderFields, {"subject"})) == "Subject: no line end\r\n");
}
