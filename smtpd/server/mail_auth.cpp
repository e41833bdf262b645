#include "smtpd/server/mail_auth.hpp"

#include <arpa/inet.h>

#include <fstream>
#include <optional>
#include <random>

#include "common/dns/cares_client.hpp"
#include "common/dns/dns_cache.hpp"
#include "common/log/log.hpp"
#include "common/mailauth/arc_verify.hpp"
#include "common/mailauth/auth_results.hpp"
#include "common/mailauth/dkim_verify.hpp"
#include "common/mailauth/dmarc.hpp"
#include "common/mailauth/dnsbl.hpp"
#include "common/mailauth/signed_message.hpp"
#include "common/mailauth/spf.hpp"
#include "common/mime/header_parser.hpp"

namespace mr::smtpd::server {

namespace {

constexpr std::size_t kMaxHeader = 1024 * 1024;
// A spooled message up to this size is read back whole for DKIM (a few worker threads at
// most hold one each).
constexpr std::uint64_t kMaxVerifiedSpool = 64 * 1024 * 1024;
// The checks run on the loop thread only for a message at most this large, with at most
// this many signatures to verify: about 0.1 ms of hashing and two or three verifications,
// less than handing the message to a worker thread and back costs.
constexpr std::size_t kMaxCheckedNow = 64 * 1024;
constexpr std::size_t kMaxSignaturesNow = 4;

std::string domain_of(const std::string& address) {
    const auto at = address.rfind('@');
    return at == std::string::npos ? std::string() : address.substr(at + 1);
}

}  // namespace

Result<std::string> spool_head(const storage::QueueSpool& spool) {
    std::ifstream in(spool.path(), std::ios::binary);
    if (!in) return Error::internal("cannot read spool " + spool.path().string());
    std::string head;
    std::string chunk(64 * 1024, '\0');
    while (in && head.size() < kMaxHeader) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        head.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
        mime::HeaderScanner scan(head);
        while (scan.next()) {
        }
        if (scan.has_empty_line()) {
            head.resize(scan.body_start());
            return head;
        }
    }
    return head;  // no empty line: all of it is header
}

namespace {

bool has_arc_fields(std::string_view head) {
    mime::HeaderScanner scan(head);
    while (auto f = scan.next()) {
        if (mime::header_name_equals(f->name, "ARC-Seal")) return true;
    }
    return false;
}

}  // namespace

bool is_local_client(const std::string& ip) {
    unsigned char b[16];
    if (inet_pton(AF_INET, ip.c_str(), b) == 1) return b[0] == 127;
    if (inet_pton(AF_INET6, ip.c_str(), b) == 1) {
        static constexpr unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::equal(b, b + 16, kLoopback)) return true;
        return std::equal(b, b + 12, kMapped) && b[12] == 127;
    }
    return false;
}

namespace {

// The spooled message read back whole, once: DKIM, ARC and the header all look at it.
Result<std::string> read_spool(const storage::QueueSpool& spool) {
    std::ifstream file(spool.path(), std::ios::binary);
    if (!file) return Error::internal("cannot read spool " + spool.path().string());
    std::string whole(static_cast<std::size_t>(spool.size()), '\0');
    file.read(whole.data(), static_cast<std::streamsize>(whole.size()));
    if (file.bad()) return Error::internal("cannot read spool " + spool.path().string());
    whole.resize(static_cast<std::size_t>(file.gcount()));
    return whole;
}

}  // namespace

