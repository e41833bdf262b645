// The Sieve compiler (common/sieve/compiler): require, argument checking of every
// supported command and test, encoded characters, and errors with line and column.
#include "common/sieve/compiler.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

using namespace mr::sieve;

namespace {

Program ok(std::string_view text) {
    auto r = compile_script(text);
    if (!r) FAIL(r.error().message);
    return std::move(r).value();
}

std::string error(std::string_view text) {
    auto r = compile_script(text);
    REQUIRE_FALSE(r);
    return r.error().message;
}

}  // namespace

TEST_CASE("the RFC 5228 examples compile") {
    ok("if size :over 500K { discard; }");
    ok("require \"fileinto\";\nif header :contains \"from\" \"coyote\" {\n discard;\n} elsif header :contains "
       "[\"subject\"] [\"$$$\"] {\n discard;\n} else {\n fileinto \"INBOX\";\n}\n");
    ok("if header :contains [\"From\"] [\"coyote\"] { redirect \"acm@example.com\"; } elsif header :contains "
       "\"Subject\" \"$$$\" { redirect \"postmaster@example.com\"; } else { redirect \"field@example.com\"; }");
    ok("require [\"fileinto\", \"reject\"];");
    ok("require \"fileinto\";\nrequire \"vacation\";");
    ok("if size :under 1M { keep; } else { discard; }");
    ok("if not size :under 1M { discard; }");
    ok("if address :is :all \"from\" \"tim@example.com\" { discard; }");
    ok("require \"envelope\";\nif envelope :all :is \"from\" \"tim@example.com\" { discard; }");
    ok("if not exists [\"From\",\"Date\"] { discard; }");
    ok("if anyof (not exists [\"From\", \"Date\"], header :contains \"from\" \"fool@example.com\") { discard; }");
    ok("if header :contains :comparator \"i;octet\" \"Subject\" \"MAKE MONEY FAST\" { discard; }");
    ok("require \"encoded-character\";\nif header :contains \"Subject\" \"$${hex:24 24}\" { discard; }");
    // §9, the extended example.
    const auto p = ok(R"(#
    # Example Sieve Filter
    require ["fileinto"];
    if header :is "Sender" "owner-ietf-mta-filters@imc.org"
            {
            fileinto "filter";  # move to "filter" mailbox
            }
    elsif address :DOMAIN :is ["From", "To"] "example.com"
            {
            keep;               # keep in "In" mailbox
            }
    elsif anyof (NOT address :all :contains
                   ["To", "Cc", "Bcc"] "me@example.com",
                 header :matches "subject"
                   ["*make*money*fast*", "*university*dipl*mas*"])
            {
            fileinto "spam";   # move to "spam" mailbox
            }
    else
            {
            fileinto "personal";
            }
)");
    REQUIRE(p.commands.size() == 1);
    CHECK(p.commands[0].branches.size() == 4);
    CHECK(p.commands[0].branches[1].test->part == AddressPart::Domain);
    CHECK_FALSE(p.commands[0].branches[3].test);
}

