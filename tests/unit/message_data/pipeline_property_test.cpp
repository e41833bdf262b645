// Property test of the message-data pipeline (common/text/message_data.hpp): random byte
// strings go through receive (DATA un-stuffing of a dot-stuffed transmission) → stored
// form → IMAP FETCH bytes / POP3 RETR stuffing → SMTP relay stuffing, and the header's
// invariant is checked at every step. Seeded, so a failure reproduces; chunk splits are
// random too, since every stage is incremental.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/mime/message_parser.hpp"
#include "common/text/message_data.hpp"
#include "imapd/render/body_structure.hpp"
#include "imapd/render/envelope.hpp"
#include "imapd/render/section.hpp"
#include "imapd/render/wire_form.hpp"

using namespace mr::text;

namespace {

using Rng = std::mt19937;

// Bytes rich in what the rules care about: CR, LF, CRLF, dots at line starts, NUL, 8-bit,
// header-like lines, multipart delimiters and the occasional line far over 998 octets.
std::string random_message(Rng& rng) {
    static const std::string_view pieces[] = {
        "a", "Z", " ", ".", "..", "\r", "\n", "\r\n", "\r\n.", "\r\n.\r\n", "\n.\n", "\r\r\n",
        std::string_view("\0", 1), "\x80", "\xff", "\xc3\xa9", "Subject: x\r\n", "\r\n\r\n",
        "Content-Type: multipart/mixed; boundary=b\n", "--b", "\r--b\r", "\n--b--\n", " folded",
    };
    std::string m;
    const auto n = rng() % 60;
    for (std::uint32_t i = 0; i < n; ++i) {
        if (rng() % 200 == 0) {
            m.append(1000 + rng() % 2000, static_cast<char>('a' + rng() % 26));
        } else {
            m += pieces[rng() % std::size(pieces)];
        }
    }
    return m;
}

// Splits `s` into 1-4 chunks at random points.
std::vector<std::string_view> random_chunks(Rng& rng, std::string_view s) {
    std::vector<std::string_view> out;
    const auto cuts = rng() % 4;
    for (std::uint32_t i = 0; i < cuts && !s.empty(); ++i) {
        const auto at = rng() % (s.size() + 1);
        out.push_back(s.substr(0, at));
        s.remove_prefix(at);
    }
    out.push_back(s);
    return out;
}

std::string crlf_form(Rng& rng, std::string_view m) {
    CrlfNormalizer n;
    std::string out;
    for (auto c : random_chunks(rng, m)) n.feed(c, out);
    n.finish(out);
    CHECK(n.octets() == out.size());
    return out;
}

std::string dot_stuffed(Rng& rng, std::string_view m) {
    DotStuffer s;
    std::string out;
    for (auto c : random_chunks(rng, m)) s.feed(c, out);
    s.finish(out);
    return out;
}

struct Received {
    bool done = false;
    bool bare = false;
    std::string message;
    std::string rest;  // what followed the end of data
};

Received receive(Rng& rng, std::string_view transmission) {
    DotUnstuffer rx;
    Received r;
    for (auto c : random_chunks(rng, transmission)) {
        if (rx.feed(c, r.message) == DotUnstuffer::Status::Done) r.rest += c;
    }
    r.done = rx.done();
    r.bare = rx.bare_line_ending();
    CHECK(rx.size() == r.message.size());
    return r;
}

bool no_bare_line_end(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return false;
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
    }
    return true;
}

// The stuffing rule the slow way: on the CRLF form, a "." more before each line that
// starts with ".", then ".\r\n".
std::string reference_stuffed(std::string_view crlf) {
    std::string out;
    std::size_t pos = 0;
    while (pos < crlf.size()) {
        const auto end = crlf.find("\r\n", pos) + 2;  // the CRLF form ends every line
        if (crlf[pos] == '.') out += '.';
        out.append(crlf.substr(pos, end - pos));
        pos = end;
    }
    return out + ".\r\n";
}

// Checks what POP3 RETR and SMTP relay send for stored bytes `stored`.
void check_stuffed_transmission(Rng& rng, std::string_view stored, std::string_view crlf) {
    const std::string streamed = dot_stuffed(rng, stored);  // deliverd, pop3d streaming
    std::string whole = "+OK\r\n";                           // pop3d's in-memory path appends
    append_dot_stuffed(stored, whole);
    CHECK(whole.substr(5) == streamed);
    CHECK(streamed == reference_stuffed(crlf));
    CHECK(no_bare_line_end(streamed));
    CHECK((streamed == ".\r\n" || streamed.ends_with("\r\n.\r\n")));
    // The receiving end (our smtpd, or any RFC 5321 server) gets the CRLF form back.
    const Received back = receive(rng, streamed);
    CHECK(back.done);
    CHECK_FALSE(back.bare);
    CHECK(back.rest.empty());
    CHECK(back.message == crlf);
}

// Every part of a structure, depth first.
void collect_parts(const mr::mime::Part& p, std::vector<const mr::mime::Part*>& out) {
    out.push_back(&p);
    for (const auto& c : p.children) collect_parts(c, out);
}

// The IMAP form of stored[begin, end) streamed in random chunks, as FetchJob reads a file.
std::string stream_range(Rng& rng, std::string_view stored, std::size_t begin, std::size_t end, std::uint64_t skip,
                         std::uint64_t limit) {
    std::string out;
    ImapFormStreamer streamer(skip, limit, begin > 0 ? stored[begin - 1] : '\n');
    for (auto c : random_chunks(rng, stored.substr(begin, end - begin))) streamer.feed(c, out);
    if (end == stored.size()) streamer.finish(out);
    return out;
}

