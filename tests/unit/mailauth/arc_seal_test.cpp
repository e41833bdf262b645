// The ARC set builder (common/mailauth/arc_seal): instance numbering, cv=, the fields and
// what they sign, checked by our own validator (arc_verify) with the sealing key in a
// zone; on top of dkimpy's chains (tests/data/arc) too, so a chain of theirs continues.
#include <doctest/doctest.h>

#include "common/dkim/signature.hpp"
#include "common/mailauth/arc_seal.hpp"
#include "common/mailauth/arc_verify.hpp"
#include "common/mailauth/auth_results.hpp"
#include "common/mime/header_parser.hpp"
#include "common/text/ascii.hpp"
#include "tests/unit/mailauth/arc_data.hpp"

using namespace mr::mailauth;

namespace {

constexpr std::int64_t kNow = 1700001000;  // after dkimpy's seals of tests/data/arc

// Our forwarding domain's key (RFC 8463's RSA key) published at rsa1._domainkey.fwd.test,
// next to the keys of dkimpy's fixtures.
struct Zone : mr::test::ArcZone {
    Zone() { txt["rsa1._domainkey.fwd.test"] = {mr::test::kRsaRecord}; }
};

struct Sealer {
    mr::dkim::Signer signer{"fwd.test", "rsa1", mr::test::signing_key(mr::test::kRsaPem)};

    ArcSealOutcome seal(const std::string& message, std::string_view authserv_id = "mx.fwd.test") {
        REQUIRE(signer.key);
        auto out = arc_seal({message, authserv_id, &signer, kNow});
        REQUIRE_MESSAGE(out, out.error().message);
        return *out;
    }
};

std::string load(const std::string& name) { return mr::test::load_arc(name); }

// What smtpd puts on a message it checked: our results, then its Received field.
std::string arrived(std::string_view arc_result, std::string_view message) {
    return "Authentication-Results: mx.fwd.test;\r\n\tspf=pass smtp.mailfrom=a@origin.test;\r\n\tdkim=none;\r\n"
           "\tdmarc=none header.from=origin.test;\r\n\tarc=" +
           std::string(arc_result) + "\r\nReceived: from client.test by mx.fwd.test; Tue, 14 Nov 2023 22:30:00 +0000\r\n" +
           std::string(message);
}

constexpr std::string_view kPlain =
    "From: <a@origin.test>\r\nTo: <alias@fwd.test>\r\nSubject: hello\r\nMessage-ID: <1@origin.test>\r\n"
    "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n\r\nHello.\r\n";

// The fields of `fields` (what arc_seal returned) by lower-case name, in order.
std::vector<std::pair<std::string, std::string>> split(const std::string& fields) {
    std::vector<std::pair<std::string, std::string>> out;
    mr::mime::HeaderScanner scan(fields);
    while (auto f = scan.next()) out.emplace_back(mr::text::to_lower(f->name), std::string(f->raw_value));
    return out;
}

// Seals `message` as a chain that passed on arrival, checks that the new set is instance
// `instance` with cv=pass, and that our validator passes the result; its verdict.
ArcResult continued(Sealer& s, const std::string& message, std::string_view authserv_id, std::uint32_t instance) {
    const auto out = s.seal(message, authserv_id);
    CHECK(out.instance == instance);
    CHECK(out.cv == "pass");
    Zone dns;
    auto r = verify_arc(dns, out.fields + message, kNow);
    CHECK_MESSAGE(r.result == ArcVerdict::Pass, r.reason);
    CHECK(r.instance == instance);
    return r;
}

}  // namespace

TEST_CASE("arc seal: a first hop gets i=1 cv=none, the three fields, and our validator passes it") {
    Sealer s;
    const std::string message = arrived("none", kPlain);
    const auto out = s.seal(message);
    CHECK(out.instance == 1);
    CHECK(out.cv == "none");
    CHECK(out.skipped.empty());
    const auto fields = split(out.fields);
    REQUIRE(fields.size() == 3);
    CHECK(fields[0].first == "arc-seal");
    CHECK(fields[1].first == "arc-message-signature");
    CHECK(fields[2].first == "arc-authentication-results");

    // The AAR is ours, renumbered: "i=1; " and our results as recorded.
    CHECK(fields[2].second.starts_with(" i=1; mx.fwd.test;\r\n\tspf=pass"));

    auto seal = mr::dkim::parse_signature(fields[0].second, mr::dkim::SignatureField::ArcSeal);
    REQUIRE_MESSAGE(seal, seal.error().message);
    CHECK(seal->instance == 1);
    CHECK(seal->chain_status == "none");
    CHECK(seal->algorithm == mr::dkim::SigAlgorithm::RsaSha256);
    CHECK(seal->domain == "fwd.test");
    CHECK(seal->selector == "rsa1");

    auto ams = mr::dkim::parse_signature(fields[1].second, mr::dkim::SignatureField::ArcMessage);
    REQUIRE_MESSAGE(ams, ams.error().message);
    CHECK(ams->instance == 1);
    CHECK(ams->header_canon == mr::dkim::Canon::Relaxed);
    CHECK(ams->body_canon == mr::dkim::Canon::Relaxed);
    CHECK(!ams->body_length);  // no l=
    // Our DKIM signatures' fields, From over-signed; never A-R (removed downstream) nor ARC-Seal.
    const std::vector<std::string> h = {"from", "from", "to", "subject", "date", "message-id"};
    CHECK(ams->signed_fields == h);

    Zone dns;
    const auto r = verify_arc(dns, out.fields + message, kNow);
    CHECK_MESSAGE(r.result == ArcVerdict::Pass, r.reason);
    CHECK(r.instance == 1);
    CHECK(r.domain == "fwd.test");
}

