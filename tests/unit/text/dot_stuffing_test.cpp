#include "common/text/message_data.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

using namespace mr::text;

namespace {

struct Outcome {
    bool done = false;
    std::string message;
    std::string rest;  // input left after the end marker
    bool bare_cr = false;
    bool bare_lf = false;
    std::uint64_t size = 0;
    bool exceeded = false;
    std::size_t longest = 0;
    bool operator==(const Outcome&) const = default;
};

doctest::String toString(const Outcome& o) {
    std::string s = "done=" + std::to_string(o.done) + " msg=[" + o.message + "] rest=[" + o.rest +
                    "] cr=" + std::to_string(o.bare_cr) + " lf=" + std::to_string(o.bare_lf) +
                    " size=" + std::to_string(o.size) + " longest=" + std::to_string(o.longest);
    return s.c_str();
}

Outcome receive(const std::vector<std::string_view>& chunks,
                std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
    DotUnstuffer rx(max);
    Outcome o;
    for (auto chunk : chunks) {
        std::string_view in = chunk;
        if (rx.feed(in, o.message) == DotUnstuffer::Status::Done) {
            o.done = true;
            o.rest += in;  // later chunks are "after" too
        } else {
            CHECK(in.empty());
        }
    }
    o.bare_cr = rx.bare_cr();
    o.bare_lf = rx.bare_lf();
    o.size = rx.size();
    o.exceeded = rx.size_exceeded();
    o.longest = rx.longest_line();
    return o;
}

Outcome receive(std::string_view whole) { return receive(std::vector<std::string_view>{whole}); }

std::string stuff(const std::vector<std::string_view>& chunks) {
    DotStuffer st;
    std::string out;
    for (auto c : chunks) st.feed(c, out);
    st.finish(out);
    return out;
}

}  // namespace