// Checks what IMAP FETCH sends for stored bytes `stored`, against the sizes the index has
// (section 4 of the header): BODY[] is the CRLF form, so it has no bare CR or LF and
// RFC822.SIZE == len(BODY[]) == rfc822_size() (POP3 LIST); every part's header and body
// are sent with the sizes BODYSTRUCTURE gives, streamed or not, whole or in <partial>s.
void check_imap(Rng& rng, std::string_view stored) {
    using mr::imapd::Section;
    const mr::mime::MessageStructure structure = mr::mime::parse_message(stored);
    const std::string body = mr::imapd::fetch_section(stored, structure, Section{});
    CHECK(body == crlf_form(rng, stored));
    CHECK(no_bare_line_end(body));
    CHECK(mr::imapd::wire_size(structure) == body.size());  // RFC822.SIZE == len(BODY[])
    CHECK(body.size() == rfc822_size(stored));                // == POP3 LIST
    CHECK(stream_range(rng, stored, 0, stored.size(), 0, body.size()) == body);
    if (!body.empty()) {
        const std::uint64_t skip = rng() % body.size();
        const std::uint64_t limit = rng() % (body.size() + 1);
        CHECK(stream_range(rng, stored, 0, stored.size(), skip, limit) == body.substr(skip, limit));
        CHECK(mr::imapd::fetch_section(stored, structure, Section{}, mr::imapd::Partial{static_cast<std::uint32_t>(skip),
                                                                                     static_cast<std::uint32_t>(limit)}) ==
              body.substr(skip, limit));
    }
    // The structure describes the bytes sent: it is the structure of the CRLF form (the
    // parser splits lines at CRLF, bare LF and bare CR alike).
    const mr::mime::MessageStructure of_sent = mr::mime::parse_message(body);
    std::string shape, shape_of_sent;
    mr::imapd::append_body_structure(shape, structure, true);
    mr::imapd::append_body_structure(shape_of_sent, of_sent, true);
    CHECK(shape == shape_of_sent);
    mr::imapd::append_envelope(shape, structure.envelope);
    mr::imapd::append_envelope(shape_of_sent, of_sent.envelope);
    CHECK(shape == shape_of_sent);
    std::vector<const mr::mime::Part*> parts;
    collect_parts(structure.root, parts);
    for (const mr::mime::Part* p : parts) {
        std::string header, text;
        append_imap_form(header, stored, p->header_start, p->body_start);
        append_imap_form(text, stored, p->body_start, p->end);
        CHECK(header.size() == mr::imapd::wire_header_size(*p));
        CHECK(text.size() == mr::imapd::wire_body_size(*p));  // body-fld-octets
        CHECK(stream_range(rng, stored, p->body_start, p->end, 0, text.size()) == text);
        CHECK((p->body_extra == 0) == (text == stored.substr(p->body_start, p->end - p->body_start)));
        // body-fld-lines: the lines of what is sent (a last line without CRLF counts).
        std::uint64_t lines = 0;
        for (std::size_t i = 0; i + 1 < text.size(); ++i) lines += text[i] == '\r' && text[i + 1] == '\n';
        if (!text.empty() && !text.ends_with("\r\n")) ++lines;
        CHECK(p->body_lines == lines);
    }
}

}  // namespace

TEST_CASE("message data: receive → store → IMAP / POP3 → relay keeps the invariant") {
    Rng rng(20240516);
    for (int round = 0; round < 3000; ++round) {
        const std::string m = random_message(rng);
        CAPTURE(round);
        CAPTURE(m);

        // The CRLF form and its size (section 2).
        const std::string crlf = crlf_form(rng, m);
        CHECK(no_bare_line_end(crlf));
        CHECK((crlf.empty() || crlf.ends_with("\r\n")));
        CHECK(rfc822_size(m) == crlf.size());
        Rfc822SizeCounter counter;
        for (auto c : random_chunks(rng, m)) counter.feed(c);
        CHECK(counter.finish() == crlf.size());
        CHECK(crlf_form(rng, crlf) == crlf);  // the CRLF form is a fixed point

        // A client sends m dot-stuffed (section 3): smtpd receives the CRLF form, and what
        // it stores is already canonical (its CRLF form is itself).
        const std::string sent = dot_stuffed(rng, m);
        const Received rx = receive(rng, sent);
        REQUIRE(rx.done);
        CHECK_FALSE(rx.bare);
        CHECK(rx.rest.empty());
        CHECK(rx.message == crlf);
        const std::string& stored = rx.message;

        // From the store to the clients and to the next hop.
        CHECK(rfc822_size(stored) == stored.size());
        check_stuffed_transmission(rng, stored, crlf);
        check_imap(rng, stored);

        // A client that does not stuff (m sent raw): whatever smtpd would accept (no bare
        // CR or LF reported) is already in CRLF form.
        const Received raw = receive(rng, m + "\r\n.\r\n");
        if (raw.done && !raw.bare) CHECK(crlf_form(rng, raw.message) == raw.message);

        // m as a file other tools wrote (APPEND, foreign Maildir): POP3 LIST == RETR size,
        // relay and RETR send its CRLF form, IMAP's sizes match its bytes.
        check_stuffed_transmission(rng, m, crlf);
        check_imap(rng, m);
    }
}

TEST_CASE("message data: TOP sends a prefix of the CRLF form") {
    Rng rng(1939);
    for (int round = 0; round < 1000; ++round) {
        const std::string m = random_message(rng);
        CAPTURE(m);
        const std::string crlf = crlf_form(rng, m);
        CrlfNormalizer top(rng() % 4);
        std::string out;
        for (auto c : random_chunks(rng, m)) top.feed(c, out);
        top.finish(out);
        CHECK(crlf.starts_with(out));
        CHECK((out.empty() || out.ends_with("\r\n")));
    }
}
