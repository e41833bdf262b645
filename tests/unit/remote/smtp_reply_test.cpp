// SMTP reply reading (RFC 5321 §4.2) and EHLO capability parsing, line by line.
#include <doctest/doctest.h>

#include "deliverd/remote/smtp_reply.hpp"

using namespace mr::deliverd;

namespace {

// Feeds lines; returns the reply the last one completed (code 0 when none did).
SmtpReply read_all(SmtpReplyReader& r, std::initializer_list<std::string_view> lines) {
    SmtpReply last;
    for (auto l : lines) {
        auto res = r.feed(l);
        REQUIRE(res.ok());
        if (res->has_value()) last = **res;
    }
    return last;
}

}  // namespace

TEST_CASE("reply: single line, bare code, multi-line") {
    SmtpReplyReader r;
    auto one = read_all(r, {"250 2.0.0 Ok"});
    CHECK(one.code == 250);
    CHECK(one.text() == "250 2.0.0 Ok");
    CHECK(one.positive());

    auto bare = read_all(r, {"354"});
    CHECK(bare.code == 354);
    CHECK(bare.text() == "354");

    auto first = r.feed("550-5.1.1 first");
    REQUIRE(first.ok());
    CHECK_FALSE(first->has_value());
    CHECK(r.in_reply());
    auto multi = read_all(r, {"550 5.1.1 second"});
    CHECK(multi.code == 550);
    CHECK(multi.permanent());
    CHECK(multi.text() == "550 5.1.1 first / 5.1.1 second");
    CHECK_FALSE(r.in_reply());
}

TEST_CASE("reply: malformed lines are errors, and the reader recovers") {
    struct Row {
        const char* line;
        const char* why;
    } rows[] = {
        {"", "empty"},
        {"25", "too short"},
        {"abc hello", "not digits"},
        {"650 six hundred", "first digit out of range"},
        {"150 one hundred", "first digit out of range (1yz is not used by SMTP)"},
        {"250x", "separator must be space or hyphen"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.why);
        SmtpReplyReader r;
        CHECK_FALSE(r.feed(row.line).ok());
        auto ok = r.feed("250 fine");
        REQUIRE(ok.ok());
        CHECK(ok->has_value());
    }
    SmtpReplyReader r;
    REQUIRE(r.feed("250-one").ok());
    CHECK_FALSE(r.feed("251 two").ok());  // code changed inside one reply
}

TEST_CASE("reply: size bounds") {
    SmtpReplyReader r;
    bool failed = false;
    for (std::size_t i = 0; i < SmtpReplyReader::kMaxReplyLines + 2 && !failed; ++i) {
        failed = !r.feed("250-line").ok();
    }
    CHECK(failed);
}

TEST_CASE("ehlo: keywords and parameters") {
    SmtpReplyReader r;
    auto reply = read_all(r, {"250-mx.example.org Hello", "250-PIPELINING", "250-SIZE 10240000",
                              "250-8BITMIME", "250-smtputf8", "250-DSN", "250-STARTTLS",
                              "250 AUTH LOGIN plain"});
    auto caps = parse_ehlo(reply);
    CHECK(caps.esmtp);
    CHECK(caps.pipelining);
    CHECK(caps.size);
    CHECK(caps.max_size == 10240000);
    CHECK(caps.eightbitmime);
    CHECK(caps.smtputf8);
    CHECK(caps.dsn);
    CHECK(caps.starttls);
    CHECK(caps.auth_plain);
    CHECK(caps.auth_login);

    auto minimal = parse_ehlo(read_all(r, {"250-mx Hello", "250 SIZE"}));
    CHECK(minimal.size);
    CHECK(minimal.max_size == 0);  // SIZE without a number: no fixed limit
    CHECK_FALSE(minimal.pipelining);
    auto bad_size = parse_ehlo(read_all(r, {"250-mx", "250 SIZE lots"}));
    CHECK(bad_size.max_size == 0);
    // The greeting line is not a keyword, even when it looks like one.
    auto greet = parse_ehlo(read_all(r, {"250 PIPELINING"}));
    CHECK_FALSE(greet.pipelining);
}
