// The Sieve interpreter (common/sieve/interpreter): actions, the implicit keep and its
// cancellation (RFC 5228 §2.10), match types and captures, variables, flags, vacation,
// and the runtime limits. Messages A and B are RFC 5228 §1.2's (rfc5228.txt:252).
#include "common/sieve/interpreter.hpp"

#include <doctest/doctest.h>

#include <string>

#include "common/sieve/compiler.hpp"

using namespace mr::sieve;

namespace {

const std::string kMessageA =
    "Date: Tue, 1 Apr 1997 09:06:31 -0800 (PST)\r\n"
    "From: coyote@desert.example.org\r\n"
    "To: roadrunner@acme.example.com\r\n"
    "Subject: I have a present for you\r\n"
    "\r\n"
    "Look, I'm sorry about the whole anvil thing, and I really\r\n"
    "didn't mean to try and drop it on you from the top of the\r\n"
    "cliff.  I want to try to make it up to you.\r\n";

const std::string kMessageB =
    "From: youcouldberich!@reply-by-postal-mail.invalid\r\n"
    "Sender: b1ff@de.res.example.com\r\n"
    "To: rube@landru.example.com\r\n"
    "Date:  Mon, 31 Mar 1997 18:26:10 -0800\r\n"
    "Subject: $$$ YOU, TOO, CAN BE A MILLIONAIRE! $$$\r\n"
    "\r\n"
    "YOU MAY HAVE ALREADY WON TEN MILLION DOLLARS, BUT I DOUBT\r\n"
    "IT!  SO JUST POST THIS TO SIX HUNDRED NEWSGROUPS!\r\n";

Outcome run_on(std::string_view script, const std::string& message, const RunLimits& limits = {},
               std::string from = "coyote@desert.example.org", std::string to = "roadrunner@acme.example.com") {
    auto program = compile_script(script);
    if (!program) FAIL(program.error().message);
    MessageView view(message);
    view.envelope_from = std::move(from);
    view.envelope_to = std::move(to);
    return run(*program, view, limits);
}

// "keep", "fileinto:X", "redirect:a@b", "discard", "reject:why", "vacation" in order.
std::vector<std::string> summary(const Outcome& o) {
    std::vector<std::string> out;
    for (const auto& a : o.actions) {
        switch (a.kind) {
            case Action::Kind::Keep: out.push_back("keep"); break;
            case Action::Kind::FileInto: out.push_back("fileinto:" + a.mailbox); break;
            case Action::Kind::Redirect: out.push_back("redirect:" + a.address); break;
            case Action::Kind::Discard: out.push_back("discard"); break;
            case Action::Kind::Reject: out.push_back("reject:" + a.reason); break;
            case Action::Kind::EReject: out.push_back("ereject:" + a.reason); break;
            case Action::Kind::Vacation: out.push_back("vacation"); break;
        }
    }
    return out;
}

using Actions = std::vector<std::string>;

Actions actions(std::string_view script, const std::string& message) {
    const auto o = run_on(script, message);
    if (!o.ok) FAIL(o.error);
    return summary(o);
}

}  // namespace

TEST_CASE("implicit keep: no actions keeps; RFC 5228 §2.10.2 example") {
    CHECK(actions("if size :over 500K { discard; }", kMessageA) == Actions{"keep"});
    CHECK(actions("", kMessageA) == Actions{"keep"});
    CHECK(actions("stop; discard;", kMessageA) == Actions{"keep"});
}

