#include "common/text/line_buffer.hpp"

#include <doctest/doctest.h>

#include <charconv>
#include <string>
#include <vector>

using namespace mr::text;

namespace {

// Runs `chunks` through a LineBuffer and renders the events as strings:
//   "L:<text>" + "+LF" if bare_lf + "+CR" if bare_cr,  "TOOLONG",
//   "REFUSED" + "+LF" / "+CR" for a RefusedLine,
//   "RAW:<bytes>" (all chunks of one raw block joined, emitted on `last`);
//   under LongLineEnd::Report "TOOLONG[<head>]" and "END[<tail>]";
//   under LongLineEnd::Pass "TOOLONG[<head>]" and "PASS[<all LinePart bytes>]" + "+LF" if
//   the line ended with a bare LF.
// Like an IMAP server, a line ending in "{N}" switches to raw mode for N bytes; a line
// ending in "<N>" limits the next line to N octets (both: "{N}<M>").
std::vector<std::string> run(const std::vector<std::string_view>& chunks, std::size_t max_line,
                             BareLf bare_lf = BareLf::Tolerate, BareCr bare_cr = BareCr::Tolerate,
                             LongLineEnd long_end = LongLineEnd::Drop) {
    LineBuffer lb(LinePolicy{max_line, bare_lf, bare_cr, long_end});
    const std::size_t bound = max_line + 1 + (long_end == LongLineEnd::Report ? kLongLineTail + 1 : 0);
    std::vector<std::string> events;
    std::string raw;
    std::string passed;  // LinePart bytes of the current over-long line
    for (auto chunk : chunks) {
        std::string_view in = chunk;
        while (true) {
            const std::size_t before = in.size();
            auto ev = lb.next(in);
            if (std::holds_alternative<NeedMore>(ev)) {
                CHECK(in.empty());
                break;
            }
            if (auto* line = std::get_if<Line>(&ev)) {
                std::string s = "L:" + std::string(line->text);
                if (line->bare_lf) s += "+LF";
                if (line->bare_cr) s += "+CR";
                events.push_back(s);
                auto t = line->text;
                if (t.size() >= 3 && t.back() == '>') {
                    const auto open = t.rfind('<');
                    std::size_t n = 0;
                    if (open != std::string_view::npos &&
                        std::from_chars(t.data() + open + 1, t.data() + t.size() - 1, n).ec == std::errc{}) {
                        CHECK(lb.limit_next_line(n).ok());
                        t = t.substr(0, open);
                    }
                }
                if (t.size() >= 3 && t.back() == '}') {
                    const auto open = t.rfind('{');
                    std::uint64_t n = 0;
                    if (open != std::string_view::npos &&
                        std::from_chars(t.data() + open + 1, t.data() + t.size() - 1, n).ec == std::errc{})
                        CHECK(lb.expect_raw(n).ok());
                }
            } else if (auto* refused = std::get_if<RefusedLine>(&ev)) {
                std::string e = "REFUSED";
                if (refused->bare_lf) e += "+LF";
                if (refused->bare_cr) e += "+CR";
                events.push_back(e);
            } else if (auto* too_long = std::get_if<LineTooLong>(&ev)) {
                CHECK(too_long->head.size() <= max_line + 1);
                events.push_back(long_end != LongLineEnd::Drop ? "TOOLONG[" + std::string(too_long->head) + "]"
                                                               : "TOOLONG");
            } else if (auto* end = std::get_if<LongLineEnded>(&ev)) {
                CHECK(long_end != LongLineEnd::Drop);
                CHECK(end->tail.size() <= kLongLineTail);
                if (long_end == LongLineEnd::Pass) {
                    CHECK(end->tail.empty());
                    events.push_back("PASS[" + passed + "]" + (end->bare_lf ? "+LF" : ""));
                    passed.clear();
                } else {
                    events.push_back("END[" + std::string(end->tail) + "]");
                }
            } else if (auto* part = std::get_if<LinePart>(&ev)) {
                CHECK(long_end == LongLineEnd::Pass);
                CHECK(!part->bytes.empty());
                passed += part->bytes;
            } else if (auto* r = std::get_if<RawChunk>(&ev)) {
                CHECK(!r->bytes.empty());
                raw += r->bytes;
                if (r->last) {
                    events.push_back("RAW:" + raw);
                    raw.clear();
                }
            }
            // Every other event makes progress; under Pass, a head already buffered or a CR
            // held back from the last input is handed out before the input is read on.
            CHECK((in.size() < before || std::holds_alternative<LinePart>(ev) ||
                   (long_end == LongLineEnd::Pass && std::holds_alternative<LineTooLong>(ev))));
            // The memory bound of the header, checked after every event.
            CHECK(lb.buffered() <= bound);
        }
        CHECK(lb.buffered() <= bound);
    }
    return events;
}

using Events = std::vector<std::string>;

}  // namespace

