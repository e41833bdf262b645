// MtaStsRefresher: deliverd's background task that keeps cached MTA-STS policies of the
// domains we send to from lapsing (RFC 8461 §5.1, §10.2): tls_policy::refresh_due_policies
// fetches anew each cached policy past half its max_age (or a day old), on the thread pool.
//
// Invariants:
// - A scan runs at start, then when the next cached policy falls due, and at least every
//   kRescanEvery (policies that deliveries cached meanwhile); never more often than once
//   a second, one scan at a time.
// - The loop never blocks: the scan, its DNS and HTTPS run on the thread pool.
// - A failed refresh is a warning naming the domain, unless the cached policy's mode is
//   "none" (§5.1 (rfc8461.txt:588): alert "unless the cached policy mode is "none"").
// - After stop() or destruction no scan starts and no result is logged.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/net/loop.hpp"
#include "common/net/timer.hpp"
#include "deliverd/tls_policy/mta_sts_fetch.hpp"

namespace mr::deliverd {

// How deliverd fetches and caches MTA-STS policies: <data_dir>/mta-sts, [delivery] ca_file
// and mta_sts_port (for remote delivery and the refresher alike).
tls_policy::FetchOptions mta_sts_fetch_options(const config::Config& cfg);

class MtaStsRefresher {
public:
    static constexpr std::chrono::seconds kRescanEvery{600};

    MtaStsRefresher(net::Loop& loop, const config::Config& cfg);
    void start();
    void stop();

private:
    void scan();

    net::Loop& loop_;
    net::Timer timer_;
    std::vector<std::string> dns_servers_;
    tls_policy::FetchOptions options_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace mr::deliverd