TEST_CASE("RFC 5228 §3.1 examples: elsif chains") {
    const std::string drop = "require \"fileinto\";\nif header :contains \"from\" \"coyote\" {\n discard;\n"
                             "} elsif header :contains [\"subject\"] [\"$$$\"] {\n discard;\n} else {\n"
                             " fileinto \"INBOX\";\n}\n";
    CHECK(actions(drop, kMessageA) == Actions{"discard"});
    CHECK(actions(drop, kMessageB) == Actions{"discard"});
    const std::string redirect = "if header :contains [\"From\"] [\"coyote\"] { redirect \"acm@example.com\"; } "
                                 "elsif header :contains \"Subject\" \"$$$\" { redirect \"postmaster@example.com\"; } "
                                 "else { redirect \"field@example.com\"; }";
    CHECK(actions(redirect, kMessageA) == Actions{"redirect:acm@example.com"});
    CHECK(actions(redirect, kMessageB) == Actions{"redirect:postmaster@example.com"});
    CHECK(actions(redirect, "Subject: hi\r\n\r\nx") == Actions{"redirect:field@example.com"});
}

TEST_CASE("RFC 5228 §2.7.3 comparator example and §2.4.2.4 encoded-character example") {
    const std::string octet = "if header :contains :comparator \"i;octet\" \"Subject\" \"MAKE MONEY FAST\" { discard; }";
    CHECK(actions(octet, "Subject: You can MAKE MONEY FAST\r\n\r\n") == Actions{"discard"});
    CHECK(actions(octet, "Subject: You can Make Money Fast\r\n\r\n") == Actions{"keep"});
    const std::string enc = "require \"encoded-character\";\nif header :contains \"Subject\" \"$${hex:24 24}\" { discard; }";
    CHECK(actions(enc, kMessageA) == Actions{"keep"});
    CHECK(actions(enc, kMessageB) == Actions{"discard"});
}

TEST_CASE("RFC 5228 §9 extended example") {
    const std::string script = R"(require ["fileinto"];
    if header :is "Sender" "owner-ietf-mta-filters@imc.org" { fileinto "filter"; }
    elsif address :DOMAIN :is ["From", "To"] "example.com" { keep; }
    elsif anyof (NOT address :all :contains ["To", "Cc", "Bcc"] "me@example.com",
                 header :matches "subject" ["*make*money*fast*", "*university*dipl*mas*"]) { fileinto "spam"; }
    else { fileinto "personal"; })";
    CHECK(actions(script, "Sender: owner-ietf-mta-filters@imc.org\r\nTo: me@example.com\r\n\r\n") == Actions{"fileinto:filter"});
    CHECK(actions(script, "From: boss@EXAMPLE.com\r\nTo: me@other.example\r\n\r\n") == Actions{"keep"});
    CHECK(actions(script, kMessageA) == Actions{"fileinto:spam"});
    const std::string to_me = "From: friend@other.example\r\nTo: list@lists.example\r\nCc: Me <me@example.com>\r\n";
    CHECK(actions(script, to_me + "Subject: Make more MONEY fast\r\n\r\n") == Actions{"fileinto:spam"});
    CHECK(actions(script, to_me + "Subject: lunch\r\n\r\n") == Actions{"fileinto:personal"});
}

TEST_CASE("address, envelope, exists, size, header decoding") {
    CHECK(actions("if address :is :all \"from\" \"coyote@desert.example.org\" { discard; }", kMessageA) == Actions{"discard"});
    CHECK(actions("if address :localpart :is \"to\" \"roadrunner\" { discard; }", kMessageA) == Actions{"discard"});
    CHECK(actions("if address :domain :is \"to\" \"ACME.example.com\" { discard; }", kMessageA) == Actions{"discard"});
    CHECK(actions("if not exists [\"From\",\"Date\"] { discard; }", kMessageA) == Actions{"keep"});
    CHECK(actions("if exists \"X-Nope\" { discard; }", kMessageA) == Actions{"keep"});
    CHECK(actions("if size :under 1K { discard; }", kMessageA) == Actions{"discard"});
    CHECK(actions("if size :over 1K { discard; }", kMessageA) == Actions{"keep"});
    // RFC 2047 words are decoded for header tests (RFC 5228 §2.7.2).
    const std::string encoded = "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus Wien\r\nFrom: =?ISO-8859-1?Q?J=F6rg?= <jorg@example.org>\r\n\r\n";
    CHECK(actions("if header :contains \"subject\" \"Grüße\" { discard; }", encoded) == Actions{"discard"});
    CHECK(actions("if address :is \"from\" \"jorg@example.org\" { discard; }", encoded) == Actions{"discard"});
    // Envelope, and the null reverse-path.
    const std::string env = "require \"envelope\";\nif envelope :domain :is \"from\" \"desert.example.org\" { discard; }";
    CHECK(actions(env, kMessageA) == Actions{"discard"});
    auto bounce = run_on("require \"envelope\";\nif envelope :is \"from\" \"\" { discard; }", kMessageA, {}, "");
    CHECK(summary(bounce) == Actions{"discard"});
}

