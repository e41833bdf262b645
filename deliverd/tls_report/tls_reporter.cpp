// TlsReporter; see tls_reporter.hpp for the invariants. Citations are to RFC 8460 unless named.
#include "deliverd/tls_report/tls_reporter.hpp"

#include <sodium.h>

#include <ctime>

#include "common/dkim/key_directory.hpp"
#include "common/dkim/sign_message.hpp"
#include "common/dns/cares_client.hpp"
#include "common/log/log.hpp"
#include "common/net/thread_pool.hpp"
#include "common/text/ascii.hpp"
#include "deliverd/tls_policy/tlsrpt_record.hpp"
#include "deliverd/tls_report/report_mail.hpp"

namespace mr::deliverd::tls_report {

namespace {

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string random_hex() {
    unsigned char bytes[8];
    randombytes_buf(bytes, sizeof bytes);
    char hex[2 * sizeof bytes + 1];
    sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
    return hex;
}

enum class Rua { Found, None, TempFail };

// §3: the mailto: addresses of the domain's `_smtp._tls` record.
Rua mailto_rua(dns::DnsClient& dns, const std::string& domain, std::vector<std::string>& out, std::string& note) {
    auto answer = dns.lookup("_smtp._tls." + domain, dns::RecordType::TXT);
    if (answer.status == dns::DnsAnswer::Status::TempFail) {
        note = "TXT lookup failed";
        return Rua::TempFail;
    }
    auto record = tls_policy::tlsrpt_policy(answer.ok() ? answer.records : std::vector<std::string>{});
    if (!record) {
        note = "no TLSRPTv1 record";
        return Rua::None;
    }
    out = tls_policy::mailto_addresses(*record);
    if (out.empty()) {
        note = "no mailto: rua (https: reports are not sent)";
        return Rua::None;
    }
    if (out.size() < record->rua.size()) {
        log::info("tlsrpt_rua_skipped", {{"domain", domain}, {"reason", "https: rua is not supported"}});
    }
    return Rua::Found;
}

}  // namespace

std::unique_ptr<TlsReporter> TlsReporter::create(net::Loop& loop, const config::Config& cfg,
                                                 std::shared_ptr<Stores> stores, std::function<void()> queued) {
    if (!cfg.tls_report.enabled) return nullptr;
    auto counts = SessionCounts::open(cfg.server.data_dir);
    if (!counts) {
        log::error("tlsrpt_open_failed", {{"error", counts.error().message}});
        return nullptr;
    }
    return std::unique_ptr<TlsReporter>(
        new TlsReporter(loop, cfg, std::move(stores), std::move(*counts), std::move(queued)));
}

TlsReporter::TlsReporter(net::Loop& loop, const config::Config& cfg, std::shared_ptr<Stores> stores,
                         std::shared_ptr<SessionCounts> counts, std::function<void()> queued)
    : loop_(loop), timer_(loop), stores_(std::move(stores)), counts_(std::move(counts)), queued_(std::move(queued)) {
    settings_.dns_servers = cfg.dns.servers;
    settings_.organization_name = cfg.tls_report.organization_name;
    settings_.contact_info = cfg.tls_report.contact_info;
    // §5.3 (rfc8460.txt:925): "The "TLS-Report-Submitter" value MUST match the value found
    // in the domain [RFC5321] of the "contact-info" from the report body."
    settings_.submitter = text::to_lower(settings_.contact_info.substr(settings_.contact_info.rfind('@') + 1));
    if (cfg.dkim.sign) dkim_keys_ = std::make_shared<dkim::SignerCache>(cfg.dkim.key_dir);
}

TlsReporter::~TlsReporter() { stop(); }

TlsSessionSink TlsReporter::sink() {
    return [this, alive = std::weak_ptr<int>(alive_)](TlsSession session) {
        if (alive.expired() || stopped_) return;
        net::run_off_loop(
            loop_,
            [counts = counts_, session = std::move(session)] {
                if (auto r = counts->record(session, now()); !r) {
                    log::warn("tlsrpt_record_failed", {{"domain", session.policy_domain}, {"error", r.error().message}});
                }
            },
            [] {});
    };
}

void TlsReporter::start() {
    timer_.start_repeating(kCheckEvery, [this] { run(false); });
    run(false);
}

void TlsReporter::send(bool include_today) {
    if (running_) {
        again_ = again_.value_or(false) || include_today;
        return;
    }
    run(include_today);
}

void TlsReporter::stop() {
    stopped_ = true;
    timer_.stop();
}

void TlsReporter::run(bool include_today) {
    if (stopped_ || running_) return;
    running_ = true;
    net::run_off_loop(
        loop_, std::weak_ptr<int>(alive_),
        [counts = counts_, stores = stores_, keys = dkim_keys_, s = settings_, include_today]() -> int {
            const std::int64_t t = now();
            const std::int64_t today = utc_day(t);
            auto taken = counts->take(include_today ? today : today - 1);
            if (!taken) {
                log::error("tlsrpt_read_failed", {{"error", taken.error().message}});
                return 0;
            }
            if (taken->empty()) return 0;
            auto dns = dns::CaresDnsClient::create(s.dns_servers, std::chrono::milliseconds(5000));
            int queued = 0;
            for (const auto& d : *taken) {
                std::vector<std::string> rua;
                std::string note;
                Rua found = dns ? mailto_rua(**dns, d.policy_domain, rua, note) : Rua::TempFail;
                if (found != Rua::Found) {
                    const bool retry = found == Rua::TempFail && d.day + 1 >= today;
                    log::info("tlsrpt_not_sent", {{"domain", d.policy_domain}, {"reason", note}, {"retry", retry}});
                    if (retry) (void)counts->put_back(d);
                    continue;
                }
                ReportMail mail;
                mail.policy_domain = d.policy_domain;
                mail.submitter = s.submitter;
                mail.from = s.contact_info;
                mail.to = rua;
                mail.date = t;
                mail.report.organization_name = s.organization_name;
                mail.report.contact_info = s.contact_info;
                mail.report.start = d.day * kDay;
                mail.report.end = std::min(t, (d.day + 1) * kDay);
                mail.report.report_id = random_hex() + "@" + s.submitter;
                mail.report.policies = d.policies;
                std::string message = report_message(mail);
                if (keys) {
                    if (auto fields = dkim::sign_message(*keys, s.submitter, message, t); fields) {
                        message = *fields + message;
                    } else {
                        log::warn("tlsrpt_unsigned", {{"domain", d.policy_domain}, {"error", fields.error().message}});
                    }
                }
                std::vector<storage::QueueRecipient> rcpts(rua.size());
                for (std::size_t i = 0; i < rua.size(); ++i) rcpts[i].address = rua[i];
                Result<std::string> id = Error::internal("not queued");
                {
                    std::lock_guard guard(stores->mutex);
                    id = stores->queue.enqueue("", rcpts, message);
                }
                if (!id) {
                    log::error("tlsrpt_queue_failed", {{"domain", d.policy_domain}, {"error", id.error().message}});
                    (void)counts->put_back(d);
                    continue;
                }
                ++queued;
                log::info("tlsrpt_queued", {log::qid(*id), {"domain", d.policy_domain}, {"to", rua.front()},
                                            {"report_id", mail.report.report_id}});
            }
            return queued;
        },
        [this](int queued) {
            running_ = false;
            if (queued > 0 && queued_) queued_();
            if (again_) {
                const bool today = *again_;
                again_.reset();
                run(today);
            }
        });
}

}  // namespace mr::deliverd::tls_report
