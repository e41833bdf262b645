// smtpd's checks of port-25 mail against a zone written here: which messages are refused,
// quarantined or accepted, and the Authentication-Results field they get.
#include <doctest/doctest.h>

#include <map>

#include "smtpd/server/mail_auth.hpp"

using namespace mr;
using namespace mr::smtpd::server;

namespace {

struct ZoneDns final : dns::DnsClient {
    std::map<std::pair<std::string, dns::RecordType>, std::vector<std::string>> records;
    bool all_fail = false;
    std::string failing;  // this name times out
    dns::DnsAnswer lookup(std::string_view name, dns::RecordType type) override {
        if (all_fail || name == failing) return {dns::DnsAnswer::Status::TempFail, {}};
        auto it = records.find({std::string(name), type});
        if (it == records.end()) return {dns::DnsAnswer::Status::NxDomain, {}};
        return {dns::DnsAnswer::Status::Ok, it->second};
    }
    void txt(const std::string& name, const std::string& value) { records[{name, dns::RecordType::TXT}] = {value}; }
};

const MailAuthSettings kSettings{"mx.example.net", false, true};

MailAuthRequest request(const std::string& ip, const std::string& sender, const std::string& from) {
    return MailAuthRequest{ip, "client.example", sender, "q1",
                           "Received: from client.example\r\nFrom: <" + from + ">\r\nSubject: s\r\n\r\nbody\r\n",
                           nullptr, 1796601600};
}

ZoneDns bank() {
    ZoneDns dns;
    dns.txt("bank.example", "v=spf1 ip4:192.0.2.0/24 -all");
    dns.txt("_dmarc.bank.example", "v=DMARC1; p=reject");
    dns.txt("shop.example", "v=spf1 ip4:198.51.100.0/24 -all");
    dns.txt("_dmarc.shop.example", "v=DMARC1; p=quarantine");
    return dns;
}

int zero() { return 0; }

}  // namespace

TEST_CASE("mail auth: an aligned SPF pass is accepted with the field on top") {
    auto dns = bank();
    auto v = check_mail(dns, kSettings, request("192.0.2.10", "alerts@bank.example", "alerts@bank.example"), zero);
    CHECK(v.action == MailAuthVerdict::Action::Accept);
    CHECK(v.message.starts_with("Authentication-Results: mx.example.net;\r\n\tspf=pass smtp.mailfrom=alerts@bank.example;"));
    CHECK(v.message.find("dmarc=pass (p=reject dis=none) header.from=bank.example") != std::string::npos);
    CHECK(v.message.ends_with("Received: from client.example\r\nFrom: <alerts@bank.example>\r\nSubject: s\r\n\r\nbody\r\n"));
}

TEST_CASE("mail auth: a spoofed From of a p=reject domain is refused with 550 5.7.1") {
    auto dns = bank();
    auto v = check_mail(dns, kSettings, request("203.0.113.5", "x@attacker.example", "ceo@bank.example"), zero);
    CHECK(v.action == MailAuthVerdict::Action::Reject);
    CHECK(v.reply.code == 550);
    CHECK(v.reply.enhanced == "5.7.1");
    CHECK(v.reply.text.find("DMARC") != std::string::npos);
    // Without enforcement it is only recorded.
    MailAuthSettings lax = kSettings;
    lax.dmarc_enforce = false;
    auto tagged = check_mail(dns, lax, request("203.0.113.5", "x@attacker.example", "ceo@bank.example"), zero);
    CHECK(tagged.action == MailAuthVerdict::Action::Accept);
    CHECK(tagged.message.find("dmarc=fail (p=reject dis=reject) header.from=bank.example") != std::string::npos);
}

TEST_CASE("mail auth: p=quarantine goes to Junk; spf_fail=reject refuses with 5.7.23") {
    auto dns = bank();
    auto junk = check_mail(dns, kSettings, request("203.0.113.5", "x@attacker.example", "sales@shop.example"), zero);
    CHECK(junk.action == MailAuthVerdict::Action::Junk);
    CHECK(junk.message.find("dmarc=fail") != std::string::npos);

    MailAuthSettings strict_spf = kSettings;
    strict_spf.spf_reject = true;
    auto spf = check_mail(dns, strict_spf, request("203.0.113.5", "orders@shop.example", "friend@other.example"), zero);
    CHECK(spf.action == MailAuthVerdict::Action::Reject);
    CHECK(spf.reply.enhanced == "5.7.23");
}