TEST_CASE("subaddress (RFC 5233)") {
    const std::string script = "require [\"subaddress\", \"envelope\", \"fileinto\"];\n"
                               "if envelope :detail \"to\" \"lists\" { fileinto \"Lists\"; }\n"
                               "elsif address :user \"to\" \"ken\" { fileinto \"Ken\"; }";
    auto o = run_on(script, kMessageA, {}, "a@b.example", "ken+lists@example.org");
    CHECK(summary(o) == Actions{"fileinto:Lists"});
    CHECK(actions(script, "To: ken+x@example.org\r\n\r\n") == Actions{"fileinto:Ken"});
    // No separator: :detail takes no value and the test is false.
    auto plain = run_on("require [\"subaddress\", \"envelope\"];\nif envelope :detail :matches \"to\" \"*\" { discard; }",
                        kMessageA, {}, "a@b.example", "ken@example.org");
    CHECK(summary(plain) == Actions{"keep"});
}

TEST_CASE("action interactions: cancel rules, :copy, duplicates (RFC 5228 §2.10)") {
    CHECK(actions("require \"fileinto\";\nfileinto \"A\"; fileinto \"A\"; fileinto \"B\";", kMessageA) ==
          Actions{"fileinto:A", "fileinto:B"});
    CHECK(actions("require \"fileinto\";\nkeep; fileinto \"INBOX\"; keep;", kMessageA) == Actions{"keep"});
    CHECK(actions("require [\"fileinto\", \"copy\"];\nfileinto :copy \"A\";", kMessageA) == Actions{"fileinto:A", "keep"});
    CHECK(actions("require \"copy\";\nredirect :copy \"x@example.com\";", kMessageA) ==
          Actions{"redirect:x@example.com", "keep"});
    CHECK(actions("redirect \"x@example.com\"; redirect \"X@example.com\";", kMessageA) == Actions{"redirect:x@example.com"});
    CHECK(actions("discard; keep;", kMessageA) == Actions{"keep"});
    CHECK(actions("keep; discard;", kMessageA) == Actions{"keep"});
    CHECK(actions("require \"fileinto\";\ndiscard; fileinto \"X\";", kMessageA) == Actions{"fileinto:X"});
    CHECK(actions("require \"reject\";\nreject \"go away\";", kMessageA) == Actions{"reject:go away"});
    CHECK(actions("require \"ereject\";\nereject \"no\";", kMessageA) == Actions{"ereject:no"});
    CHECK(actions("require \"reject\";\ndiscard; reject \"no\";", kMessageA) == Actions{"reject:no"});
    const auto conflict = run_on("require \"reject\";\nkeep; reject \"no\";", kMessageA);
    CHECK_FALSE(conflict.ok);
    CHECK(conflict.error == "runtime error: reject together with another action");
    CHECK(summary(conflict) == Actions{"keep"});
}

