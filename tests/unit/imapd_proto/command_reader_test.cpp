#include "imapd/proto/command_reader.hpp"

#include <doctest/doctest.h>

#include <string>

#include "test_support.hpp"

using namespace mr::imapd;
using mr::imapd::test::read_all;

namespace {

// One event as short text, so tests compare whole event sequences.
std::string describe(const ReaderEvent& ev) {
    if (auto* c = std::get_if<SendContinuation>(&ev)) return "+" + std::to_string(c->literal_size);
    if (auto* r = std::get_if<CommandReady>(&ev)) {
        std::string s = "CMD[" + r->command.bytes + "]";
        for (const auto& l : r->command.literals)
            s += "{" + std::to_string(l.offset) + "," + std::to_string(l.size) + (l.synchronizing ? "" : "+") + "}";
        return s;
    }
    if (auto* l = std::get_if<RawLineReady>(&ev)) return "RAW[" + l->line + "]";
    if (auto* x = std::get_if<CommandRejected>(&ev)) {
        return std::string("REJ ") + (x->tag.empty() ? "*" : x->tag) + (x->bad ? " BAD" : " NO") +
               (x->code.empty() ? "" : " [" + x->code + "]") + (x->raw_line ? " raw" : "");
    }
    return "?";
}

std::string run(CommandReader& reader, std::string_view input) {
    std::string out;
    for (const auto& ev : read_all(reader, input)) {
        if (!out.empty()) out += " | ";
        out += describe(ev);
    }
    return out;
}

std::string run(std::string_view input, std::uint64_t max_literal = 100, std::size_t max_line = 64) {
    CommandReader reader(max_literal, max_line);
    return run(reader, input);
}

}  // namespace

TEST_CASE("reader: plain command lines") {
    CHECK(run("a1 NOOP\r\n") == "CMD[a1 NOOP]");
    CHECK(run("a1 NOOP\r\nb2 CAPABILITY\r\n") == "CMD[a1 NOOP] | CMD[b2 CAPABILITY]");
    // A bare LF ends a line too; a stray empty line between commands is skipped.
    CHECK(run("a1 NOOP\n\r\n\nb LOGOUT\r\n") == "CMD[a1 NOOP] | CMD[b LOGOUT]");
    // A CR that is not part of the line end stays for the parser to refuse.
    CHECK(run("a1 NO\rOP\r\n") == "CMD[a1 NO\rOP]");
    // An incomplete line waits.
    CHECK(run("a1 NOOP") == "");
}

TEST_CASE("reader: synchronising literals ask for a continuation") {
    CHECK(run("a LOGIN {5}\r\nalice {3}\r\npwd\r\n") ==
          "+5 | +3 | CMD[a LOGIN {5}alice {3}pwd]{11,5}{20,3}");
    // Octets of a literal are never framed: CRLF and markers inside are data.
    CHECK(run("a APPEND x {9}\r\nA\r\n{2}\r\nB\r\n") == "+9 | CMD[a APPEND x {9}A\r\n{2}\r\nB]{14,9}");
    // {0}: still a continuation, then the command goes on.
    CHECK(run("a LOGIN {0}\r\n \"\"\r\n") == "+0 | CMD[a LOGIN {0} \"\"]{11,0}");
}

TEST_CASE("reader: non-synchronising literals (LITERAL+) are read on") {
    // RFC 7888 §3 example.
    CHECK(run("A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n") ==
          "CMD[A001 LOGIN {11+}FRED FOOBAR {7+}fat man]{16,11+}{32,7+}");
}

TEST_CASE("reader: literal size boundaries") {
    const std::string ten(10, 'x');
    CHECK(run("a APPEND b {10}\r\n" + ten + "\r\n", 10) == "+10 | CMD[a APPEND b {10}" + ten + "]{15,10}");
    CHECK(run("a APPEND b {10+}\r\n" + ten + "\r\n", 10) == "CMD[a APPEND b {10+}" + ten + "]{16,10+}");
    // One over: a synchronising literal is refused before its octets are sent; the
    // client sends nothing more of it and the next command is read normally.
    CHECK(run("a APPEND b {11}\r\nc NOOP\r\n", 10) == "REJ a NO [TOOBIG] | CMD[c NOOP]");
    // A non-synchronising one arrives anyway: drained, then rejected.
    CHECK(run("a APPEND b {11+}\r\n" + std::string(11, 'y') + "\r\nc NOOP\r\n", 10) ==
          "REJ a BAD [TOOBIG] | CMD[c NOOP]");
    // A size with more digits than any integer holds.
    CHECK(run("a APPEND b {99999999999999999999999999}\r\nc NOOP\r\n", 10) == "REJ a NO [TOOBIG] | CMD[c NOOP]");
}