TEST_CASE("DATA end and unstuffing table") {
    struct Row { std::string in; bool done; std::string msg; std::string rest; const char* why; };
    const Row rows[] = {
        {"Subject: x\r\n\r\nbody\r\n.\r\n", true, "Subject: x\r\n\r\nbody\r\n", "", "ordinary message"},
        {".\r\n", true, "", "", "start of data counts as after CRLF: empty message"},
        {"a\r\n.\r\nQUIT\r\n", true, "a\r\n", "QUIT\r\n", "pipelined command left in input"},
        {"..\r\n.\r\n", true, ".\r\n", "", "stuffed dot line becomes a single dot"},
        {"..x\r\n...\r\n.\r\n", true, ".x\r\n..\r\n", "", "only one leading dot removed"},
        {"a.\r\n.\r\n", true, "a.\r\n", "", "dot not at line start is data"},
        {"a\r\n.x\r\n.\r\n", true, "a\r\nx\r\n", "", "leading dot removed from a text line"},
        {"a\r\n. \r\n.\r\n", true, "a\r\n \r\n", "", "'. ' is not the end marker"},
        {"a\r\n.", false, "a\r\n", "", "marker incomplete"},
        {"a\r\n.\r", false, "a\r\n", "", "marker missing its LF"},
        {"a\r\n", false, "a\r\n", "", "no marker"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        const auto o = receive(r.in);
        CHECK(o.done == r.done);
        CHECK(o.message == r.msg);
        CHECK(o.rest == r.rest);
        CHECK_FALSE(o.bare_cr);
        CHECK_FALSE(o.bare_lf);
    }
}

TEST_CASE("SMTP smuggling variants never end data and are flagged") {
    // Each input would end data for some lenient receiver; here none does
    // before the final, genuine "\r\n.\r\n", and each is flagged.
    struct Row { std::string trick; bool cr; bool lf; const char* why; };
    const Row rows[] = {
        {"a\n.\n", false, true, "LF.LF (RFC 5321 4.1.1.4 names it)"},
        {"a\r.\r", true, false, "CR.CR"},
        {"a\n.\r\n", false, true, "LF.CRLF"},
        {"a\r\n.\n", false, true, "CRLF.LF"},
        {"a\r.\r\n", true, false, "CR.CRLF"},
        {"a\r\n.\r", true, false, "CRLF.CR followed by data"},
        {"a\r\n.\r\r\n", true, false, "CRLF.CR CRLF"},
        {"a\n\r\n.\n\r\n", false, true, "LF CRLF . LF CRLF"},
        {"a\r\r\n", true, false, "CR CR LF"},
        {"\n.\r\n", false, true, "bare LF at start of data, then .CRLF"},
        {"\r.\r\n", true, false, "bare CR at start of data"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        const std::string input = r.trick + "X\r\nMAIL FROM:<evil@x>\r\n.\r\nNEXT";
        const auto o = receive(input);
        CHECK(o.done);
        CHECK(o.rest == "NEXT");  // the end found is the genuine one
        CHECK(o.bare_cr == r.cr);
        CHECK(o.bare_lf == r.lf);
        // Everything up to the genuine marker stays in the message, so the
        // "smuggled" command is data, not a command.
        CHECK(o.message.find("MAIL FROM:<evil@x>\r\n") != std::string::npos);
    }
}

TEST_CASE("smuggled bytes are kept, not rewritten") {
    const auto o = receive("a\n.\nb\r\n.\r\n");
    CHECK(o.message == "a\n.\nb\r\n");  // the dot after a bare LF is not a line-start dot
    const auto o2 = receive("a\r\n.\nb\r\n.\r\n");
    CHECK(o2.message == "a\r\n\nb\r\n");  // line-start dot removed, bare LF kept
}

TEST_CASE("size limit counts past the limit but stores no more") {
    const std::string input = "0123456789\r\n0123456789\r\n.\r\nAFTER";
    const auto full = receive(input);
    CHECK(full.size == 24);
    CHECK_FALSE(full.exceeded);

    const auto exact = receive({input}, 24);
    CHECK(exact.size == 24);
    CHECK_FALSE(exact.exceeded);  // the limit itself is allowed
    CHECK(exact.message == full.message);

    const auto cut = receive({input}, 15);
    CHECK(cut.done);  // end still found
    CHECK(cut.rest == "AFTER");
    CHECK(cut.size == 24);
    CHECK(cut.exceeded);
    CHECK(cut.message == "0123456789\r\n012");

    const auto zero = receive({input}, 0);
    CHECK(zero.message.empty());
    CHECK(zero.exceeded);
    CHECK(receive({".\r\n"}, 0).exceeded == false);  // empty message fits a 0 limit
}

TEST_CASE("longest line: CRLF excluded, stuffed dot excluded, bare bytes counted") {
    CHECK(receive("abc\r\nabcdef\r\nab\r\n.\r\n").longest == 6);
    CHECK(receive("..abcd\r\n.\r\n").longest == 5);   // ".abcd": 5 octets after unstuffing
    CHECK(receive("ab\rcd\r\n.\r\n").longest == 5);    // bare CR is an octet of the line
    CHECK(receive("ab\ncd\r\n.\r\n").longest == 5);    // so is a bare LF (it ends no line)
    CHECK(receive("x\r\n.\r\n").longest == 1);
    CHECK(receive(".\r\n").longest == 0);
    const std::string line998(998, 'x'), line999(999, 'x');
    CHECK(receive(line998 + "\r\n.\r\n").longest == 998);
    CHECK(receive(line999 + "\r\n.\r\n").longest == 999);
    // In-progress line is visible before its CRLF, for an early reject.
    DotUnstuffer rx;
    std::string out;
    std::string_view in = "abcdefgh";
    CHECK(rx.feed(in, out) == DotUnstuffer::Status::NeedMore);
    CHECK(rx.longest_line() == 8);
}

TEST_CASE("DATA receiver results do not depend on chunking") {
    const std::vector<std::string> inputs = {
        "From: a\r\n\r\n..dot\r\n.\r\n",
        "a\n.\nb\r\r\n.\r\r\n..\r\n.x\r\n.\r\nREST\r\n",
        ".\r\nX",
        "x\r\n.\r",
        "l1\r\n\r\n\r\n.\r.\n.\r\n",
    };
    for (const auto& input : inputs) {
        INFO(input);
        for (std::uint64_t limit : {std::numeric_limits<std::uint64_t>::max(), std::uint64_t{3}}) {
            const auto whole = receive({input}, limit);
            const std::string_view s = input;
            for (std::size_t i = 0; i <= s.size(); ++i)
                for (std::size_t j = i; j <= s.size(); ++j)
                    CHECK(receive({s.substr(0, i), s.substr(i, j - i), s.substr(j)}, limit) == whole);
            std::vector<std::string_view> bytes;
            for (std::size_t i = 0; i < s.size(); ++i) bytes.push_back(s.substr(i, 1));
            CHECK(receive(bytes, limit) == whole);
        }
    }
    // Expectations written out for the second input.
    const auto o = receive("a\n.\nb\r\r\n.\r\r\n..\r\n.x\r\n.\r\nREST\r\n");
    CHECK(o.message == "a\n.\nb\r\r\n\r\r\n.\r\nx\r\n");
    CHECK(o.rest == "REST\r\n");
    CHECK(o.bare_cr);
    CHECK(o.bare_lf);
}

TEST_CASE("after Done, feed consumes nothing; reset starts over") {
    DotUnstuffer rx(100);
    std::string out;
    std::string_view in = "a\r\n.\r\nb\r\n.\r\n";
    CHECK(rx.feed(in, out) == DotUnstuffer::Status::Done);
    CHECK(in == "b\r\n.\r\n");
    CHECK(rx.feed(in, out) == DotUnstuffer::Status::Done);
    CHECK(in == "b\r\n.\r\n");
    rx.reset();
    out.clear();
    CHECK_FALSE(rx.done());
    CHECK(rx.feed(in, out) == DotUnstuffer::Status::Done);
    CHECK(out == "b\r\n");
    CHECK(rx.size() == 3);
}

TEST_CASE("POP3 stuffer table") {
    struct Row { std::string in; std::string out; const char* why; };
    const Row rows[] = {
        {"", ".\r\n", "empty message is just the terminator"},
        {"a\r\n", "a\r\n.\r\n", "already CRLF-terminated"},
        {"a", "a\r\n.\r\n", "unterminated last line gets CRLF"},
        {".\r\n", "..\r\n.\r\n", "a lone dot line is stuffed"},
        {"a\r\n.b\r\n..c\r\n", "a\r\n..b\r\n...c\r\n.\r\n", "each leading dot doubled"},
        {"a.b\r\n", "a.b\r\n.\r\n", "inner dot untouched"},
        {"a\n.b\n", "a\r\n..b\r\n.\r\n", "bare LF becomes CRLF and starts a line"},
        {"a\r.b", "a\r\n..b\r\n.\r\n", "bare CR becomes CRLF and starts a line"},
        {"a\r", "a\r\n.\r\n", "trailing CR completed to CRLF"},
        {"\r\n\r\n", "\r\n\r\n.\r\n", "empty lines"},
        {"\n.", "\r\n..\r\n.\r\n", "bare LF then dot at the very end"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        CHECK(stuff({r.in}) == r.out);
        // Round trip through the receiver gives back the CRLF-normalised text.
        const auto back = receive(stuff({r.in}));
        CHECK(back.done);
        CHECK_FALSE(back.bare_cr);
        CHECK_FALSE(back.bare_lf);
    }
}

TEST_CASE("POP3 stuffer output does not depend on chunking") {
    const std::string input = ".a\r\n.\r\n\n.\r.\r\nx\r";
    const std::string whole = stuff({input});
    CHECK(whole == "..a\r\n..\r\n\r\n..\r\n..\r\nx\r\n.\r\n");
    const std::string_view s = input;
    for (std::size_t i = 0; i <= s.size(); ++i)
        for (std::size_t j = i; j <= s.size(); ++j)
            CHECK(stuff({s.substr(0, i), s.substr(i, j - i), s.substr(j)}) == whole);
    DotStuffer st;  // reusable after finish()
    std::string out;
    st.feed("x", out);
    st.finish(out);
    st.feed(".", out);
    st.finish(out);
    CHECK(out == "x\r\n.\r\n..\r\n.\r\n");
}