TEST_CASE("runtime errors and limits end in the implicit keep") {
    std::string many = "require \"fileinto\";\n";
    for (int i = 0; i < 40; ++i) many += "fileinto \"F" + std::to_string(i) + "\";";
    auto o = run_on(many, kMessageA);
    CHECK_FALSE(o.ok);
    CHECK(o.error == "runtime error: more than 32 actions");
    CHECK(summary(o) == Actions{"keep"});

    std::string redirects;
    for (int i = 0; i < 5; ++i) redirects += "redirect \"r" + std::to_string(i) + "@example.com\";";
    o = run_on(redirects, kMessageA);
    CHECK(o.error == "runtime error: more than 4 redirects");
    CHECK(summary(o) == Actions{"keep"});

    // An execution budget: a costly :matches over a large header runs out, never hangs.
    std::string big = "Subject: " + std::string(60000, 'a') + "\r\n\r\n";
    std::string pattern = "*";
    for (int i = 0; i < 200; ++i) pattern += "a*";
    pattern += "b";
    std::string loop = "if anyof(";
    for (int i = 0; i < 20; ++i) loop += std::string(i ? "," : "") + "header :matches \"subject\" \"" + pattern + "\"";
    loop += ") { discard; }";
    o = run_on(loop, big);
    CHECK_FALSE(o.ok);
    CHECK(o.error == "runtime error: script exceeded its execution budget");
    CHECK(summary(o) == Actions{"keep"});

    o = run_on("require [\"variables\"];\nset \"a\" \"x\";", kMessageA);
    CHECK(o.ok);
    RunLimits tiny;
    tiny.max_variables = 1;
    o = run_on("require [\"variables\"];\nset \"a\" \"x\"; set \"b\" \"y\";", kMessageA, tiny);
    CHECK(o.error == "runtime error: more than 1 variables");
    o = run_on("require \"vacation\";\nvacation \"a\"; vacation \"b\";", kMessageA);
    CHECK(o.error == "runtime error: vacation executed twice");
    o = run_on("require \"variables\";\nset \"a\" \"not an address\"; redirect \"${a}\";", kMessageA);
    CHECK(o.error == "runtime error: invalid redirect address \"not an address\"");
}

TEST_CASE("match types, comparators, relational (RFC 5228 §2.7, RFC 5231)") {
    const std::string m = "Subject: Hello World\r\nX-Spam-Score: 7\r\nTo: a@x.example, b@x.example\r\nCc: c@x.example\r\n\r\n";
    CHECK(actions("if header :is \"subject\" \"hello world\" { discard; }", m) == Actions{"discard"});
    CHECK(actions("if header :is :comparator \"i;octet\" \"subject\" \"hello world\" { discard; }", m) == Actions{"keep"});
    CHECK(actions("if header :matches \"subject\" \"H?llo *\" { discard; }", m) == Actions{"discard"});
    CHECK(actions("if header :matches \"subject\" \"Hello\" { discard; }", m) == Actions{"keep"});
    CHECK(actions("if header :matches \"subject\" \"*\\\\*\" { discard; }", "Subject: star*\r\n\r\n") == Actions{"discard"});
    CHECK(actions("if header :matches \"subject\" \"*\\\\*\" { discard; }", m) == Actions{"keep"});
    const std::string rel = "require [\"relational\", \"comparator-i;ascii-numeric\"];\n";
    CHECK(actions(rel + "if header :value \"ge\" :comparator \"i;ascii-numeric\" \"x-spam-score\" \"5\" { discard; }", m) ==
          Actions{"discard"});
    CHECK(actions(rel + "if header :value \"lt\" :comparator \"i;ascii-numeric\" \"x-spam-score\" \"10\" { discard; }", m) ==
          Actions{"discard"});
    // Lexical order: "7" > "10" under i;ascii-casemap.
    CHECK(actions(rel + "if header :value \"gt\" \"x-spam-score\" \"10\" { discard; }", m) == Actions{"discard"});
    CHECK(actions(rel + "if address :count \"eq\" :comparator \"i;ascii-numeric\" [\"to\", \"cc\"] \"3\" { discard; }", m) ==
          Actions{"discard"});
    CHECK(actions(rel + "if header :count \"ge\" :comparator \"i;ascii-numeric\" \"received\" \"1\" { discard; }", m) ==
          Actions{"keep"});
    CHECK(actions(rel + "if header :is :comparator \"i;ascii-numeric\" \"x-spam-score\" \"007\" { discard; }", m) ==
          Actions{"discard"});
}