TEST_CASE("mail auth: DNS failures never refuse; they answer 451 only where the policy would act") {
    ZoneDns failing;
    failing.all_fail = true;
    auto v = check_mail(failing, kSettings, request("192.0.2.10", "alerts@bank.example", "alerts@bank.example"), zero);
    CHECK(v.action == MailAuthVerdict::Action::Accept);  // DMARC temperror: no policy known
    CHECK(v.message.find("spf=temperror") != std::string::npos);
    CHECK(v.message.find("dmarc=temperror") != std::string::npos);

    // The DMARC record says reject, but SPF could not be asked: it might have passed.
    auto dns = bank();
    dns.failing = "bank.example";
    auto doubt = check_mail(dns, kSettings, request("192.0.2.10", "alerts@bank.example", "alerts@bank.example"), zero);
    CHECK(doubt.action == MailAuthVerdict::Action::TempFail);
    CHECK(doubt.reply.code == 451);
}

TEST_CASE("mail auth: forged results naming us are removed") {
    auto dns = bank();
    auto r = request("192.0.2.10", "alerts@bank.example", "alerts@bank.example");
    r.message = "Received: x\r\nAuthentication-Results: mx.example.net; dmarc=pass header.from=bank.example\r\n"
                "From: <alerts@bank.example>\r\n\r\nbody\r\n";
    auto v = check_mail(dns, kSettings, r, zero);
    CHECK(v.summary.find("forged_results_removed=1") != std::string::npos);
    CHECK(v.message.find("Authentication-Results:") == 0);
    CHECK(v.message.find("Authentication-Results:", 1) == std::string::npos);
}

TEST_CASE("mail auth: loopback clients are not checked") {
    CHECK(is_local_client("127.0.0.1"));
    CHECK(is_local_client("::1"));
    CHECK(is_local_client("::ffff:127.0.0.2"));
    CHECK_FALSE(is_local_client("192.0.2.1"));
    CHECK_FALSE(is_local_client("2001:db8::1"));
}

#include "common/dkim/message_signer.hpp"

TEST_CASE("mail auth: an aligned DKIM pass carries DMARC through a forwarder's SPF fail") {
    auto dns = bank();
    auto key = dkim::SigningKey::generate(dkim::Algorithm::Ed25519Sha256);
    REQUIRE(key);
    dns.txt("k1._domainkey.bank.example", *key->dns_record());
    const std::string body = "From: <alerts@bank.example>\r\nTo: <a@example.net>\r\nSubject: s\r\n\r\nbody\r\n";
    std::vector<dkim::Signer> signers{{"bank.example", "k1", std::make_shared<const dkim::SigningKey>(std::move(*key))}};
    auto sig = dkim::sign_message(body, signers, 1796601600);
    REQUIRE(sig);
    // Forwarded: the envelope still names bank.example, but from a host SPF does not allow.
    auto r = request("203.0.113.5", "alerts@bank.example", "alerts@bank.example");
    r.message = "Received: from forwarder.example\r\n" + *sig + body;
    auto v = check_mail(dns, kSettings, r, zero);
    CHECK(v.action == MailAuthVerdict::Action::Accept);
    CHECK(v.message.find("spf=fail") != std::string::npos);
    CHECK(v.message.find("dkim=pass header.d=bank.example header.s=k1") != std::string::npos);
    CHECK(v.message.find("dmarc=pass") != std::string::npos);

    // The same message with its Subject changed: the signature breaks, DMARC rejects.
    auto tampered = r;
    tampered.message.replace(tampered.message.find("Subject: s"), 10, "Subject: S");
    auto t = check_mail(dns, kSettings, tampered, zero);
    CHECK(t.action == MailAuthVerdict::Action::Reject);
}

#include <fstream>
#include <sstream>

#include "storage/queue.hpp"
#include "tests/unit/storage/temp_dir.hpp"

