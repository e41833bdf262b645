// TlsReporter: deliverd's side of SMTP TLS Reporting (RFC 8460) around SessionCounts:
// it records what remote delivery reports of each TLS session, and sends the reports.
//
// Invariants:
// - The loop never blocks: recording, the `_smtp._tls` TXT lookups, building and queueing
//   the reports all run on the thread pool; one report run at a time.
// - §4.1: a report covers one whole UTC day and goes out after it ended. A run takes the
//   counts of every day before today (also days that ended while deliverd was down), at
//   start and then every kCheckEvery, or when send() asks (`mailroom tlsrpt send`);
//   send(true) (`--now`) takes today's counts so far too, as a report that ends now.
// - One report per policy domain and day, to the rua=mailto: addresses of the domain's
//   one TLSRPTv1 record (tlsrpt_record.hpp); no record, or https: addresses only: logged
//   and dropped (we do not POST reports). A failed lookup (TempFail) puts the counts back
//   for the next run while the day is at most a day old.
// - Reports enter our own queue from the null reverse-path (a report that cannot be
//   delivered bounces to nobody), DKIM-signed for contact_info's domain when it has keys
//   ([dkim] sign), as vacation replies are; remote delivery neither enforces MTA-STS/DANE
//   for them (§5.3) nor counts their sessions (report_mail.hpp: is_report_message).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/net/loop.hpp"
#include "common/net/timer.hpp"
#include "deliverd/queue_work.hpp"
#include "deliverd/tls_report/session_counts.hpp"
#include "deliverd/tls_report/tls_session.hpp"

namespace mr::dkim {
class SignerCache;
}

namespace mr::deliverd::tls_report {

class TlsReporter {
public:
    static constexpr std::chrono::hours kCheckEvery{1};

    // `queued` runs on the loop after a run queued at least one report (wake the runner).
    static std::unique_ptr<TlsReporter> create(net::Loop& loop, const config::Config& cfg,
                                               std::shared_ptr<Stores> stores, std::function<void()> queued);
    ~TlsReporter();

    // For RemoteDelivery::create: adds each session to today's counts.
    TlsSessionSink sink();
    void start();
    // A run now (after the one under way); include_today: also today's counts so far.
    void send(bool include_today);
    void stop();

private:
    struct Settings {
        std::vector<std::string> dns_servers;
        std::string organization_name;
        std::string contact_info;
        std::string submitter;
        bool dkim_sign = false;
    };
    TlsReporter(net::Loop& loop, const config::Config& cfg, std::shared_ptr<Stores> stores,
                std::shared_ptr<SessionCounts> counts, std::function<void()> queued);
    void run(bool include_today);

    net::Loop& loop_;
    net::Timer timer_;
    Settings settings_;
    std::shared_ptr<Stores> stores_;
    std::shared_ptr<SessionCounts> counts_;
    std::shared_ptr<dkim::SignerCache> dkim_keys_;
    std::function<void()> queued_;
    bool running_ = false;
    std::optional<bool> again_;  // send() during a run: another one after it (include_today)
    bool stopped_ = false;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace mr::deliverd::tls_report
