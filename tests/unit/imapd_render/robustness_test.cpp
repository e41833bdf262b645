// Whatever a stored message contains, the renderers produce grammatical output and
// section extraction stays inside the message: every corpus message truncated at
// every offset, and with random bytes overwritten, is rendered, checked against the
// grammar (grammar_check.hpp) and cut into every section.
#include <doctest/doctest.h>

#include <random>

#include "common/mime/message_parser.hpp"
#include "imapd/render/body_structure.hpp"
#include "imapd/render/envelope.hpp"
#include "imapd/render/message_search.hpp"
#include "imapd/render/section.hpp"
#include "imapd/render/wire_form.hpp"
#include "tests/unit/imapd_render/corpus.hpp"
#include "tests/unit/imapd_render/grammar_check.hpp"

using namespace mr::imapd;

namespace {

const char* const kCorpus[] = {
    "single_part.eml",  "mixed_attachment.eml", "nested_alternative.eml", "rfc822_nested.eml",
    "rfc822_opaque.eml", "missing_headers.eml", "malformed.eml",          "rfc2231.eml",
    "encoded_words.eml", "eight_bit.eml",       "bare_lf.eml",            "empty_body.eml",
    "header_only.eml",  "groups.eml",           "source_route.eml",       "bad_boundary.eml"};

void check_sections(std::string_view bytes, const mr::mime::MessageStructure& s) {
    using Kind = Section::Kind;
    const Kind kinds[] = {Kind::Full, Kind::Header, Kind::HeaderFields, Kind::HeaderFieldsNot,
                          Kind::Text, Kind::Mime};
    std::vector<std::vector<std::uint32_t>> paths = {{}};
    for (std::uint32_t a = 1; a <= 3; ++a) {
        paths.push_back({a});
        for (std::uint32_t b = 1; b <= 3; ++b) {
            paths.push_back({a, b});
            paths.push_back({a, b, 1});
        }
    }
    for (const auto& path : paths) {
        for (Kind k : kinds) {
            Section sec;
            sec.part = path;
            sec.kind = k;
            sec.fields = {"From", "Subject"};
            const SectionRange r = locate_section(s, sec);
            const std::string got = fetch_section(bytes, s, sec);
            if (r.kind != SectionRange::Kind::HeaderSubset) CHECK(got.size() == r.wire_size());
            CHECK(r.begin <= r.end);
            CHECK(r.end <= bytes.size());
            const std::string part = fetch_section(bytes, s, sec, Partial{3, 7});
            CHECK(part == got.substr(std::min<std::size_t>(3, got.size()), 7));
        }
    }
}

void check_message(std::string_view bytes) {
    const mr::mime::MessageStructure s = mr::mime::parse_message(bytes);
    std::string bs, b, env;
    append_body_structure(bs, s, true);
    append_body_structure(b, s, false);
    append_envelope(env, s.envelope);
    CHECK_MESSAGE(test::GrammarCheck(bs).whole_body(true), bs);
    CHECK_MESSAGE(test::GrammarCheck(b).whole_body(false), b);
    CHECK_MESSAGE(test::GrammarCheck(env).whole_envelope(), env);
    CHECK(fetch_section(bytes, s, Section{}).size() == wire_size(s));
    check_sections(bytes, s);
    MessageMatcher q(bytes, s);
    (void)q.text(SearchString("zz"));
    (void)q.header("content-type", SearchString("a"));
}

}  // namespace

TEST_CASE("grammar checker rejects what it should (it can fail)") {
    CHECK(test::GrammarCheck("(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0)").whole_body(false));
    CHECK_FALSE(test::GrammarCheck("(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0)").whole_body(false));
    CHECK_FALSE(test::GrammarCheck("(\"TEXT\" \"PLAIN\" () NIL NIL \"7BIT\" 0 0)").whole_body(false));
    CHECK_FALSE(test::GrammarCheck("(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL)")
                    .whole_body(false));
    CHECK_FALSE(test::GrammarCheck("(\"A\" \"B\" NIL NIL NIL \"7BIT\" 0)").whole_body(true));
    CHECK_FALSE(test::GrammarCheck("(NIL NIL NIL NIL NIL NIL NIL NIL NIL)").whole_envelope());
    CHECK_FALSE(test::GrammarCheck("(NIL NIL () NIL NIL NIL NIL NIL NIL NIL)").whole_envelope());
    CHECK_FALSE(test::GrammarCheck("(\"a\nb\" NIL NIL NIL NIL NIL NIL NIL NIL NIL)").whole_envelope());
}

TEST_CASE("every corpus message, truncated at every offset, renders grammatically") {
    for (const char* name : kCorpus) {
        CAPTURE(name);
        const test::StoredMessage m = test::load(name);
        for (std::size_t cut = 0; cut <= m.bytes.size(); ++cut) {
            CAPTURE(cut);
            check_message(std::string_view(m.bytes).substr(0, cut));
        }
    }
}

TEST_CASE("random byte damage renders grammatically") {
    std::mt19937 rng(20261123);  // fixed seed: failures reproduce
    const char noise[] = {'\r', '\n', '"', '\\', '(', ')', '{', '}', ';', '=', '*', '\'', '%',
                          '-', ':', '<', '>', '@', ',', '\0', '\x80', '\xff', ' ', '\t'};
    for (const char* name : kCorpus) {
        CAPTURE(name);
        const test::StoredMessage m = test::load(name);
        for (int round = 0; round < 60; ++round) {
            std::string bytes = m.bytes;
            const int flips = 1 + static_cast<int>(rng() % 6);
            for (int f = 0; f < flips && !bytes.empty(); ++f)
                bytes[rng() % bytes.size()] = noise[rng() % sizeof(noise)];
            CAPTURE(bytes);
            check_message(bytes);
        }
    }
}