namespace {

std::string arc_data(const std::string& name) {
    std::ifstream in(std::string(MR_ARC_TEST_DATA) + "/" + name, std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void arc_keys(ZoneDns& dns) {
    std::istringstream zone(arc_data("zone.txt"));
    for (std::string line; std::getline(zone, line);) {
        const auto tab = line.find('\t');
        if (tab != std::string::npos) dns.txt(line.substr(0, tab), line.substr(tab + 1));
    }
}

}  // namespace

TEST_CASE("mail auth: the ARC chain is recorded, in memory and spooled, and changes no action") {
    auto dns = bank();
    arc_keys(dns);
    auto r = request("203.0.113.5", "bounces@fwd.example", "alice@origin.example");
    r.message = arc_data("arc2.eml");
    auto v = check_mail(dns, kSettings, r, zero);
    CHECK(v.action == MailAuthVerdict::Action::Accept);
    CHECK(v.message.find(";\r\n\tarc=pass (i=2) header.oldest-pass=0\r\n") != std::string::npos);
    CHECK(v.summary.ends_with(" arc=pass"));

    // Broken after the last seal: recorded as fail, still accepted.
    auto broken = r;
    broken.message.replace(broken.message.find("Hello"), 5, "Howdy");
    v = check_mail(dns, kSettings, broken, zero);
    CHECK(v.action == MailAuthVerdict::Action::Accept);
    CHECK(v.message.find("\tarc=fail (ARC-Message-Signature i=2: body hash did not verify)\r\n") != std::string::npos);

    // No ARC fields at all.
    v = check_mail(dns, kSettings, request("192.0.2.10", "alerts@bank.example", "alerts@bank.example"), zero);
    CHECK(v.message.find("\tarc=none\r\n") != std::string::npos);

    // Spooled: the bytes are read back once for DKIM and ARC alike.
    mr::storage::test::TempDir dir;
    auto q = storage::Queue::open(dir.path());
    REQUIRE(q);
    auto spool = std::make_shared<storage::QueueSpool>(dir.path(), storage::Queue::new_id());
    REQUIRE(spool->append(arc_data("arc2.eml")));
    auto s = r;
    s.message.clear();
    s.spool = spool;
    v = check_mail(dns, kSettings, s, zero);
    CHECK(v.error.empty());
    std::ifstream in(spool->path(), std::ios::binary);
    std::ostringstream written;
    written << in.rdbuf();
    CHECK(written.str().starts_with("Authentication-Results: mx.example.net;"));
    CHECK(written.str().find("\tarc=pass (i=2) header.oldest-pass=0\r\n") != std::string::npos);
}

#include "common/dns/dns_cache.hpp"

namespace {

// The zone's answers, kept for 300 s (ZoneDns says 0: not to be kept).
struct KeptZone final : dns::DnsClient {
    ZoneDns& zone;
    explicit KeptZone(ZoneDns& z) : zone(z) {}
    dns::DnsAnswer lookup(std::string_view name, dns::RecordType type) override {
        auto a = zone.lookup(name, type);
        if (a.status != dns::DnsAnswer::Status::TempFail) a.ttl = 300;
        return a;
    }
};

}  // namespace

TEST_CASE("mail auth: checked from the DNS cache alone only when it answers every question") {
    auto zone = bank();
    KeptZone kept(zone);
    dns::DnsCache cache;
    auto r = request("192.0.2.10", "alerts@bank.example", "alerts@bank.example");
    // Nothing kept yet: no verdict, and the request is as it was (the worker checks it).
    auto first = check_mail_cached(cache, kSettings, r, zero);
    CHECK_FALSE(first.has_value());
    CHECK(r.message.ends_with("Subject: s\r\n\r\nbody\r\n"));
    dns::CachingDnsClient through(kept, cache);
    auto worker = check_mail(through, kSettings, r, zero);
    // Now every answer is kept: the same verdict and message, without asking the zone.
    zone.all_fail = true;
    auto now = check_mail_cached(cache, kSettings, r, zero);
    REQUIRE(now.has_value());
    CHECK(now->action == worker.action);
    CHECK(now->summary == worker.summary);
    CHECK(now->message == worker.message);
    // Another sender's domain is not in the cache: back to the worker.
    auto other = request("198.51.100.7", "sales@shop.example", "sales@shop.example");
    CHECK_FALSE(check_mail_cached(cache, kSettings, other, zero).has_value());
}
