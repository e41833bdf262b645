// RemoteDelivery: scheduling of attempts over DNS and SMTP connections. Invariants are in
// remote_delivery.hpp; the rules of this file:
// - A "slot" is one outbound attempt: from the DNS lookup through connecting and talking to
//   the last close. A slot counts against both the total and its destination's limit. A
//   connection that finished a message keeps its slot while it idles for the next one.
// - A destination is the recipient domain, or "[smarthost]" for everything when a smarthost
//   is set: connections are shared by, and limits apply to, one destination.
// - Jobs leave `waiting` for exactly one attempt; an attempt moves through the destination's
//   targets (MX hosts by preference, each address) until a server takes the transaction or
//   the list ends. Each job's done() runs exactly once (finish_job), never re-entrantly
//   inside pump().
// - Before its MX lookup a job learns its destination's TLS policies on the thread pool
//   (MTA-STS from tls_policy/mta_sts_fetch, DANE from tls_policy/dane); they decide which
//   targets are tried (apply_mx_policy), with which TLS context (try_next_target) and that
//   a TLS failure is never retried in the clear (on_failure).
#include "deliverd/remote/remote_delivery.hpp"

#include <arpa/inet.h>

#include <netinet/in.h>

#include <deque>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "common/dns/cares_client.hpp"
#include "common/dns/reverse_dns.hpp"
#include "common/log/log.hpp"
#include "common/net/thread_pool.hpp"
#include "common/net/address.hpp"
#include "common/net/tls_context.hpp"
#include "common/text/ascii.hpp"
#include "deliverd/remote/dns_resolver.hpp"
#include "deliverd/remote/smtp_connection.hpp"
#include "deliverd/remote/dane_tls.hpp"
#include "deliverd/remote/mta_sts_refresh.hpp"
#include "deliverd/remote/tls_session_report.hpp"
#include "deliverd/tls_policy/dane.hpp"
#include "deliverd/tls_policy/mta_sts_fetch.hpp"

namespace mr::deliverd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kSmarthostKey = "[smarthost]";

struct Job {
    RemoteMessage message;
    RemoteDelivery::Done done;
    std::string destination;
    std::vector<MailTarget> targets;
    std::size_t next_target = 0;
    std::string last_error;
    // An opportunistic STARTTLS handshake failed with this target: try it once more in the
    // clear (RFC 7435 §4, as other MTAs do) before moving on.
    std::optional<MailTarget> retry_plain;
    bool all_permanent = true;  // every server so far refused for good (5xx greeting/HELO)
    // Whose MTA-STS policy and DANE records apply: the recipient domain, or the smarthost's
    // name (RFC 8461 §3.4, RFC 7672 §2.2.2); empty for a smarthost given as an address.
    std::string policy_domain;
    // The destination's MTA-STS policy (RFC 8461), when it has one in enforce or testing mode.
    std::optional<tls_policy::StsPolicy> sts;
    std::vector<std::string> sts_lines;  // its text, for TLS reports (RFC 8460 §4.4)
    bool sts_enforced() const { return sts && sts->mode == tls_policy::StsMode::Enforce; }
    // MX hosts under DANE (RFC 7672), lower-case: they win over MTA-STS (RFC 8461 §2).
    std::map<std::string, tls_policy::DaneHost> dane;
    const tls_policy::DaneHost* dane_of(const std::string& host) const {
        auto it = dane.find(text::to_lower(host));
        return it == dane.end() ? nullptr : &it->second;
    }
    bool finished = false;
};
using JobPtr = std::shared_ptr<Job>;

// What the thread pool found out about a destination before its MX hosts are tried.
struct TlsPolicies {
    tls_policy::PolicyLookup sts;
    tls_policy::DanePolicy dane;
};

// One connection as a TLS session of RFC 8460: which server, and whether it was counted.
struct SessionAttempt {
    std::string host;
    std::string ip;
    bool plain_retry = false;  // the opportunistic retry in the clear after a failed handshake
    bool counted = false;
};

struct DestinationState {
    std::deque<JobPtr> waiting;
    std::size_t slots = 0;
    std::vector<SmtpConnection*> idle;
};