TEST_CASE("line framing table") {
    struct Row { std::string input; std::size_t max; Events expected; const char* why; };
    const Row rows[] = {
        {"HELO x\r\n", 10, {"L:HELO x"}, "plain CRLF line"},
        {"a\r\nb\r\n", 10, {"L:a", "L:b"}, "two lines in one chunk"},
        {"\r\n", 10, {"L:"}, "empty line"},
        {"abc", 10, {}, "no terminator: nothing yet"},
        {"abc\n", 10, {"L:abc+LF"}, "bare LF terminates but is flagged"},
        {"\n", 10, {"L:+LF"}, "empty line with bare LF"},
        {"a\rb\r\n", 10, {"L:a\rb+CR"}, "CR inside a line is content, flagged"},
        {"a\r\r\n", 10, {"L:a\r+CR"}, "CR CR LF: first CR is bare"},
        {"\r\r\n", 10, {"L:\r+CR"}, "line made of one bare CR"},
        {"a\rb\n", 10, {"L:a\rb+LF+CR"}, "both flags at once"},
        {"abcd\r\n", 4, {"L:abcd"}, "exactly max_line content is fine (CRLF not counted)"},
        {"abcde\r\nok\r\n", 4, {"TOOLONG", "L:ok"}, "one over max: too long, next line framed"},
        {"abcd\r\r\nok\r\n", 4, {"TOOLONG", "L:ok"}, "bare CR pushes content to max+1"},
        {"abcdefghij\nok\r\n", 4, {"TOOLONG", "L:ok"}, "overlong line ended by bare LF"},
        {"abcdefghijklmnopqrstuvwxyz\r\n\r\n", 4, {"TOOLONG", "L:"}, "long overrun, then empty line"},
        {"abcde", 4, {"TOOLONG"}, "too long reported before the terminator arrives"},
        {"a{3}\r\nxyzb\r\n", 10, {"L:a{3}", "RAW:xyz", "L:b"}, "literal then line"},
        {"a{2}\r\n\r\n\r\n", 10, {"L:a{2}", "RAW:\r\n", "L:"}, "literal bytes are not framed"},
        {"a{0}\r\nb\r\n", 10, {"L:a{0}", "L:b"}, "empty literal is a no-op"},
        {"a{5}\r\n\n\r.\r\nb\n", 10, {"L:a{5}", "RAW:\n\r.\r\n", "L:b+LF"}, "raw passes bare CR/LF"},
        {"x{3}\r\n1234567890123\r\n", 4, {"L:x{3}", "RAW:123", "TOOLONG"}, "literal exempt from max_line"},
        {"", 4, {}, "no input"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        CHECK(run({r.input}, r.max) == r.expected);
    }
}

TEST_CASE("events do not depend on chunking") {
    const std::vector<std::pair<std::string, std::size_t>> inputs = {
        {"EHLO a\r\nMAIL FROM:<x@y>\r\n\r\nbare\nmixed\rcr\r\n", 30},
        {"abcd\r\nabcde\r\nabc\r\r\nabcd\r\r\n\n", 4},
        {"tag APPEND box {10}\r\nhello\r\nyou\r\ntag2 NOOP\r\n", 40},
        {"x{4}\r\n\r\n\r\ntoolongline\r\nend\r\n", 5},
        {"a<2>\r\nab\r\na<2>\r\nabc\r\nabcdef\r\r\nx{2}<1>\r\nzzq\rb\r\n", 8},
        {"t " + std::string(40, 'x') + " {3+}\r\nabc\r\n" + std::string(50, 'y') + "\r\r\nok\n", 10},
    };
    for (LongLineEnd long_end : {LongLineEnd::Drop, LongLineEnd::Report, LongLineEnd::Pass}) {
        for (const auto& [input, max] : inputs) {
            INFO(input);
            const BareLf lf = BareLf::Tolerate;
            const BareCr cr = BareCr::Tolerate;
            const auto whole = run({input}, max, lf, cr, long_end);
            REQUIRE(!whole.empty());
            for (std::size_t i = 0; i <= input.size(); ++i) {
                const std::string_view s = input;
                CHECK(run({s.substr(0, i), s.substr(i)}, max, lf, cr, long_end) == whole);
            }
            for (std::size_t i = 0; i <= input.size(); ++i)
                for (std::size_t j = i; j <= input.size(); ++j) {
                    const std::string_view s = input;
                    CHECK(run({s.substr(0, i), s.substr(i, j - i), s.substr(j)}, max, lf, cr, long_end) == whole);
                }
            std::vector<std::string_view> bytes;
            for (std::size_t i = 0; i < input.size(); ++i) bytes.push_back(std::string_view(input).substr(i, 1));
            CHECK(run(bytes, max, lf, cr, long_end) == whole);
        }
    }
}

TEST_CASE("the expected events of the chunking inputs are right") {
    // Independently written expectations for two of the inputs above, so the
    // split test cannot pass by being consistently wrong.
    CHECK(run({"abcd\r\nabcde\r\nabc\r\r\nabcd\r\r\n\n"}, 4) ==
          Events{"L:abcd", "TOOLONG", "L:abc\r+CR", "TOOLONG", "L:+LF"});
    CHECK(run({"tag APPEND box {10}\r\nhello\r\nyou\r\ntag2 NOOP\r\n"}, 40) ==
          Events{"L:tag APPEND box {10}", "RAW:hello\r\nyou", "L:", "L:tag2 NOOP"});
}

TEST_CASE("a megabyte line never grows the buffer") {
    LineBuffer lb(LinePolicy{100, BareLf::Tolerate, BareCr::Tolerate});
    const std::string junk(4096, 'x');
    int toolong = 0;
    for (int i = 0; i < 256; ++i) {
        std::string_view in = junk;
        while (true) {
            auto ev = lb.next(in);
            if (std::holds_alternative<NeedMore>(ev)) break;
            toolong += std::holds_alternative<LineTooLong>(ev) ? 1 : 0;
        }
        CHECK(lb.buffered() <= 101);
    }
    CHECK(toolong == 1);  // reported once, not once per chunk
    CHECK(lb.discarding());
    std::string_view in = "\r\nNOOP\r\n";
    auto ev = lb.next(in);
    REQUIRE(std::holds_alternative<Line>(ev));
    CHECK(std::get<Line>(ev).text == "NOOP");
}

TEST_CASE("line text is copied, raw chunks point into the input") {
    LineBuffer lb(LinePolicy{50, BareLf::Tolerate, BareCr::Tolerate});
    std::string buf = "A{4}\r\nwxyzB\r\n";
    std::string_view in = buf;
    auto ev = lb.next(in);
    REQUIRE(std::holds_alternative<Line>(ev));
    CHECK(std::get<Line>(ev).text == "A{4}");
    REQUIRE(lb.expect_raw(4).ok());
    CHECK(lb.in_raw_mode());
    CHECK(lb.raw_remaining() == 4);
    ev = lb.next(in);
    REQUIRE(std::holds_alternative<RawChunk>(ev));
    CHECK(std::get<RawChunk>(ev).bytes.data() == buf.data() + 6);
    CHECK(std::get<RawChunk>(ev).last);
    CHECK_FALSE(lb.in_raw_mode());
    ev = lb.next(in);
    REQUIRE(std::holds_alternative<Line>(ev));
    CHECK(std::get<Line>(ev).text == "B");
    CHECK(in.empty());
}

TEST_CASE("expect_raw is refused in the middle of a line") {
    LineBuffer lb(LinePolicy{50, BareLf::Tolerate, BareCr::Tolerate});
    std::string_view in = "partial";
    CHECK(std::holds_alternative<NeedMore>(lb.next(in)));
    CHECK(lb.buffered() == 7);
    CHECK_FALSE(lb.expect_raw(3).ok());
    lb.reset();  // e.g. STARTTLS: plaintext leftovers are forgotten
    CHECK(lb.buffered() == 0);
    CHECK(lb.expect_raw(3).ok());
    CHECK_FALSE(lb.expect_raw(3).ok());  // already in raw mode
}

TEST_CASE("a line with a CR at max_line + 1 waits for the LF") {
    LineBuffer lb(LinePolicy{3, BareLf::Tolerate, BareCr::Tolerate});
    std::string_view in = "abc\r";
    CHECK(std::holds_alternative<NeedMore>(lb.next(in)));
    CHECK(lb.buffered() == 4);
    in = "\n";
    auto ev = lb.next(in);
    REQUIRE(std::holds_alternative<Line>(ev));
    CHECK(std::get<Line>(ev).text == "abc");
    CHECK_FALSE(std::get<Line>(ev).bare_cr);
    CHECK_FALSE(std::get<Line>(ev).bare_lf);
}

TEST_CASE("policy: bare LF and bare CR refused or tolerated") {
    struct Row { std::string input; BareLf lf; BareCr cr; Events expected; const char* why; };
    const Row rows[] = {
        {"a\nb\r\n", BareLf::Tolerate, BareCr::Tolerate, {"L:a+LF", "L:b"}, "bare LF tolerated"},
        {"a\nb\r\n", BareLf::Refuse, BareCr::Tolerate, {"REFUSED+LF", "L:b"}, "bare LF refused, next line framed"},
        {"\nb\r\n", BareLf::Refuse, BareCr::Tolerate, {"REFUSED+LF", "L:b"}, "empty bare-LF line refused"},
        {"a\rb\r\n", BareLf::Refuse, BareCr::Tolerate, {"L:a\rb+CR"}, "bare CR still tolerated"},
        {"a\rb\r\nc\r\n", BareLf::Tolerate, BareCr::Refuse, {"REFUSED+CR", "L:c"}, "bare CR refused"},
        {"a\r\r\n", BareLf::Tolerate, BareCr::Refuse, {"REFUSED+CR"}, "CR CR LF: the first CR is bare"},
        {"a\nb\r\n", BareLf::Tolerate, BareCr::Refuse, {"L:a+LF", "L:b"}, "bare LF still tolerated"},
        {"a\rb\n", BareLf::Refuse, BareCr::Refuse, {"REFUSED+LF+CR"}, "both at once"},
        {"a\r\n", BareLf::Refuse, BareCr::Refuse, {"L:a"}, "CRLF is never refused"},
        {"abcde\nok\r\n", BareLf::Refuse, BareCr::Refuse, {"TOOLONG", "L:ok"}, "too long wins over refused"},
        {"abcd\nok\r\n", BareLf::Refuse, BareCr::Refuse, {"REFUSED+LF", "L:ok"}, "bare-LF line at the limit"},
        {"a{2}\r\n\n\rb\r\n", BareLf::Refuse, BareCr::Refuse, {"L:a{2}", "RAW:\n\r", "L:b"},
         "raw bytes are not subject to the policy"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        CHECK(run({r.input}, 4, r.lf, r.cr) == r.expected);
    }
}

TEST_CASE("policy: the limit exactly, one over, and crossed across chunks") {
    for (BareLf lf : {BareLf::Tolerate, BareLf::Refuse}) {
        for (BareCr cr : {BareCr::Tolerate, BareCr::Refuse}) {
            // Exactly max_line content with CRLF, then one more octet.
            CHECK(run({"abcdef\r\n"}, 6, lf, cr) == Events{"L:abcdef"});
            CHECK(run({"abcdefg\r\nok\r\n"}, 6, lf, cr) == Events{"TOOLONG", "L:ok"});
            // The same, split at every point: the limit crossed in a later chunk.
            for (std::size_t i = 0; i <= 8; ++i) {
                const std::string_view at_limit = "abcdef\r\n";
                CHECK(run({at_limit.substr(0, i), at_limit.substr(i)}, 6, lf, cr) == Events{"L:abcdef"});
            }
            for (std::size_t i = 0; i <= 13; ++i) {
                const std::string_view over = "abcdefg\r\nok\r\n";
                CHECK(run({over.substr(0, i), over.substr(i)}, 6, lf, cr) == Events{"TOOLONG", "L:ok"});
            }
            // Many small chunks past the limit: one report, then framing resumes.
            CHECK(run({"abc", "def", "ghi", "jkl", "\r", "\nok\r\n"}, 6, lf, cr) == Events{"TOOLONG", "L:ok"});
        }
    }
}

TEST_CASE("byte-count mode across chunks, then lines again") {
    LineBuffer lb(LinePolicy{8, BareLf::Refuse, BareCr::Refuse});
    std::string_view in = "BDAT 12\r\n0123";
    auto ev = lb.next(in);
    REQUIRE(std::holds_alternative<Line>(ev));
    CHECK(std::get<Line>(ev).text == "BDAT 12");
    REQUIRE(lb.expect_raw(12).ok());
    ev = lb.next(in);
    REQUIRE(std::holds_alternative<RawChunk>(ev));
    CHECK(std::get<RawChunk>(ev).bytes == "0123");
    CHECK_FALSE(std::get<RawChunk>(ev).last);
    CHECK(lb.raw_remaining() == 8);
    CHECK(std::holds_alternative<NeedMore>(lb.next(in)));
    in = "\r\n\n5";  // CRLF and a bare LF inside a block are data
    ev = lb.next(in);
    REQUIRE(std::holds_alternative<RawChunk>(ev));
    CHECK(std::get<RawChunk>(ev).bytes == "\r\n\n5");
    CHECK_FALSE(std::get<RawChunk>(ev).last);
    in = "6789QUIT\r\n";
    ev = lb.next(in);
    REQUIRE(std::holds_alternative<RawChunk>(ev));
    CHECK(std::get<RawChunk>(ev).bytes == "6789");
    CHECK(std::get<RawChunk>(ev).last);
    ev = lb.next(in);
    REQUIRE(std::holds_alternative<Line>(ev));
    CHECK(std::get<Line>(ev).text == "QUIT");
    // A block far beyond max_line passes through whole.
    REQUIRE(lb.expect_raw(1000).ok());
    const std::string big(1000, 'x');
    in = big;
    ev = lb.next(in);
    REQUIRE(std::holds_alternative<RawChunk>(ev));
    CHECK(std::get<RawChunk>(ev).bytes.size() == 1000);
    CHECK(std::get<RawChunk>(ev).last);
}

TEST_CASE("an over-long line's first and last octets (LongLineEnd::Report)") {
    const auto report = [](std::string_view input, std::size_t max) {
        return run({input}, max, BareLf::Tolerate, BareCr::Tolerate, LongLineEnd::Report);
    };
    // The head is the first max_line + 1 octets; the tail the last ones, without the CRLF.
    CHECK(report("abcdefgh\r\nok\r\n", 4) == Events{"TOOLONG[abcde]", "END[abcdefgh]", "L:ok"});
    CHECK(report("abcdefgh\nok\r\n", 4) == Events{"TOOLONG[abcde]", "END[abcdefgh]", "L:ok"});
    // One over the limit, and a bare CR pushing the content over it: stays in both.
    CHECK(report("abcde\r\n", 4) == Events{"TOOLONG[abcde]", "END[abcde]"});
    CHECK(report("abcd\r\r\n", 4) == Events{"TOOLONG[abcd\r]", "END[abcd\r]"});
    // At most kLongLineTail octets of the end: enough for an IMAP literal marker.
    const std::string marker = "{18446744073709551615+}";
    const std::string line = "a1 LOGIN " + std::string(100, 'x') + " " + marker;
    const auto ev = report(line + "\r\nb\r\n", 20);
    REQUIRE(ev.size() == 3);
    CHECK(ev[0] == "TOOLONG[" + line.substr(0, 21) + "]");
    CHECK(ev[1] == "END[" + line.substr(line.size() - kLongLineTail) + "]");
    CHECK(ev[2] == "L:b");
    // Under Drop (every other protocol) the line ends silently, with the same head.
    CHECK(run({"abcdefgh\r\nok\r\n"}, 4) == Events{"TOOLONG", "L:ok"});
    LineBuffer lb(LinePolicy{4, BareLf::Tolerate, BareCr::Tolerate});
    std::string_view in = "abcdefgh";
    auto first = lb.next(in);
    REQUIRE(std::holds_alternative<LineTooLong>(first));
    CHECK(std::get<LineTooLong>(first).head == "abcde");
}

TEST_CASE("a megabyte line keeps only its tail (LongLineEnd::Report)") {
    LineBuffer lb(LinePolicy{100, BareLf::Tolerate, BareCr::Tolerate, LongLineEnd::Report});
    std::string junk(4096, 'x');
    int toolong = 0;
    for (int i = 0; i < 256; ++i) {
        if (i == 255) junk.replace(junk.size() - 5, 5, "{12+}");
        std::string_view in = junk;
        while (true) {
            auto ev = lb.next(in);
            if (std::holds_alternative<NeedMore>(ev)) break;
            toolong += std::holds_alternative<LineTooLong>(ev) ? 1 : 0;
        }
        CHECK(lb.buffered() <= 101 + kLongLineTail + 1);
    }
    CHECK(toolong == 1);
    std::string_view in = "\r\nNOOP\r\n";
    auto ev = lb.next(in);
    REQUIRE(std::holds_alternative<LongLineEnded>(ev));
    CHECK(std::get<LongLineEnded>(ev).tail == std::string(27, 'x') + "{12+}");
    ev = lb.next(in);
    REQUIRE(std::holds_alternative<Line>(ev));
    CHECK(std::get<Line>(ev).text == "NOOP");
}

TEST_CASE("limit_next_line: one line's limit, as IMAP counts a command across its literals") {
    // "<N>" at a line's end limits the next line (see run()).
    CHECK(run({"a<2>\r\nab\r\nabcde\r\n"}, 6) == Events{"L:a<2>", "L:ab", "L:abcde"});
    CHECK(run({"a<2>\r\nabc\r\nabcde\r\n"}, 6) == Events{"L:a<2>", "TOOLONG", "L:abcde"});
    CHECK(run({"a<2>\r\nabc\r\n"}, 6, BareLf::Tolerate, BareCr::Tolerate, LongLineEnd::Report) ==
          Events{"L:a<2>", "TOOLONG[abc]", "END[abc]"});
    // Set before a raw block: it is the limit of the line after the block.
    CHECK(run({"x{3}<1>\r\n\r\n\rz\r\nzz\r\n"}, 8) == Events{"L:x{3}<1>", "RAW:\r\n\r", "L:z", "L:zz"});
    CHECK(run({"x{3}<1>\r\n\r\n\rzz\r\nzz\r\n"}, 8) == Events{"L:x{3}<1>", "RAW:\r\n\r", "TOOLONG", "L:zz"});
    // Zero: only an empty line fits.
    CHECK(run({"<0>\r\n\r\n<0>\r\nq\r\n"}, 6) == Events{"L:<0>", "L:", "L:<0>", "TOOLONG"});
    // Never above the policy's maximum (the memory bound).
    CHECK(run({"<99>\r\nabcdefg\r\n"}, 6) == Events{"L:<99>", "TOOLONG"});
    // Refused in the middle of a line, like expect_raw().
    LineBuffer lb(LinePolicy{50, BareLf::Tolerate, BareCr::Tolerate, LongLineEnd::Report});
    std::string_view in = "partial";
    CHECK(std::holds_alternative<NeedMore>(lb.next(in)));
    CHECK_FALSE(lb.limit_next_line(3).ok());
    in = "\r\n";
    CHECK(std::holds_alternative<Line>(lb.next(in)));
    CHECK(lb.limit_next_line(3).ok());
    in = "abcd";
    CHECK(std::holds_alternative<LineTooLong>(lb.next(in)));
    CHECK_FALSE(lb.limit_next_line(3).ok());  // discarding: still inside that line
}

TEST_CASE("an over-long line passed through whole (LongLineEnd::Pass, SMTP DATA)") {
    const auto pass = [](std::vector<std::string_view> chunks, std::size_t max) {
        return run(chunks, max, BareLf::Tolerate, BareCr::Tolerate, LongLineEnd::Pass);
    };
    // The head, then every other octet of the line, then how it ended.
    CHECK(pass({"abcdefgh\r\nok\r\n"}, 4) == Events{"TOOLONG[abcde]", "PASS[fgh]", "L:ok"});
    CHECK(pass({"abcdefgh\nok\r\n"}, 4) == Events{"TOOLONG[abcde]", "PASS[fgh]+LF", "L:ok"});
    CHECK(pass({"abcde\r\n"}, 4) == Events{"TOOLONG[abcde]", "PASS[]"});
    CHECK(pass({"abcd\r\r\n"}, 4) == Events{"TOOLONG[abcd\r]", "PASS[]"});
    // Bare CRs are content, also right before a bare LF; the CRLF's CR is not.
    CHECK(pass({"abcdef\r\rx\r\r\n"}, 4) == Events{"TOOLONG[abcde]", "PASS[f\r\rx\r]"});
    CHECK(pass({"abcdef\rx\n"}, 4) == Events{"TOOLONG[abcde]", "PASS[f\rx]+LF"});
    // A CR at the end of an input waits for the next byte; so does a head ending in one.
    CHECK(pass({"abcdef\r", "\nz\r\n"}, 4) == Events{"TOOLONG[abcde]", "PASS[f]", "L:z"});
    CHECK(pass({"abcdef\r", "y\r\n"}, 4) == Events{"TOOLONG[abcde]", "PASS[f\ry]"});
    CHECK(pass({"abcd\r", "y\r\n"}, 4) == Events{"TOOLONG[abcd\r]", "PASS[y]"});
    // Only the head and a held CR are ever buffered, however long the line.
    LineBuffer lb(LinePolicy{8, BareLf::Tolerate, BareCr::Tolerate, LongLineEnd::Pass});
    const std::string junk(4096, 'x');
    std::size_t passed = 0;
    for (int i = 0; i < 16; ++i) {
        std::string_view in = junk;
        while (true) {
            auto ev = lb.next(in);
            if (std::holds_alternative<NeedMore>(ev)) break;
            if (auto* part = std::get_if<LinePart>(&ev)) passed += part->bytes.size();
            CHECK(lb.buffered() <= 9);
        }
    }
    CHECK(passed == 16 * junk.size() - 9);
    std::string_view in = "\n";
    auto ev = lb.next(in);
    REQUIRE(std::holds_alternative<LongLineEnded>(ev));
    CHECK(std::get<LongLineEnded>(ev).bare_lf);
}

TEST_CASE("LongLineEnded tells a bare LF from CRLF under Report too") {
    LineBuffer lb(LinePolicy{2, BareLf::Tolerate, BareCr::Tolerate, LongLineEnd::Report});
    std::string_view in = "abcd\nabcd\r\n";
    CHECK(std::holds_alternative<LineTooLong>(lb.next(in)));
    auto ev = lb.next(in);
    REQUIRE(std::holds_alternative<LongLineEnded>(ev));
    CHECK(std::get<LongLineEnded>(ev).bare_lf);
    CHECK(std::holds_alternative<LineTooLong>(lb.next(in)));
    ev = lb.next(in);
    REQUIRE(std::holds_alternative<LongLineEnded>(ev));
    CHECK_FALSE(std::get<LongLineEnded>(ev).bare_lf);
}