TEST_CASE("reader: a drained literal's octets are never read as commands") {
    // The discarded octets look like commands and contain CRLF and a marker.
    const std::string inside = "x NOOP\r\ny {3}\r\n";
    CHECK(run("a APPEND b {" + std::to_string(inside.size()) + "+}\r\n" + inside + "\r\nc NOOP\r\n", 10) ==
          "REJ a BAD [TOOBIG] | CMD[c NOOP]");
    // More literals after the big one belong to the same command and are drained too.
    CHECK(run("a APPEND b {20+}\r\n" + std::string(20, 'z') + " {3+}\r\nabc {2}\r\nc NOOP\r\n", 10) ==
          "REJ a BAD [TOOBIG] | CMD[c NOOP]");
}

TEST_CASE("reader: literal total per command is bounded") {
    // max_literal 10, max_line 64: at most 74 literal octets in one APPEND.
    std::string wire = "a APPEND";
    for (int i = 0; i < 8; ++i) wire += " {10+}\r\n" + std::string(10, 'q');
    wire += "\r\nb NOOP\r\n";
    CHECK(run(wire, 10, 64) == "REJ a BAD [TOOBIG] | CMD[b NOOP]");
}

TEST_CASE("reader: only APPEND may send message-sized literals") {
    // Other commands' literals are held to max_line (64 here) in all, whatever the
    // APPEND limit: LOGIN cannot make the server buffer megabytes before login.
    CHECK(run("a LOGIN {64}\r\n", 1000, 64) == "+64");
    CHECK(run("a LOGIN {65}\r\nb NOOP\r\n", 1000, 64) == "REJ a NO [TOOBIG] | CMD[b NOOP]");
    CHECK(run("a LOGIN {40+}\r\n" + std::string(40, 'u') + " {30+}\r\n" + std::string(30, 'p') +
              "\r\nb NOOP\r\n", 1000, 64) == "REJ a BAD [TOOBIG] | CMD[b NOOP]");
    CHECK(run("a append x {1000}\r\n", 1000, 64) == "+1000");
    CHECK(run("a UID APPEND x {1000}\r\n", 1000, 64) == "REJ a NO [TOOBIG]");
    // The session can lower the APPEND limit (before login) and raise it again.
    CommandReader reader(1000, 64);
    reader.set_max_literal(0);
    CHECK(run(reader, "a APPEND x {1}\r\n") == "REJ a NO [TOOBIG]");
    reader.set_max_literal(1000);
    CHECK(run(reader, "b APPEND x {1}\r\n") == "+1");
}

TEST_CASE("reader: line length boundaries") {
    const std::string at_limit = "a " + std::string(62, 'x');  // 64 octets
    CHECK(run(at_limit + "\r\n") == "CMD[" + at_limit + "]");
    CHECK(run(at_limit + "\n") == "CMD[" + at_limit + "]");
    CHECK(run(at_limit + "y\r\nb NOOP\r\n") == "REJ a BAD | CMD[b NOOP]");
    // Far over the limit, in pieces: drained to the end of the line, then rejected.
    CommandReader reader(100, 64);
    CHECK(run(reader, "t1 SEARCH " + std::string(1000, 'a')) == "");
    CHECK(reader.buffered() <= 64 + 64);
    CHECK(run(reader, std::string(100000, 'b')) == "");
    CHECK(reader.buffered() <= 64 + 64);
    CHECK(run(reader, "\r\nt2 NOOP\r\n") == "REJ t1 BAD | CMD[t2 NOOP]");
    // The limit is on the text of the whole command, literals excluded.
    CHECK(run("a LOGIN {3+}\r\nabc " + std::string(60, 'p') + "\r\n") == "REJ a BAD");
    CHECK(run("a LOGIN {50+}\r\n" + std::string(50, 'L') + " x\r\n") ==
          "CMD[a LOGIN {50+}" + std::string(50, 'L') + " x]{13,50+}");
    // No readable tag: the rejection is untagged.
    CHECK(run(std::string(100, '(') + "\r\n") == "REJ * BAD");
}

TEST_CASE("reader: the line after a literal gets what is left of the command's limit") {
    // "a1 LOGIN {3+}" is 13 octets of max_line 64: 51 are left after the literal.
    const std::string first = "a1 LOGIN {3+}\r\nabc";
    const std::string fits = " " + std::string(50, 'p');
    CHECK(run(first + fits + "\r\n") == "CMD[a1 LOGIN {3+}abc" + fits + "]{13,3+}");
    // One more: rejected with the first line's tag; a non-synchronising literal
    // announced at the end of the over-long line is drained with it.
    CHECK(run(first + fits + "p {4+}\r\nwxyz\r\nb NOOP\r\n") == "REJ a1 BAD | CMD[b NOOP]");
    CHECK(run(first + fits + "p {4}\r\nb NOOP\r\n") == "REJ a1 BAD | CMD[b NOOP]");
    // The tag of an over-long first line is read from its first octets, however long.
    const std::string tag(60, 't');
    CHECK(run(tag + " " + std::string(100, 'n') + "\r\n") == "REJ " + tag + " BAD");
}