bool is_address_literal(const std::string& host) {
    in6_addr a{};
    return inet_pton(AF_INET, host.c_str(), &a) == 1 || inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

void set_port(sockaddr_storage& ss, int port) {
    if (ss.ss_family == AF_INET) {
        reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(static_cast<std::uint16_t>(port));
    } else if (ss.ss_family == AF_INET6) {
        reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = htons(static_cast<std::uint16_t>(port));
    }
}

class RemoteDeliveryImpl final : public RemoteDelivery, private SmtpConnectionOwner {
public:
    RemoteDeliveryImpl(net::Loop& loop, const config::Config& cfg, tls_report::TlsSessionSink tls_sessions)
        : loop_(loop), cfg_(cfg.delivery), tls_sessions_(std::move(tls_sessions)) {
        settings_.helo_name = cfg.server.hostname;
        timeouts_.command = seconds(cfg_.command_timeout_s);
        timeouts_.data_block = seconds(cfg_.data_block_timeout_s);
        timeouts_.data_done = seconds(cfg_.data_done_timeout_s);
        timeouts_.reuse_idle = seconds(cfg_.reuse_idle_s);

        auto resolver = DnsResolver::create(loop, cfg.dns.servers);
        if (resolver) {
            resolver_ = std::move(resolver).value();
        } else {
            setup_error_ = "DNS resolver: " + resolver.error().message;
        }
        // MX hosts: opportunistic, unauthenticated STARTTLS (RFC 7435 / RFC 3207 §4.1).
        if (auto ctx = net::TlsContext::client({false, {}}); ctx) mx_tls_ = *ctx;
        // MX hosts under an MTA-STS policy: PKIX verification, the system store plus ca_file.
        if (auto ctx = net::TlsContext::client({true, {}, cfg_.ca_file, {}}); ctx) {
            verified_tls_ = *ctx;
        } else {
            setup_error_ = "TLS client context: " + ctx.error().message;
        }
        sts_options_ = mta_sts_fetch_options(cfg);
        dns_servers_ = cfg.dns.servers;
        trust_ad_ = cfg.dns.trust_ad;
        if (!cfg_.smarthost.empty()) setup_smarthost();
        if (!setup_error_.empty()) log::error("remote_delivery_setup_failed", {log::Field("error", setup_error_)});
        decide_ipv6(cfg);
    }

    // IPv6 to the Internet only from an address whose reverse DNS names our host
    // (common/dns/reverse_dns.hpp): Gmail refuses IPv6 mail without it. Decided once at
    // start, off the loop; until then, and when it does not hold, such targets are skipped
    // and mail goes over IPv4.
    void decide_ipv6(const config::Config& cfg) {
        std::weak_ptr<int> alive = alive_;
        net::run_off_loop(
            loop_,
            [servers = cfg.dns.servers, hostname = cfg.server.hostname]() -> std::string {
                auto source = dns::outbound_ipv6_source();
                if (!source) return "no IPv6 route";
                auto client = dns::CaresDnsClient::create(servers, std::chrono::milliseconds(5000));
                if (!client) return client.error().message;
                return dns::reverse_dns_problem(**client, *source, hostname);
            },
            [this, alive](std::string problem) {
                if (alive.expired()) return;
                ipv6_ok_ = problem.empty();
                log::info("outbound_ipv6", {{"allowed", ipv6_ok_}, {"reason", problem}});
            });
    }

    // The targets we may connect to: global IPv6 addresses only when ipv6_ok_.
    std::vector<MailTarget> usable(std::vector<MailTarget> targets) const {
        if (ipv6_ok_) return targets;
        std::vector<MailTarget> out;
        for (auto& t : targets) {
            if (t.address.ss_family == AF_INET6) {
                char buf[INET6_ADDRSTRLEN] = {};
                inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&t.address)->sin6_addr, buf, sizeof buf);
                if (dns::is_global_ipv6(buf)) continue;
            }
            out.push_back(std::move(t));
        }
        return out;
    }

    ~RemoteDeliveryImpl() override {
        shutdown();
        for (auto* c : connections_) c->detach();
    }

    void deliver(RemoteMessage message, Done done) override {
        auto job = std::make_shared<Job>();
        job->destination = smarthost_ ? kSmarthostKey : message.domain;
        // A report's connections verify nothing (RFC 8460 §5.3): never shared with mail that
        // its destination's policies protect.
        if (message.tls_report) job->destination += " [tls report]";
        if (!smarthost_) {
            job->policy_domain = message.domain;
        } else if (!is_address_literal(smarthost_->host)) {
            job->policy_domain = text::to_lower(smarthost_->host);
        }
        job->message = std::move(message);
        job->done = std::move(done);
        if (job->message.recipients.empty()) {
            finish_job(job, RemoteOutcome::TempFail, "");
            return;
        }
        if (shut_down_ || !setup_error_.empty()) {
            finish_job(job, RemoteOutcome::TempFail, shut_down_ ? "remote delivery is shutting down" : setup_error_);
            return;
        }
        destinations_[job->destination].waiting.push_back(job);
        pump();
    }

    void shutdown() override {
        if (shut_down_) return;
        shut_down_ = true;
        for (auto& [key, dest] : destinations_) {
            auto waiting = std::move(dest.waiting);
            for (auto& job : waiting) finish_job(job, RemoteOutcome::TempFail, "remote delivery is shutting down");
        }
        for (auto& job : std::set<JobPtr>(resolving_)) finish_job(job, RemoteOutcome::TempFail, "remote delivery is shutting down");
        // Connections: their messages fail now (TempFail: nothing is certain before the reply
        // to the dot); the slots come back in on_closed.
        for (auto& [c, job] : std::map<SmtpConnection*, JobPtr>(jobs_)) {
            finish_job(job, RemoteOutcome::TempFail, "remote delivery is shutting down");
        }
        for (auto* c : std::set<SmtpConnection*>(connections_)) {
            if (c->ready()) {
                c->quit();  // idle: a polite goodbye; the loop may or may not run long enough
            } else {
                c->abort();
            }
        }
    }