TEST_CASE("comparator i;unicode-casemap (RFC 5051)") {
    const std::string req = "require [\"comparator-i;unicode-casemap\", \"relational\", \"variables\", \"reject\"];\n";
    // "CAFÉ Straße ǅ", the É written decomposed (E U+0301), ǅ U+01C5.
    const std::string m = "Subject: =?UTF-8?Q?CAFE=CC=81_Stra=C3=9Fe_=C7=85?=\r\n\r\n";
    auto t = [&](const std::string& test, const std::string& message) {
        return actions(req + "if " + test + " { discard; }", message);
    };
    const Actions yes{"discard"};
    const Actions no{"keep"};
    const std::string uc = ":comparator \"i;unicode-casemap\" \"subject\" ";
    CHECK(t("header :contains " + uc + "\"caf\xC3\xA9\"", m) == yes);  // precomposed é
    CHECK(t("header :contains \"subject\" \"caf\xC3\xA9\"", m) == no);  // i;ascii-casemap: other bytes
    CHECK(t("header :is " + uc + "\"caf\xC3\xA9 STRA\xC3\x9F" "E \xC7\x84\"", m) == yes);  // Ǆ U+01C4
    CHECK(t("header :contains " + uc + "\"STRASSE\"", m) == no);  // ß is not SS
    CHECK(t("header :value \"lt\" " + uc + "\"D\"", m) == yes);
    CHECK(t("header :value \"gt\" " + uc + "\"caf\xC3\xA9\"", m) == yes);
    // "?" is one character: É with its accent.
    CHECK(t("header :matches " + uc + "\"caf? *\"", m) == yes);
    CHECK(t("header :matches \"subject\" \"caf? *\"", m) == no);
    // FULLWIDTH QUESTION MARK in a pattern is a "?" to match, not a wildcard.
    CHECK(t("header :matches " + uc + "\"why\xEF\xBC\x9F\"", "Subject: Why?\r\n\r\n") == yes);
    CHECK(t("header :matches " + uc + "\"why\xEF\xBC\x9F\"", "Subject: Why!\r\n\r\n") == no);
    // Captures are the value's text as written.
    auto o = run_on(req + "if header :matches " + uc + "\"caf? *\" { reject \"${1}|${2}\"; }", m);
    REQUIRE(o.ok);
    REQUIRE(o.actions.size() == 1);
    CHECK(o.actions[0].reason == "E\xCC\x81|Stra\xC3\x9F" "e \xC7\x85");
}