TEST_CASE("extension examples compile (RFC 5229, 5230, 5232, 5231, 5233, 3894, 5490, 5173, 5429, 6131)") {
    ok("require [\"fileinto\", \"variables\"];\n"
       "if header :matches \"List-ID\" \"*<*@*\" { fileinto \"INBOX.lists.${2}\"; stop; }\n"
       "if header :matches \"Subject\" \"[*] *\" { fileinto \"INBOX.lists.${1}\"; stop; }\n"
       "if address :matches [\"To\", \"From\"] \"*@*.example.com\" { fileinto \"INBOX.users.${1}\"; stop; }\n");
    ok("require \"variables\";\nset \"honorific\" \"Mr\";\nset \"vacation\" text:\nDear ${HONORIFIC},\n.\n;\n"
       "set :upperfirst :lower \"b\" \"${a}\";\nset :length \"b\" \"${a}\";\nset :quotewildcard \"b\" \"Rock*\";\n"
       "if string :is \"${b}\" \"\" { keep; }");
    ok("require \"vacation\";\nif header :contains \"subject\" \"cyrus\" {\n"
       "    vacation \"I'm out -- send mail to cyrus-bugs\";\n} else {\n"
       "    vacation \"I'm out -- call me at +1 304 555 0123\";\n}");
    ok("require \"vacation\";\nvacation :days 23 :addresses [\"tjs@example.edu\", \"ts4z@landru.example.edu\"]\n"
       "\"I'm away until October 19.\nIf it's an emergency, call 911, I guess.\" ;");
    ok("require \"vacation\";\nvacation :handle \"ran-away\" :subject \"Away\" :from \"Me <me@example.com>\" :mime "
       "text:\nContent-Type: text/plain\n\nI'm at the beach.\n.\n;");
    ok("require \"vacation-seconds\";\nvacation :seconds 1800 \"back in half an hour\";");
    ok("require [\"fileinto\", \"imap4flags\", \"variables\"];\n"
       "if size :over 1M { addflag \"MyFlags\" \"Big\";\n"
       "  if header :is \"From\" \"boss@company.example.com\" { addflag \"MyFlags\" \"\\\\Flagged\"; }\n"
       "  fileinto :flags \"${MyFlags}\" \"Big messages\"; }\n"
       "setflag \"\\\\Seen\"; removeflag [\"\\\\Seen\"]; keep :flags \"\\\\Flagged\";\n"
       "if hasflag :contains \"MyVar\" \"Junk\" { discard; }\n"
       "if hasflag \"\\\\Seen\" { keep; }");
    ok("require \"comparator-i;unicode-casemap\";\n"
       "if header :matches :comparator \"i;unicode-casemap\" \"Subject\" \"*caf\xC3\xA9*\" { discard; }");
    ok("require [\"relational\", \"comparator-i;ascii-numeric\"];\n"
       "if header :value \"gt\" :comparator \"i;ascii-numeric\" \"X-Spam-Score\" \"5\" { discard; }\n"
       "if address :count \"ge\" :comparator \"i;ascii-numeric\" [\"to\", \"cc\"] \"3\" { discard; }");
    ok("require [\"subaddress\", \"envelope\", \"fileinto\"];\n"
       "if envelope :detail \"to\" \"mailinglist\" { fileinto \"lists\"; }\n"
       "if address :user \"to\" \"ken\" { keep; }");
    ok("require [\"copy\", \"fileinto\", \"mailbox\"];\nredirect :copy \"a@example.com\";\n"
       "fileinto :copy :create \"Archive/2026\";\nif mailboxexists \"Archive\" { keep; }");
    ok("require \"body\";\nif body :raw :contains \"MAKE MONEY FAST\" { discard; }\n"
       "if body :content \"text\" :contains \"x\" { discard; }\nif body :text :matches \"*x*\" { discard; }");
    ok("require [\"reject\", \"ereject\"];\nif size :over 1M { reject text:\nToo big.\n.\n; }\nereject \"no\";");
}

TEST_CASE("require: unknown extensions are named, and require comes first") {
    CHECK(error("require [\"fileinto\", \"regex\"];") == "line 1, column 9: unsupported extension \"regex\"");
    CHECK(error("require \"foreverypart\";") == "line 1, column 9: unsupported extension \"foreverypart\"");
    CHECK(error("keep;\nrequire \"fileinto\";") == "line 2, column 1: require must come before any other command");
    CHECK(error("if true { require \"fileinto\"; }") ==
          "line 1, column 11: require must come before any other command");
}

TEST_CASE("commands and tests of extensions not required are refused") {
    CHECK(error("fileinto \"x\";") == "line 1, column 1: fileinto needs require \"fileinto\"");
    CHECK(error("if envelope \"to\" \"x\" { keep; }") == "line 1, column 4: test envelope needs require \"envelope\"");
    CHECK(error("require \"fileinto\";\nfileinto :copy \"x\";") == "line 2, column 10: :copy needs require \"copy\"");
    CHECK(error("if header :value \"gt\" \"x\" \"1\" { keep; }") ==
          "line 1, column 11: :value needs require \"relational\"");
    CHECK(error("if header :comparator \"i;ascii-numeric\" \"x\" \"1\" { keep; }") ==
          "line 1, column 11: comparator \"i;ascii-numeric\" needs require \"comparator-i;ascii-numeric\"");
    CHECK(error("if header :comparator \"i;unicode-casemap\" \"x\" \"1\" { keep; }") ==
          "line 1, column 11: comparator \"i;unicode-casemap\" needs require \"comparator-i;unicode-casemap\"");
    CHECK(error("if address :detail \"to\" \"x\" { keep; }") == "line 1, column 12: :detail needs require \"subaddress\"");
    CHECK(error("set \"a\" \"b\";") == "line 1, column 1: set needs require \"variables\"");
    CHECK(error("require \"vacation\";\nvacation :seconds 5 \"x\";") ==
          "line 2, column 10: :seconds needs require \"vacation-seconds\"");
    CHECK(error("keep :flags \"x\";") == "line 1, column 6: :flags needs require \"imap4flags\"");
    CHECK(error("reject \"x\";") == "line 1, column 1: reject needs require \"reject\"");
}