private:
    // --- scheduling -------------------------------------------------------------------------

    void pump() {
        if (pumping_) {
            pump_again_ = true;
            return;
        }
        pumping_ = true;
        do {
            pump_again_ = false;
            for (auto& [key, dest] : destinations_) pump_destination(key, dest);
        } while (pump_again_);
        std::erase_if(destinations_, [](const auto& kv) {
            return kv.second.waiting.empty() && kv.second.slots == 0 && kv.second.idle.empty();
        });
        pumping_ = false;
    }

    void pump_destination(const std::string& key, DestinationState& dest) {
        while (!dest.waiting.empty() && !shut_down_) {
            if (!dest.idle.empty()) {
                SmtpConnection* c = dest.idle.back();
                dest.idle.pop_back();
                JobPtr job = dest.waiting.front();
                dest.waiting.pop_front();
                start_on(*c, job);
                continue;
            }
            if (dest.slots >= static_cast<std::size_t>(cfg_.max_connections_per_domain)) return;
            if (total_slots_ >= static_cast<std::size_t>(cfg_.max_connections)) {
                close_one_idle_elsewhere(key);
                return;
            }
            JobPtr job = dest.waiting.front();
            dest.waiting.pop_front();
            ++dest.slots;
            ++total_slots_;
            resolve(job);
        }
    }

    // Total limit reached: an idle connection to another destination gives its slot up.
    void close_one_idle_elsewhere(const std::string& key) {
        for (auto& [other, dest] : destinations_) {
            if (other == key || dest.idle.empty()) continue;
            SmtpConnection* c = dest.idle.back();
            dest.idle.pop_back();
            c->quit();
            return;
        }
    }

    void release_slot(const std::string& key) {
        auto& dest = destinations_[key];
        if (dest.slots > 0) --dest.slots;
        if (total_slots_ > 0) --total_slots_;
    }

    // --- one attempt --------------------------------------------------------------------------

    // Off the loop: the destination's MTA-STS policy (DNS TXT, HTTPS fetch, cache file);
    // then its MX hosts.
    void resolve(const JobPtr& job) {
        resolving_.insert(job);
        if (job->policy_domain.empty() || job->message.tls_report) {
            resolve_targets(job);
            return;
        }
        net::run_off_loop(
            loop_, std::weak_ptr<int>(alive_),
            [servers = dns_servers_, options = sts_options_, trust_ad = trust_ad_, domain = job->policy_domain,
             relay_port = smarthost_ ? smarthost_->port : 0]() {
                TlsPolicies out;
                auto client = dns::CaresDnsClient::create(servers, std::chrono::milliseconds(5000));
                if (!client) {
                    out.sts.note = client.error().message;
                    return out;
                }
                out.sts = tls_policy::find_mta_sts_policy(**client, domain, options, std::time(nullptr));
                // [dns] trust_ad: only then does the AD bit mean anything.
                if (trust_ad) {
                    out.dane = relay_port != 0 ? tls_policy::find_dane_relay(**client, domain, relay_port)
                                               : tls_policy::find_dane(**client, domain);
                }
                return out;
            },
            [this, job](TlsPolicies found) {
                if (found.sts.policy && found.sts.policy->policy.mode != tls_policy::StsMode::None) {
                    job->sts = found.sts.policy->policy;
                    job->sts_lines = policy_lines(found.sts.policy->text);
                }
                if (!found.sts.fetch_failure.empty()) {
                    tls_report::TlsSession failed = session_of(*job, "");
                    failed.policy_type = "sts";  // RFC 8460 §4.3.2.2: the policy we could not get
                    failed.result_type = found.sts.fetch_failure;
                    failed.receiving_mx_hostname = "mta-sts." + job->policy_domain;
                    report_session(*job, std::move(failed));
                }
                job->dane = std::move(found.dane.hosts);
                // RFC 8461 §3.3 (rfc8461.txt:587): "MTAs SHOULD alert administrators (through
                // the use of logs or similar) when such attempts fail".
                if (found.sts.note.starts_with("policy fetch failed")) {
                    log::warn("mta_sts_fetch_failed", {log::qid(job->message.queue_id),
                                                       log::Field("domain", job->policy_domain),
                                                       log::Field("cached", job->sts.has_value()),
                                                       log::Field("reason", found.sts.note)});
                }
                log::debug("mta_sts_policy",
                           {log::qid(job->message.queue_id), log::Field("domain", job->policy_domain),
                            log::Field("mode", job->sts ? tls_policy::mode_name(job->sts->mode) : "none"),
                            log::Field("note", found.sts.note)});
                if (trust_ad_) {
                    log::debug("dane_policy", {log::qid(job->message.queue_id), log::Field("domain", job->policy_domain),
                                               log::Field("hosts", job->dane.size()), log::Field("note", found.dane.note)});
                }
                if (job->finished) {  // cut short by shutdown
                    resolving_.erase(job);
                    release_slot(job->destination);
                    return;
                }
                resolve_targets(job);
            });
    }

    void resolve_targets(const JobPtr& job) {
        auto on_done = [this, job](Destination d) {
            resolving_.erase(job);
            if (job->finished) {  // cut short by shutdown
                release_slot(job->destination);
                return;
            }
            switch (d.status) {
            case Destination::Status::Ok:
                job->targets = usable(std::move(d.targets));
                if (!apply_mx_policy(job)) break;
                if (!job->targets.empty()) {
                    try_next_target(job);
                    return;
                }
                finish_job(job, RemoteOutcome::TempFail,
                           "451 4.4.0 " + job->message.domain +
                               " has only IPv6 mail servers, and our IPv6 address has no matching reverse DNS"
                               " (mailroom check)");
                break;
            case Destination::Status::NullMx:
            case Destination::Status::NotFound:
                finish_job(job, RemoteOutcome::PermFail, d.reason);
                break;
            case Destination::Status::TempFail:
                finish_job(job, RemoteOutcome::TempFail, d.reason);
                break;
            }
            release_slot(job->destination);
            pump();
        };
        if (smarthost_) {
            resolver_->resolve_host(smarthost_->host, on_done);
        } else {
            resolver_->resolve_mail_domain(job->message.domain, on_done);
        }
    }

    // RFC 8461 §4.1/§5: under "enforce" only MX hosts the policy names are tried; when none
    // is left the attempt is deferred (finished here: false). "testing" only logs.
    bool apply_mx_policy(const JobPtr& job_ptr) {
        Job& job = *job_ptr;
        if (!job.dane.empty()) {
            // RFC 7672 §2.2: a host whose TLSA records could not be looked up is skipped.
            std::string why;
            std::set<std::string> counted;
            std::erase_if(job.targets, [&](const MailTarget& t) {
                const auto* d = job.dane_of(t.host);
                if (d == nullptr || !d->unusable) return false;
                why = d->reason;
                if (counted.insert(t.host).second) {
                    // RFC 8460 §4.3.2.1: "no valid records were returned from the recursive resolver".
                    tls_report::TlsSession failed = session_of(job, t.host);
                    failed.result_type = "dnssec-invalid";
                    failed.receiving_mx_hostname = t.host;
                    failed.failure_reason_code = d->reason;
                    report_session(job, std::move(failed));
                }
                return true;
            });
            if (job.targets.empty()) {
                finish_job(job_ptr, RemoteOutcome::TempFail, "451 4.7.5 DANE: " + why);
                return false;
            }
        }
        if (!job.sts) return true;
        std::string refused;
        std::vector<MailTarget> kept;
        for (const auto& t : job.targets) {
            // RFC 8461 §2: DANE wins over MTA-STS for a host with usable TLSA records.
            if (tls_policy::mx_allowed(*job.sts, t.host) || job.dane_of(t.host) != nullptr) {
                kept.push_back(t);
            } else if (refused.find(t.host) == std::string::npos) {
                refused += (refused.empty() ? "" : ", ") + t.host;
            }
        }
        if (refused.empty()) return true;
        log::warn("mta_sts_mx_mismatch", {log::qid(job.message.queue_id), log::Field("domain", job.policy_domain),
                                          log::Field("mode", tls_policy::mode_name(job.sts->mode)),
                                          log::Field("hosts", refused)});
        if (!job.sts_enforced()) return true;
        job.targets = std::move(kept);
        if (!job.targets.empty()) return true;
        finish_job(job_ptr, RemoteOutcome::TempFail,
                   "451 4.7.5 MTA-STS policy of " + job.policy_domain + " (enforce) allows none of its MX hosts (" +
                       refused + ")");
        return false;
    }

    // Connects to the job's next target, or gives up when there is none; the slot goes with it.
    void try_next_target(const JobPtr& job) {
        if (shut_down_ || job->finished) {
            if (!job->finished) finish_job(job, RemoteOutcome::TempFail, "remote delivery is shutting down");
            release_slot(job->destination);
            return;
        }
        if (job->next_target >= job->targets.size() && !job->retry_plain) {
            bool perm = job->all_permanent && !job->last_error.empty();
            finish_job(job, perm ? RemoteOutcome::PermFail : RemoteOutcome::TempFail,
                       job->last_error.empty() ? "no server could be reached" : job->last_error);
            release_slot(job->destination);
            pump();
            return;
        }
        bool plain = job->retry_plain.has_value();
        MailTarget target = plain ? *job->retry_plain : job->targets[job->next_target++];
        job->retry_plain.reset();
        set_port(target.address, smarthost_ ? smarthost_->port : static_cast<int>(cfg_.remote_port));
        auto* addr = reinterpret_cast<const sockaddr*>(&target.address);
        std::string label = target.host + "[" + net::format_address(addr, false) + "]";
        SessionSettings settings = settings_;
        std::shared_ptr<net::TlsContext> tls = mx_tls_;
        std::string sni = target.host;
        if (smarthost_) {
            settings.tls = smarthost_tls_mode_;
            settings.auth_user = cfg_.smarthost_user;
            settings.auth_password = smarthost_password_;
            tls = smarthost_tls_;
        }
        if (const auto* dane = job->dane_of(target.host); dane != nullptr) {
            // RFC 7672 §2.2: STARTTLS and a certificate matching the TLSA records, or nothing.
            settings.tls = TlsMode::Required;
            auto ctx = dane_tls_context(target.host, dane->tlsa);
            if (!ctx) {
                tls_report::TlsSession failed = session_of(*job, target.host);
                failed.result_type = "tlsa-invalid";  // RFC 8460 §4.3.2.1
                failed.receiving_mx_hostname = target.host;
                failed.receiving_ip = net::format_address(addr, false);
                failed.failure_reason_code = ctx.error().message;
                report_session(*job, std::move(failed));
                job->last_error = "451 4.7.5 DANE: " + ctx.error().message;
                job->all_permanent = false;
                try_next_target(job);
                return;
            }
            tls = *ctx;
        } else if (job->sts_enforced()) {
            // RFC 8461 §4.2: STARTTLS and a certificate valid for the MX host, or nothing.
            // A smarthost already verified against smarthost_ca_file keeps that context.
            settings.tls = TlsMode::Required;
            if (!smarthost_ || smarthost_tls_mode_ != TlsMode::Required) tls = verified_tls_;
        }
        if (plain && settings.tls == TlsMode::Opportunistic) tls = nullptr;
        log::debug("remote_connecting", {log::qid(job->message.queue_id), log::Field("host", label)});
        SmtpConnection* c = SmtpConnection::open(loop_, addr, seconds(cfg_.connect_timeout_s), tls, sni,
                                                 settings, timeouts_, label, *this);
        c->destination = job->destination;
        connections_.insert(c);
        jobs_[c] = job;
        attempts_[c] = SessionAttempt{target.host, net::format_address(addr, false), plain, false};
    }

    void start_on(SmtpConnection& c, const JobPtr& job) {
        jobs_[&c] = job;
        c.begin(job->message);
    }

    Job* job_of(SmtpConnection& c) {
        auto it = jobs_.find(&c);
        return it == jobs_.end() ? nullptr : it->second.get();
    }
    JobPtr take_job(SmtpConnection& c) {
        auto it = jobs_.find(&c);
        if (it == jobs_.end()) return nullptr;
        JobPtr job = it->second;
        jobs_.erase(it);
        return job;
    }

    // --- SmtpConnectionOwner ------------------------------------------------------------------

    void on_ready(SmtpConnection& c) override {
        if (auto a = attempts_.find(&c); a != attempts_.end() && !a->second.counted && job_of(c) != nullptr) {
            a->second.counted = true;
            // A plaintext retry was counted as the handshake that failed before it.
            if (c.tls_active() || !a->second.plain_retry) {
                report_attempt(*job_of(c), c, a->second, c.tls_active() ? "" : "starttls-not-supported", "");
            }
        }
        auto it = jobs_.find(&c);
        if (it != jobs_.end()) {
            if (it->second->finished) {
                take_job(c);
            } else {
                c.begin(it->second->message);  // a fresh connection: its first message
                return;
            }
        }
        auto& dest = destinations_[c.destination];
        if (shut_down_) {
            c.quit();
            return;
        }
        if (!dest.waiting.empty()) {
            JobPtr job = dest.waiting.front();
            dest.waiting.pop_front();
            start_on(c, job);
            return;
        }
        dest.idle.push_back(&c);  // its own timer says QUIT after reuse_idle_s
        pump();                   // another destination may be waiting for a slot
    }

    void on_results(SmtpConnection& c, std::vector<RcptStatus> results) override {
        JobPtr job = take_job(c);
        if (!job || job->finished) return;
        std::vector<RecipientResult> out;
        out.reserve(job->message.recipients.size());
        for (std::size_t i = 0; i < job->message.recipients.size(); ++i) {
            RecipientResult r;
            r.address = job->message.recipients[i].address;
            if (i < results.size()) {
                r.outcome = results[i].outcome;
                r.reply = std::move(results[i].reply);
            }
            r.remote_host = c.label();
            // The server took NOTIFY: a success or later failure notice is now its job.
            r.remote_dsn = c.remote_dsn() && r.outcome == RemoteOutcome::Delivered &&
                           !job->message.recipients[i].dsn_notify.empty();
            log::info("remote_result", {log::qid(job->message.queue_id), log::Field("rcpt", r.address),
                                        log::Field("host", r.remote_host), log::Field("outcome", outcome_name(r.outcome)),
                                        log::Field("reply", r.reply)});
            out.push_back(std::move(r));
        }
        job->finished = true;
        auto done = std::move(job->done);
        done(std::move(out));
    }

    void on_failure(SmtpConnection& c, const SessionFailure& failure) override {
        Job* job = job_of(c);
        log::info("remote_server_failed", {log::Field("host", c.label()), log::Field("reason", failure.reason)});
        if (job == nullptr) return;
        if (auto a = attempts_.find(&c); a != attempts_.end() && !a->second.counted) {
            if (failure.no_starttls) {
                a->second.counted = true;
                report_attempt(*job, c, a->second, "starttls-not-supported", failure.reason);
            } else if (failure.during_tls || (c.tls_attempted() && !c.tls_active())) {
                a->second.counted = true;
                const VerifyFailure v = verify_failure(c.tls_verify_error());
                report_attempt(*job, c, a->second, v.result_type, v.reason_code);
            }
        }
        job->last_error = failure.reason;
        if (!failure.permanent) job->all_permanent = false;
        const MailTarget* target = job->next_target > 0 ? &job->targets[job->next_target - 1] : nullptr;
        if (target != nullptr && job->dane_of(target->host) != nullptr) {
            // RFC 7672 §2.2: no STARTTLS or no TLSA match: not this host, and never in the clear.
            job->last_error = "451 4.7.5 DANE (TLSA records of " + target->host + "): " + c.label() + ": " +
                              failure.reason;
            job->all_permanent = false;
            return;
        }
        if (job->sts_enforced()) {
            // RFC 8461 §5: never delivered without verified TLS; tried again later (a temporary failure).
            job->last_error = "451 4.7.5 MTA-STS policy of " + job->policy_domain + " (enforce): " + c.label() +
                              ": " + failure.reason;
            job->all_permanent = false;
            return;
        }
        if (job->sts && failure.during_tls) {
            log::warn("mta_sts_tls_failure", {log::Field("domain", job->policy_domain), log::Field("mode", "testing"),
                                              log::Field("host", c.label()), log::Field("reason", failure.reason)});
        }
        bool opportunistic = !smarthost_ || smarthost_tls_mode_ == TlsMode::Opportunistic;
        if (failure.during_tls && opportunistic && c.tls_attempted() && job->next_target > 0) {
            job->retry_plain = job->targets[job->next_target - 1];
        }
    }

    void on_stale(SmtpConnection& c) override {
        JobPtr job = take_job(c);
        if (job && !job->finished) destinations_[c.destination].waiting.push_front(job);
    }

    void on_closed(SmtpConnection& c) override {
        connections_.erase(&c);
        attempts_.erase(&c);
        auto& dest = destinations_[c.destination];
        std::erase(dest.idle, &c);
        JobPtr job = take_job(c);
        if (job && !job->finished) {
            try_next_target(job);  // the slot passes to the next server
        } else {
            release_slot(c.destination);
        }
        pump();
    }

    // --- helpers -------------------------------------------------------------------------------

    // The policy of `host` as RFC 8460 §4.4 reports it: DANE wins over MTA-STS per host.
    static tls_report::TlsSession session_of(const Job& job, const std::string& host) {
        tls_report::TlsSession s;
        s.policy_domain = job.policy_domain;
        if (const auto* dane = job.dane_of(host); dane != nullptr) {
            s.policy_type = "tlsa";
            s.policy_string = tlsa_strings(dane->tlsa);
        } else if (job.sts) {
            s.policy_type = "sts";
            s.policy_string = job.sts_lines;
            s.mx_host = job.sts->mx;
        }
        return s;
    }

    void report_session(const Job& job, tls_report::TlsSession session) {
        if (!tls_sessions_ || job.policy_domain.empty() || job.message.tls_report) return;
        tls_sessions_(std::move(session));
    }

    // One connection's session: `result_type` empty for a success.
    void report_attempt(const Job& job, const SmtpConnection& c, const SessionAttempt& a, std::string result_type,
                        std::string reason) {
        tls_report::TlsSession s = session_of(job, a.host);
        s.result_type = std::move(result_type);
        s.sending_mta_ip = c.local_ip();
        s.receiving_mx_hostname = a.host;
        s.receiving_ip = a.ip;
        s.failure_reason_code = std::move(reason);
        report_session(job, std::move(s));
    }

    static const char* outcome_name(RemoteOutcome o) {
        switch (o) {
        case RemoteOutcome::Delivered: return "delivered";
        case RemoteOutcome::TempFail: return "tempfail";
        case RemoteOutcome::PermFail: return "permfail";
        }
        return "?";
    }

    void finish_job(const JobPtr& job, RemoteOutcome outcome, const std::string& reason) {
        if (job->finished) return;
        job->finished = true;
        std::vector<RecipientResult> out;
        for (const auto& r : job->message.recipients) {
            RecipientResult res;
            res.address = r.address;
            res.outcome = outcome;
            res.reply = reason.empty() ? "remote delivery is shutting down" : reason;
            log::info("remote_result", {log::qid(job->message.queue_id), log::Field("rcpt", r.address),
                                        log::Field("outcome", outcome_name(outcome)), log::Field("reply", res.reply)});
            out.push_back(std::move(res));
        }
        auto done = std::move(job->done);
        if (done) done(std::move(out));
    }

    void setup_smarthost() {
        auto ep = config::parse_endpoint(cfg_.smarthost);
        if (!ep) {
            setup_error_ = "smarthost: " + ep.error().message;
            return;
        }
        smarthost_ = *ep;
        if (cfg_.smarthost_tls == "required") {
            smarthost_tls_mode_ = TlsMode::Required;
            auto ctx = net::TlsContext::client({true, cfg_.smarthost_ca_file});
            if (!ctx) {
                setup_error_ = "smarthost TLS: " + ctx.error().message;
                return;
            }
            smarthost_tls_ = *ctx;
        } else {
            smarthost_tls_mode_ = TlsMode::Opportunistic;
            smarthost_tls_ = mx_tls_;
        }
        if (!cfg_.smarthost_user.empty()) {
            std::ifstream in(cfg_.smarthost_password_file);
            if (!in || !std::getline(in, smarthost_password_)) {
                setup_error_ = "cannot read smarthost_password_file " + cfg_.smarthost_password_file.string();
                return;
            }
            if (!smarthost_password_.empty() && smarthost_password_.back() == '\r') smarthost_password_.pop_back();
        }
    }

    net::Loop& loop_;
    config::DeliveryConfig cfg_;
    SessionSettings settings_;
    SmtpTimeouts timeouts_;
    std::unique_ptr<DnsResolver> resolver_;
    std::shared_ptr<net::TlsContext> mx_tls_;
    std::shared_ptr<net::TlsContext> smarthost_tls_;
    std::shared_ptr<net::TlsContext> verified_tls_;  // MX hosts under MTA-STS enforce
    tls_policy::FetchOptions sts_options_;
    std::vector<std::string> dns_servers_;
    bool trust_ad_ = false;
    TlsMode smarthost_tls_mode_ = TlsMode::Opportunistic;
    std::optional<config::Endpoint> smarthost_;
    std::string smarthost_password_;
    std::string setup_error_;

    std::map<std::string, DestinationState> destinations_;
    std::set<JobPtr> resolving_;
    std::set<SmtpConnection*> connections_;
    std::map<SmtpConnection*, JobPtr> jobs_;
    std::map<SmtpConnection*, SessionAttempt> attempts_;
    tls_report::TlsSessionSink tls_sessions_;
    std::size_t total_slots_ = 0;
    bool pumping_ = false;
    bool pump_again_ = false;
    bool shut_down_ = false;
    bool ipv6_ok_ = false;  // decide_ipv6()
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace

std::unique_ptr<RemoteDelivery> RemoteDelivery::create(net::Loop& loop, const config::Config& cfg,
                                                       tls_report::TlsSessionSink tls_sessions) {
    return std::make_unique<RemoteDeliveryImpl>(loop, cfg, std::move(tls_sessions));
}

}  // namespace mr::deliverd