TEST_CASE("variables (RFC 5229 examples)") {
    const std::string v = "require [\"variables\", \"reject\"];\n";
    auto reason = [&](std::string_view body, const std::string& message = kMessageA) {
        auto o = run_on(v + std::string(body), message);
        REQUIRE(o.ok);
        REQUIRE(o.actions.size() == 1);
        return o.actions[0].reason;
    };
    CHECK(reason("set \"honorific\" \"Mr\";\nset \"first_name\" \"Wile\";\nset \"last_name\" \"Coyote\";\n"
                 "set \"vacation\" text:\nDear ${HONORIFIC} ${last_name},\nI'm out, please leave a message after the meep.\n.\n;\n"
                 "reject \"${vacation}\";") ==
          "Dear Mr Coyote,\r\nI'm out, please leave a message after the meep.\r\n");
    CHECK(reason("set \"company\" \"ACME\";\nreject \"${full}|${company}|${BAD${Company}|${President, ${Company} Inc.}|&%${}!|${doh!}\";") ==
          "|ACME|${BADACME|${President, ACME Inc.}|&%${}!|${doh!}");
    const std::string a = "set \"a\" \"juMBlEd lETteRS\";\n";
    CHECK(reason(a + "set :length \"b\" \"${a}\"; reject \"${b}\";") == "15");
    CHECK(reason(a + "set :lower \"b\" \"${a}\"; reject \"${b}\";") == "jumbled letters");
    CHECK(reason(a + "set :upperfirst \"b\" \"${a}\"; reject \"${b}\";") == "JuMBlEd lETteRS");
    CHECK(reason(a + "set :upperfirst :lower \"b\" \"${a}\"; reject \"${b}\";") == "Jumbled letters");
    CHECK(reason("set :quotewildcard \"b\" \"Rock*\"; reject \"${b}\";") == "Rock\\*");
    // Match variables, RFC 5229 §3.2.
    const std::string lists = "Subject: [acme-users] [fwd] version 1.0 is out\r\nTo: coyote@ACME.Example.COM\r\n\r\n";
    CHECK(reason("if header :matches \"Subject\" \"[*] *\" { reject \"${1}|${2}\"; }", lists) ==
          "acme-users|[fwd] version 1.0 is out");
    CHECK(reason("if address :matches [\"To\", \"From\"] \"*@*.example.com\" { reject \"${0}|${1}|${2}|${3}\"; }", lists) ==
          "coyote@ACME.Example.COM|coyote|ACME|");
    CHECK(reason("if string :is \"${missing}\" \"\" { reject \"empty\"; }") == "empty");
    CHECK(reason("set \"x\" \"abc\"; if string :matches \"${x}\" \"a?c\" { reject \"${1}\"; }") == "b");
    // A fileinto into a folder named from the message.
    auto o = run_on("require [\"fileinto\", \"variables\"];\n"
                    "if header :matches \"Subject\" \"[*] *\" { fileinto \"INBOX.lists.${1}\"; stop; }", lists);
    CHECK(summary(o) == Actions{"fileinto:INBOX.lists.acme-users"});
}

TEST_CASE("imap4flags (RFC 5232 examples)") {
    const std::string big = "From: boss@company.example.com\r\nSubject: x\r\n\r\n" + std::string(2 << 20, 'x');
    const std::string script = "require [\"fileinto\", \"imap4flags\", \"variables\"];\n"
                               "if size :over 1M { addflag \"MyFlags\" \"Big\";\n"
                               "  if header :is \"From\" \"boss@company.example.com\" { addflag \"MyFlags\" \"\\\\Flagged\"; }\n"
                               "  fileinto :flags \"${MyFlags}\" \"Big messages\"; }\n";
    auto o = run_on(script, big);
    REQUIRE(o.ok);
    REQUIRE(summary(o) == Actions{"fileinto:Big messages"});
    CHECK(o.actions[0].flags == std::vector<std::string>{"Big", "\\Flagged"});

    // The internal variable: set, add (duplicates once), remove; the implicit keep gets it.
    o = run_on("require \"imap4flags\";\nsetflag \"\\\\Seen\"; addflag [\"$Label1\", \"\\\\Seen \\\\Answered\"];"
               "removeflag \"\\\\answered\";", kMessageA);
    REQUIRE(summary(o) == Actions{"keep"});
    CHECK(o.actions[0].flags == std::vector<std::string>{"\\Seen", "$Label1"});
    o = run_on("require \"imap4flags\";\naddflag \"Junk\"; if hasflag :is \"junk\" { keep :flags \"\\\\Deleted\"; }", kMessageA);
    REQUIRE(summary(o) == Actions{"keep"});
    CHECK(o.actions[0].flags == std::vector<std::string>{"\\Deleted"});
    o = run_on("require [\"imap4flags\", \"variables\", \"relational\", \"comparator-i;ascii-numeric\"];\n"
               "setflag \"v\" \"A B C\"; if hasflag :count \"ge\" :comparator \"i;ascii-numeric\" \"v\" \"3\" { discard; }",
               kMessageA);
    CHECK(summary(o) == Actions{"discard"});
}