TEST_CASE("argument checking") {
    CHECK(error("frobnicate;") == "line 1, column 1: unknown command \"frobnicate\"");
    CHECK(error("if frob { keep; }") == "line 1, column 4: unknown test \"frob\"");
    CHECK(error("keep \"x\";") == "line 1, column 6: keep: too many arguments");
    CHECK(error("if header :is \"x\" { keep; }") == "line 1, column 4: header: missing key list");
    CHECK(error("if header :is :contains \"a\" \"b\" { keep; }") == "line 1, column 15: header: more than one match type");
    CHECK(error("if header :over \"a\" \"b\" { keep; }") == "line 1, column 11: header: unknown tag ':over'");
    CHECK(error("if header :comparator \"i;unicode\" \"a\" \"b\" { keep; }") ==
          "line 1, column 11: header: unsupported comparator \"i;unicode\"");
    CHECK(error("if size 5 { keep; }") == "line 1, column 4: size: expected :over or :under");
    CHECK(error("if size :over \"5\" { keep; }") == "line 1, column 15: size: expected a number for limit");
    CHECK(error("if not (true) { keep; }") == "line 1, column 4: not: expected one test");
    CHECK(error("if anyof true { keep; }") == "line 1, column 4: anyof: expected a test list \"( ... )\"");
    CHECK(error("if true keep;") == "line 1, column 1: if: expected a block \"{ ... }\"");
    CHECK(error("else { keep; }") == "line 1, column 1: else without a preceding if");
    CHECK(error("if true { keep; } else { keep; } elsif true { keep; }") ==
          "line 1, column 34: elsif without a preceding if");
    CHECK(error("keep { stop; }") == "line 1, column 1: keep: takes no block");
    CHECK(error("stop true;") == "line 1, column 6: stop: takes no test");
    CHECK(error("redirect \"not an address\";") == "line 1, column 1: redirect: invalid address \"not an address\"");
    CHECK(error("redirect [\"a@b.example\"];") == "line 1, column 10: redirect: expected a string for address");
    CHECK(error("require \"fileinto\";\nfileinto \"\";") == "line 2, column 1: fileinto: empty mailbox name");
    CHECK(error("if address :is \"subject\" \"a@b\" { keep; }") ==
          "line 1, column 4: address: header \"subject\" holds no addresses");
    CHECK(error("require \"envelope\";\nif envelope \"x-y\" \"z\" { keep; }") ==
          "line 2, column 4: envelope: unsupported envelope part \"x-y\"");
    CHECK(error("require [\"comparator-i;ascii-numeric\"];\nif header :contains :comparator \"i;ascii-numeric\" "
                "\"a\" \"1\" { keep; }") ==
          "line 2, column 4: header: comparator \"i;ascii-numeric\" cannot be used with :contains or :matches");
    CHECK(error("require \"relational\";\nif header :value \"xx\" \"a\" \"1\" { keep; }") ==
          "line 2, column 11: header: unknown relational operator \"xx\"");
    CHECK(error("require \"variables\";\nset :lower :upper \"a\" \"b\";") ==
          "line 2, column 12: set: conflicting modifier ':upper'");
    CHECK(error("require \"variables\";\nset \"1a\" \"b\";") == "line 2, column 1: set: invalid variable name \"1a\"");
    CHECK(error("require \"vacation\";\nvacation :days 1 :days 2 \"x\";") ==
          "line 2, column 18: vacation: ':days' given twice");
    CHECK(error("require \"vacation\";\nvacation :from \"nobody\" \"x\";") ==
          "line 2, column 1: vacation: invalid :from address \"nobody\"");
    CHECK(error("require \"vacation\";\nvacation :days \"x\" \"y\";") == "line 2, column 10: vacation: ':days' needs a number");
}

TEST_CASE("encoded-character (RFC 5228 §2.4.2.4 examples)") {
    auto value = [](std::string_view literal) {
        auto p = ok("require [\"encoded-character\", \"reject\"];\nreject \"" + std::string(literal) + "\";");
        return p.commands.at(0).argument;
    };
    CHECK(value("$${hex:40}") == "$@");
    CHECK(value("${hex: 40 }") == "@");
    CHECK(value("${HEX: 40}") == "@");
    CHECK(value("${hex:40") == "${hex:40");
    CHECK(value("${hex:400}") == "${hex:400}");
    CHECK(value("${hex:4${hex:30}}") == "${hex:40}");
    CHECK(value("${unicode:40}") == "@");
    CHECK(value("${ unicode:40}") == "${ unicode:40}");
    CHECK(value("${UNICODE:40}") == "@");
    CHECK(value("${UnICoDE:0000040}") == "@");
    CHECK(value("${Unicode:40}") == "@");
    CHECK(value("${unicode:263A 20}") == "\xE2\x98\xBA ");
    CHECK(value("$${hex:24 24}") == "$$$");
    CHECK(error("require [\"encoded-character\", \"reject\"];\nreject \"${unicode:D800}\";") ==
          "line 2, column 8: encoded character out of the Unicode range");
    // Without the extension the text stays as written.
    auto p = ok("require \"reject\";\nreject \"${hex:40}\";");
    CHECK(p.commands.at(0).argument == "${hex:40}");
}

TEST_CASE("the capability list") {
    const auto caps = supported_extensions();
    CHECK(std::find(caps.begin(), caps.end(), "vacation") != caps.end());
    CHECK(std::find(caps.begin(), caps.end(), "regex") == caps.end());
}