TEST_CASE("reader: an overlong line that ends in a literal marker") {
    const std::string long_line = "a SEARCH " + std::string(200, 's');
    // Non-synchronising: its octets follow and are drained with the command.
    CHECK(run(long_line + " {6+}\r\nb NOOP\r\nc NOOP\r\n") == "REJ a BAD | CMD[c NOOP]");
    // Synchronising: the client waits for "+", so the command ends at the marker.
    CHECK(run(long_line + " {6}\r\nb NOOP\r\n") == "REJ a BAD | CMD[b NOOP]");
}

TEST_CASE("reader: raw lines for IDLE and AUTHENTICATE") {
    CommandReader reader(100, 64);
    std::string_view in = "a IDLE\r\nDONE\r\nb AUTHENTICATE PLAIN\r\nAGZyZWQAZmF0 {5}\r\nc NOOP\r\n";
    CHECK(describe(reader.next(in)) == "CMD[a IDLE]");
    reader.expect_raw_line();
    CHECK(describe(reader.next(in)) == "RAW[DONE]");
    CHECK(describe(reader.next(in)) == "CMD[b AUTHENTICATE PLAIN]");
    reader.expect_raw_line();
    // No literal processing in a raw line.
    CHECK(describe(reader.next(in)) == "RAW[AGZyZWQAZmF0 {5}]");
    CHECK(describe(reader.next(in)) == "CMD[c NOOP]");
    CHECK(std::holds_alternative<ReaderNeedMore>(reader.next(in)));

    // An empty raw line is a line (an empty SASL response).
    reader.expect_raw_line();
    CHECK(run(reader, "\r\n") == "RAW[]");
    // Overlong raw line: rejected, marked raw, untagged.
    reader.expect_raw_line();
    CHECK(run(reader, std::string(500, 'A') + "\r\nd NOOP\r\n") == "REJ * BAD raw | CMD[d NOOP]");
}

TEST_CASE("reader: reset forgets a partial command (STARTTLS)") {
    CommandReader reader(100, 64);
    CHECK(run(reader, "a LOGIN {5}\r\nal") == "+5");
    CHECK(!reader.idle());
    reader.reset();
    CHECK(reader.idle());
    CHECK(run(reader, "b NOOP\r\n") == "CMD[b NOOP]");
}

TEST_CASE("reader: events do not depend on how the input is chunked") {
    const std::string input =
        "a LOGIN {5}\r\nalice {3+}\r\npwd\r\n\r\nb APPEND x {20+}\r\n01234567890123456789\r\n"
        "c APPEND y (\\Seen) {200}\r\nd " + std::string(80, 'x') + " {4+}\r\nzzzz\r\ne NOOP\n"
        "f LIST \"\" *\r\n";
    const std::string whole = run(input, 10, 64);
    CHECK(whole ==
          "+5 | CMD[a LOGIN {5}alice {3+}pwd]{11,5}{21,3+} | REJ b BAD [TOOBIG] | REJ c NO [TOOBIG] | "
          "REJ d BAD | CMD[e NOOP] | CMD[f LIST \"\" *]");
    for (std::size_t split = 0; split <= input.size(); ++split) {
        CAPTURE(split);
        CommandReader reader(10, 64);
        std::string got = run(reader, std::string_view(input).substr(0, split));
        const std::string rest = run(reader, std::string_view(input).substr(split));
        if (!got.empty() && !rest.empty()) got += " | ";
        CHECK(got + rest == whole);
    }
    // One byte at a time.
    CommandReader reader(10, 64);
    std::string got;
    for (char c : input) {
        const std::string part = run(reader, std::string_view(&c, 1));
        if (!part.empty()) got += (got.empty() ? "" : " | ") + part;
    }
    CHECK(got == whole);
}

TEST_CASE("reader: command_tag") {
    CHECK(command_tag("a001 NOOP") == "a001");
    CHECK(command_tag("a]1 NOOP") == "a]1");
    CHECK(command_tag("NOOP") == "NOOP");
    CHECK(command_tag("a+1 NOOP").empty());
    CHECK(command_tag("a*1 NOOP").empty());
    CHECK(command_tag(" NOOP").empty());
    CHECK(command_tag("").empty());
    CHECK(command_tag("t\x80 NOOP").empty());
}