TEST_CASE("body (RFC 5173)") {
    const std::string mp =
        "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Please unsubscribe me =C3=A9\r\n"
        "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nc2VjcmV0\r\n"
        "--b--\r\n";
    const std::string b = "require \"body\";\n";
    CHECK(actions(b + "if body :contains \"unsubscribe me é\" { discard; }", mp) == Actions{"discard"});
    CHECK(actions(b + "if body :text :contains \"secret\" { discard; }", mp) == Actions{"keep"});
    CHECK(actions(b + "if body :content \"application\" :contains \"secret\" { discard; }", mp) == Actions{"discard"});
    CHECK(actions(b + "if body :raw :contains \"=C3=A9\" { discard; }", mp) == Actions{"discard"});
    CHECK(actions(b + "if body :raw :contains \"unsubscribe me é\" { discard; }", mp) == Actions{"keep"});
}

TEST_CASE("vacation (RFC 5230, RFC 6131)") {
    auto o = run_on("require \"vacation\";\nvacation :days 23 :addresses [\"tjs@example.edu\", \"ts4z@landru.example.edu\"]\n"
                    "\"I'm away until October 19.\";", kMessageA);
    REQUIRE(summary(o) == Actions{"vacation", "keep"});
    const auto& v = *o.actions[0].vacation;
    CHECK(v.period_seconds == 23 * 86400);
    CHECK(v.addresses.size() == 2);
    CHECK(v.reason == "I'm away until October 19.");
    CHECK_FALSE(v.handle);
    o = run_on("require [\"vacation\", \"variables\"];\n"
               "if header :matches \"subject\" \"*\" { vacation :subject \"Automatic response to: ${1}\" :handle \"h\" "
               ":from \"me@example.org\" \"I'm away\"; }", kMessageA);
    REQUIRE(o.actions[0].vacation);
    CHECK(*o.actions[0].vacation->subject == "Automatic response to: I have a present for you");
    CHECK(*o.actions[0].vacation->handle == "h");
    CHECK(o.actions[0].vacation->period_seconds == 7 * 86400);
    o = run_on("require \"vacation-seconds\";\nvacation :seconds 1800 \"back soon\";", kMessageA);
    CHECK(o.actions[0].vacation->period_seconds == 1800);
    o = run_on("require \"vacation\";\nvacation :days 0 \"x\";", kMessageA);
    CHECK(o.actions[0].vacation->period_seconds == 86400);
    o = run_on("require [\"vacation\", \"reject\"];\nvacation \"x\"; reject \"y\";", kMessageA);
    CHECK_FALSE(o.ok);
}

TEST_CASE("mailboxexists and fileinto :create (RFC 5490)") {
    auto program = compile_script("require [\"mailbox\", \"fileinto\"];\n"
                                  "if mailboxexists \"Lists\" { fileinto \"Lists\"; } else { fileinto :create \"New\"; }");
    REQUIRE(program);
    MessageView view(kMessageA);
    auto o = run(*program, view);
    REQUIRE(summary(o) == Actions{"fileinto:New"});
    CHECK(o.actions[0].create);
    view.mailbox_exists = [](std::string_view name) { return name == "Lists"; };
    o = run(*program, view);
    CHECK(summary(o) == Actions{"fileinto:Lists"});
}

TEST_CASE("several scripts in turn: shared actions, own variables, skipped once decided") {
    auto a = compile_script("require [\"variables\", \"imap4flags\"]; set \"x\" \"1\"; addflag \"\\\\Seen\"; stop;");
    auto b = compile_script("require [\"variables\", \"fileinto\"]; if string \"${x}\" \"\" { fileinto \"B\"; }");
    auto c = compile_script("require \"fileinto\"; fileinto \"C\";");
    REQUIRE((a && b && c));
    MessageView view(kMessageA);
    const Program* all[] = {&*a, &*b, &*c};
    auto out = run(all, view);
    REQUIRE(out.ok);
    // a's stop ends a only; b does not see a's variable; c is skipped (b decided).
    CHECK(summary(out) == std::vector<std::string>{"fileinto:B"});
    CHECK(out.actions[0].flags == std::vector<std::string>{"\\Seen"});
    const Program* two[] = {&*a, &*c};
    CHECK(summary(run(two, view)) == std::vector<std::string>{"fileinto:C"});
}
