// See mta_sts_refresh.hpp.
#include "deliverd/remote/mta_sts_refresh.hpp"

#include <algorithm>
#include <ctime>

#include "common/dns/cares_client.hpp"
#include "common/log/log.hpp"
#include "common/net/thread_pool.hpp"

namespace mr::deliverd {

tls_policy::FetchOptions mta_sts_fetch_options(const config::Config& cfg) {
    tls_policy::FetchOptions o;
    o.cache_dir = cfg.server.data_dir / "mta-sts";
    o.extra_ca_file = cfg.delivery.ca_file;
    o.port = static_cast<long>(cfg.delivery.mta_sts_port);
    return o;
}

MtaStsRefresher::MtaStsRefresher(net::Loop& loop, const config::Config& cfg)
    : loop_(loop), timer_(loop), dns_servers_(cfg.dns.servers), options_(mta_sts_fetch_options(cfg)) {}

void MtaStsRefresher::start() {
    timer_.start(std::chrono::milliseconds(0), [this] { scan(); });
}

void MtaStsRefresher::stop() {
    timer_.stop();
    alive_.reset();
}

void MtaStsRefresher::scan() {
    if (!alive_) return;
    net::run_off_loop(
        loop_, std::weak_ptr<int>(alive_),
        [servers = dns_servers_, options = options_]() -> Result<tls_policy::RefreshScan> {
            auto client = dns::CaresDnsClient::create(servers, std::chrono::milliseconds(5000));
            if (!client) return client.error();
            return tls_policy::refresh_due_policies(**client, options, std::time(nullptr));
        },
        [this](Result<tls_policy::RefreshScan> done) {
            std::int64_t wait = kRescanEvery.count();
            if (!done) {
                log::warn("mta_sts_refresh_failed", {log::Field("error", done.error().message)});
            } else {
                for (const auto& r : done->refreshed) {
                    if (!r.failed) {
                        log::info("mta_sts_refreshed", {log::Field("domain", r.domain), log::Field("note", r.note)});
                    } else if (r.mode != tls_policy::StsMode::None) {
                        log::warn("mta_sts_refresh_failed",
                                  {log::Field("domain", r.domain), log::Field("mode", tls_policy::mode_name(r.mode)),
                                   log::Field("reason", r.note)});
                    }
                }
                if (done->next_due) wait = std::clamp<std::int64_t>(*done->next_due - std::time(nullptr), 1, wait);
            }
            timer_.start(std::chrono::seconds(wait), [this] { scan(); });
        });
}

}  // namespace mr::deliverd