namespace {

// The fields that each cost one signature verification (ARC-Authentication-Results does not).
std::size_t signature_fields(std::string_view head) {
    std::size_t n = 0;
    mime::HeaderScanner scan(head);
    while (auto f = scan.next()) {
        n += mime::header_name_equals(f->name, "DKIM-Signature") || mime::header_name_equals(f->name, "ARC-Seal") ||
             mime::header_name_equals(f->name, "ARC-Message-Signature");
    }
    return n;
}

// What the checks found, before the message is touched: the verdict (action, reply,
// summary) and our Authentication-Results field.
struct Findings {
    MailAuthVerdict verdict;
    std::string field;
};

// `message` is the whole message when `whole`, else its header section only.
Findings evaluate(dns::DnsClient& dns, const MailAuthSettings& settings, const MailAuthRequest& request,
                  std::string_view message, std::string_view head, bool whole, const std::function<int()>& sample) {
    Findings found;
    MailAuthVerdict& v = found.verdict;
    mailauth::AuthResults results;
    results.authserv_id = settings.authserv_id;
    mailauth::SpfQuery q{request.client_ip, request.sender, request.helo, settings.authserv_id,
                         static_cast<std::int64_t>(request.now)};
    results.spf = mailauth::check_spf(dns, q);
    results.spf_from_helo = request.sender.empty();
    results.spf_identity = request.sender.empty() ? request.helo : request.sender;

    std::vector<mailauth::DkimResult> dkim;
    const auto now = static_cast<std::int64_t>(request.now);
    if (whole) {
        mailauth::SignedMessage parsed(message);  // one split, one body hash, for both
        dkim = mailauth::verify_dkim(dns, parsed, now);
        results.arc = mailauth::verify_arc(dns, parsed, now);
    } else if (has_arc_fields(head)) {
        results.arc.result = mailauth::ArcVerdict::Fail;
        results.arc.reason = "message too large to verify";
    }
    std::vector<std::string> dkim_pass;
    bool dkim_doubt = false;
    for (const auto& d : dkim) {
        results.dkim.push_back({std::string(mailauth::dkim_verdict_name(d.result)), d.domain, d.selector,
                                d.header_b, d.result == mailauth::DkimVerdict::Pass ? std::string() : d.reason});
        if (d.result == mailauth::DkimVerdict::Pass) dkim_pass.push_back(d.domain);
        dkim_doubt |= d.result == mailauth::DkimVerdict::TempError;
    }

    mailauth::DmarcInput in{head, request.sender.empty() ? request.helo : domain_of(request.sender),
                            results.spf.result == mailauth::SpfResult::Pass, std::move(dkim_pass)};
    results.dmarc = mailauth::check_dmarc(dns, in, sample);

    const auto& dmarc = results.dmarc;
    const bool dns_doubt = results.spf.result == mailauth::SpfResult::TempError || dkim_doubt;
    if (settings.dmarc_enforce && dmarc.result == mailauth::DmarcResult::Fail &&
        dmarc.applied != mailauth::DmarcPolicy::None && dns_doubt) {
        v.action = MailAuthVerdict::Action::TempFail;
        v.reply = Reply{451, "4.7.1", "Cannot verify the sender now (DNS), try again later"};
    } else if (settings.dmarc_enforce && dmarc.result == mailauth::DmarcResult::Fail &&
               dmarc.applied == mailauth::DmarcPolicy::Reject) {
        v.action = MailAuthVerdict::Action::Reject;
        v.refused_by_dmarc = true;
        v.reply = Reply{550, "5.7.1", "Rejected by the DMARC policy of " + dmarc.from_domain};
    } else if (settings.spf_reject && results.spf.result == mailauth::SpfResult::Fail) {
        v.action = MailAuthVerdict::Action::Reject;
        const std::string why = results.spf.explanation.empty()
                                    ? results.spf.domain + " does not allow " + request.client_ip + " to send its mail"
                                    : results.spf.explanation;
        v.reply = Reply{550, "5.7.23", "SPF check failed: " + why};
    } else if (settings.dmarc_enforce && dmarc.result == mailauth::DmarcResult::Fail &&
               dmarc.applied == mailauth::DmarcPolicy::Quarantine) {
        v.action = MailAuthVerdict::Action::Junk;
    }
    v.summary = "spf=" + std::string(mailauth::spf_result_name(results.spf.result));
    for (const auto& d : results.dkim) v.summary += " dkim=" + d.result + (d.domain.empty() ? "" : "/" + d.domain);
    if (results.dkim.empty()) v.summary += " dkim=none";
    v.summary += " dmarc=" + std::string(mailauth::dmarc_result_name(dmarc.result));
    v.summary += " arc=" + std::string(mailauth::arc_verdict_name(results.arc.result));
    if (v.action != MailAuthVerdict::Action::Reject && v.action != MailAuthVerdict::Action::TempFail) {
        found.field = mailauth::authentication_results_field(results);
    }
    return found;
}

// The accepted message with our field on top and forged ones removed: a spooled one
// rewritten in place (`head_now`: its new header block), one in memory moved into the
// verdict. `head` views the message.
MailAuthVerdict finish(Findings found, MailAuthRequest& request, std::string_view message, std::string_view head,
                       const MailAuthSettings& settings, std::string* head_now = nullptr) {
    MailAuthVerdict v = std::move(found.verdict);
    if (found.field.empty()) return v;  // refused
    int removed = 0;
    const std::string clean_head = mailauth::remove_our_results(head, settings.authserv_id, removed);
    if (removed > 0) v.summary += " forged_results_removed=" + std::to_string(removed);
    if (request.spool) {
        std::string written = found.field + clean_head;
        if (auto r = request.spool->replace_prefix(written, head.size()); !r) {
            v.error = r.error().message;
        } else if (head_now != nullptr) {
            *head_now = std::move(written);
        }
    } else if (removed == 0) {
        v.message = std::move(request.message);  // `message` and `head` view it: used no more
        v.message.insert(0, found.field);
    } else {
        v.message.reserve(found.field.size() + clean_head.size() + message.size() - head.size());
        v.message = found.field;
        v.message += clean_head;
        v.message += message.substr(head.size());
    }
    return v;
}

// Answers from the cache alone; a question it cannot answer is a miss, not a lookup.
class CachedAnswers final : public dns::DnsClient {
public:
    explicit CachedAnswers(dns::DnsCache& cache) : cache_(cache) {}
    dns::DnsAnswer lookup(std::string_view name, dns::RecordType type) override {
        if (auto kept = cache_.get(name, type, dns::DnsCache::Clock::now())) return std::move(*kept);
        missed_ = true;
        return {};  // TempFail
    }
    bool missed() const { return missed_; }

private:
    dns::DnsCache& cache_;
    bool missed_ = false;
};

}  // namespace