TEST_CASE("arc seal: a second hop of ours continues the chain with i=2 cv=pass") {
    Sealer first;
    const std::string once = [&] {
        const std::string m = arrived("none", kPlain);
        return first.seal(m).fields + m;
    }();
    // The next server of ours found arc=pass on arrival and put its own results on top.
    Sealer second;
    second.signer.domain = "fwd.test";
    const std::string at_second =
        "Authentication-Results: mx2.fwd.test; arc=pass (i=1) header.oldest-pass=0\r\nReceived: from mx.fwd.test\r\n" +
        once;
    CHECK(continued(second, at_second, "mx2.fwd.test", 2).oldest_pass == 0);
}

TEST_CASE("arc seal: dkimpy's two-hop chain continues as i=3, and dkimpy's modified body still passes") {
    Sealer s;
    for (const char* name : {"arc2.eml", "arc2_footer.eml"}) {
        CAPTURE(name);
        continued(s, arrived("pass", load(name)), "mx.fwd.test", 3);
    }
}

TEST_CASE("arc seal: a chain that failed validation is sealed cv=fail over our set alone") {
    Sealer s;
    // arc2.eml with a broken body: smtpd recorded arc=fail.
    std::string broken = load("arc2.eml");
    broken.replace(broken.find("Hello through"), 13, "Hello past");
    const std::string message = arrived("fail (ARC-Message-Signature i=2: body hash did not verify)", broken);
    const auto out = s.seal(message);
    CHECK(out.instance == 3);
    CHECK(out.cv == "fail");
    // The seal verifies over the new set alone (§5.1.2); the chain as a whole is failed.
    const auto fields = split(out.fields);
    REQUIRE(fields.size() == 3);
    Zone dns;
    const auto r = verify_arc(dns, out.fields + message, kNow);
    CHECK(r.result == ArcVerdict::Fail);
    CHECK(r.reason == "ARC-Seal i=3 says cv=fail");

    // An incomplete chain is a fail too, whatever was recorded.
    const std::string missing = arrived("pass", load("arc2.eml").substr(load("arc2.eml").find("ARC-Message-Signature: i=2")));
    CHECK(s.seal(missing).cv == "fail");
}

TEST_CASE("arc seal: nothing is added to an ended chain, to 50 sets, or to mail we did not check") {
    Sealer s;
    // The newest seal says cv=fail: the chain has ended (RFC 8617 §5.1).
    std::string ended = load("arc2.eml");
    ended.replace(ended.find("i=2; cv=pass"), 12, "i=2; cv=fail");
    auto out = s.seal(arrived("fail", ended));
    CHECK(out.fields.empty());
    CHECK(out.skipped.find("cv=fail") != std::string::npos);

    // i=50 is the last instance (RFC 8617 §4.2.1).
    std::string fifty = "ARC-Seal: i=50; cv=pass; a=rsa-sha256; d=x.test; s=s; b=AAAA\r\n"
                        "ARC-Message-Signature: i=50; a=rsa-sha256; d=x.test; s=s; h=from; bh=AAAA; b=AAAA\r\n"
                        "ARC-Authentication-Results: i=50; x.test; spf=pass\r\n";
    out = s.seal(arrived("pass", fifty + std::string(kPlain)));
    CHECK(out.fields.empty());
    CHECK(out.skipped.find("50 sets") != std::string::npos);

    // No results of ours, results of another host, or ours below the Received field (where
    // a client could have written them): not checked on arrival.
    out = s.seal(std::string("Received: from x\r\n") + std::string(kPlain));
    CHECK(out.fields.empty());
    CHECK(s.seal(arrived("none", kPlain), "other.test").fields.empty());
    out = s.seal("Received: from client.test\r\nAuthentication-Results: mx.fwd.test; arc=pass\r\n" +
                 std::string(kPlain));
    CHECK(out.fields.empty());
}

TEST_CASE("arc seal: the rsa-sha256 key seals; a domain with only Ed25519 does not") {
    std::vector<mr::dkim::Signer> signers = {
        {"fwd.test", "ed1", mr::test::signing_key(mr::test::kEd25519Pem)},
        {"fwd.test", "rsa1", mr::test::signing_key(mr::test::kRsaPem)}};
    const auto* s = arc_signer(signers);
    REQUIRE(s != nullptr);
    CHECK(s->selector == "rsa1");
    signers.pop_back();
    CHECK(arc_signer(signers) == nullptr);
}

TEST_CASE("authentication-results: a method's result, past comments and quoted strings") {
    CHECK(method_result("mx.test; spf=pass; arc=pass (i=1) header.oldest-pass=0", "arc") == "pass");
    CHECK(method_result("mx.test; spf=fail (no; really) smtp.mailfrom=\"a;arc=pass\"@x; ARC = Fail", "arc") == "fail");
    CHECK(method_result("mx.test; spf=pass", "arc") == std::nullopt);
    CHECK(method_result("mx.test (arc=pass); dkim=none", "arc") == std::nullopt);
    CHECK(authserv_id_of(" MX.Test;\r\n\tspf=pass") == "mx.test");
}
