#include "common/text/esmtp_params.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace mr::text;

namespace {

// "KEY=value;KEY2;" for a parsed list, or "ERROR".
std::string show(const mr::Result<std::vector<EsmtpParam>>& r) {
    if (!r.ok()) return "ERROR";
    std::string s;
    for (const auto& p : *r) {
        s += p.keyword;
        if (p.value) s += "=" + *p.value;
        s += ";";
    }
    return s;
}

}  // namespace

TEST_CASE("parse_mail_params table") {
    struct Row { std::string in; bool utf8; std::string expected; const char* why; };
    const Row rows[] = {
        {"SIZE=100 BODY=8BITMIME", false, "SIZE=100;BODY=8BITMIME;", "the usual pair"},
        {"", false, "", "no parameters"},
        {" size=100", false, "SIZE=100;", "keyword uppercased, leading space tolerated"},
        {"SIZE=100  SMTPUTF8 ", false, "SIZE=100;SMTPUTF8;", "runs of spaces tolerated"},
        {"SMTPUTF8", false, "SMTPUTF8;", "keyword without value"},
        {"RET=hdrs", false, "RET=hdrs;", "value case kept"},
        {"ENVID=a+2Bb", false, "ENVID=a+2Bb;", "xtext passed through undecoded"},
        {"AUTH=<>", false, "AUTH=<>;", "'<' and '>' are allowed value bytes"},
        {"X-FOO-1=1", false, "X-FOO-1=1;", "hyphens and digits in keyword"},
        {"9X=1", false, "9X=1;", "keyword may start with a digit"},
        {"-X=1", false, "ERROR", "keyword may not start with '-'"},
        {"X_Y=1", false, "ERROR", "underscore not in esmtp-keyword"},
        {"SIZE=", false, "ERROR", "empty value (1* in the grammar)"},
        {"=100", false, "ERROR", "missing keyword"},
        {"SIZE=1=2", false, "ERROR", "'=' not allowed in a value"},
        {"SIZE=1\t", false, "ERROR", "tab is a control character"},
        {"SIZE=1\x7f", false, "ERROR", "DEL"},
        {"SIZE=1 size=2", false, "ERROR", "duplicate keyword, any case"},
        {"X=\xC3\xA9", false, "ERROR", "UTF-8 value without SMTPUTF8"},
        {"X=\xC3\xA9", true, "X=\xC3\xA9;", "UTF-8 value with SMTPUTF8 (RFC 6531)"},
        {"X=\xE9", true, "ERROR", "invalid UTF-8 value"},
        {"S\xC3\xA9=1", true, "ERROR", "keyword is ASCII only"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        CHECK(show(parse_mail_params(r.in, r.utf8)) == r.expected);
    }
}

TEST_CASE("find_param") {
    auto r = parse_mail_params("SIZE=100 BODY=8BITMIME");
    REQUIRE(r.ok());
    const auto* size = find_param(*r, "size");
    REQUIRE(size != nullptr);
    CHECK(size->value == std::optional<std::string>("100"));
    CHECK(find_param(*r, "SMTPUTF8") == nullptr);
}