MailAuthVerdict check_mail(dns::DnsClient& dns, const MailAuthSettings& settings, MailAuthRequest request,
                           const std::function<int()>& sample, const AfterCheck& after) {
    // The whole message (in memory, or a spooled one read back once, bounded: a larger one
    // is reported unverified rather than held in memory) and its header section.
    std::string spooled;
    bool whole = true;
    if (request.spool) {
        whole = request.spool->size() <= kMaxVerifiedSpool;
        auto read = whole ? read_spool(*request.spool) : spool_head(*request.spool);
        if (!read) {
            MailAuthVerdict v;
            v.error = read.error().message;
            return v;
        }
        spooled = std::move(*read);
    }
    const std::string_view message = request.spool ? std::string_view(spooled) : std::string_view(request.message);
    const std::string_view head = mime::header_section(message);
    Findings found = evaluate(dns, settings, request, message, head, whole, sample);
    SpoolCopy copy;
    MailAuthVerdict v = finish(std::move(found), request, message, head, settings, &copy.head);
    const bool accepted = v.action == MailAuthVerdict::Action::Accept || v.action == MailAuthVerdict::Action::Junk;
    if (!after || !accepted) return v;
    const bool copied = request.spool && whole && !copy.head.empty();
    if (copied) copy.body = message.substr(head.size());
    after(v, copied ? &copy : nullptr);
    return v;
}

std::optional<MailAuthVerdict> check_mail_cached(dns::DnsCache& cache, const MailAuthSettings& settings,
                                                 MailAuthRequest& request, const std::function<int()>& sample) {
    if (request.spool || request.message.size() > kMaxCheckedNow) return std::nullopt;
    const std::string_view message(request.message);
    const std::string_view head = mime::header_section(message);
    if (signature_fields(head) > kMaxSignaturesNow) return std::nullopt;
    CachedAnswers dns(cache);
    Findings found = evaluate(dns, settings, request, message, head, true, sample);
    if (dns.missed()) return std::nullopt;
    return finish(std::move(found), request, message, head, settings);
}

MailAuthChecker::MailAuthChecker(const config::Config& cfg)
    : settings_{cfg.server.hostname, cfg.mailauth.spf_fail == "reject", cfg.mailauth.dmarc_enforce},
      dnsbl_(cfg.mailauth.dnsbl),
      check_local_(cfg.mailauth.check_local_clients),
      dns_servers_(cfg.dns.servers),
      dns_timeout_(cfg.mailauth.dns_timeout_ms),
      workers_(std::make_unique<net::WorkerThreads>(static_cast<unsigned>(cfg.mailauth.check_threads), 1024)) {}

MailAuthChecker::~MailAuthChecker() { stop(); }

void MailAuthChecker::stop() { workers_->stop(); }

// One resolver per worker thread, made on its first use, all of them answering from the
// checker's one cache first.
dns::DnsClient* MailAuthChecker::resolver(std::string& error) {
    thread_local std::unique_ptr<dns::CaresDnsClient> client;
    thread_local std::unique_ptr<dns::CachingDnsClient> cached;
    if (!client) {
        auto made = dns::CaresDnsClient::create(dns_servers_, dns_timeout_);
        if (!made) {
            error = "no DNS resolver: " + made.error().message;
            return nullptr;
        }
        client = std::move(*made);
        cached = std::make_unique<dns::CachingDnsClient>(*client, dns_cache_);
    }
    return cached.get();
}

bool MailAuthChecker::check_client(net::Loop& loop, std::weak_ptr<void> alive, std::string ip,
                                   std::function<void(std::string reason)> done) {
    return workers_->submit(
        loop, std::move(alive),
        [this, ip = std::move(ip)]() -> std::string {
            std::string error;
            auto* dns = resolver(error);
            if (dns == nullptr) return {};
            auto listed = mailauth::check_dnsbl(*dns, ip, dnsbl_);
            return listed ? listed->reason : std::string();
        },
        std::move(done));
}

std::optional<MailAuthVerdict> MailAuthChecker::check_now(MailAuthRequest& request) {
    return check_mail_cached(dns_cache_, settings_, request, [this] { return static_cast<int>(rng_() % 100); });
}

bool MailAuthChecker::check(net::Loop& loop, std::weak_ptr<void> alive, MailAuthRequest request,
                            std::function<void(MailAuthVerdict)> done, AfterCheck after) {
    auto req = std::make_shared<MailAuthRequest>(std::move(request));
    return workers_->submit(
        loop, std::move(alive),
        [this, req, after = std::move(after)]() {
            thread_local std::mt19937 rng{std::random_device{}()};
            MailAuthVerdict v;
            auto* dns = resolver(v.error);
            if (dns == nullptr) {
                v.message = std::move(req->message);
                return v;
            }
            return check_mail(*dns, settings_, std::move(*req), [] { return static_cast<int>(rng() % 100); }, after);
        },
        std::move(done));
}

}  // namespace mr::smtpd::server
