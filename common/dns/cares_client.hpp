// CaresDnsClient: a DnsClient that asks real resolvers with c-ares, blocking the calling
// thread until the answer or the timeout. For worker threads only (mail authentication
// runs beside the loops, never on them); one object per thread.
//
// Invariants:
//  - Resolvers: [dns] servers ("ip:port"), else /etc/resolv.conf; names are absolute (no
//    search list) and /etc/hosts is not read when servers are given.
//  - Waits with poll(2), never select(2): daemons raise their descriptor limit, and a
//    socket above 1023 must not break the wait.
//  - Each query gives up after `timeout` in all (tries included): TempFail.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/dns/dns_client.hpp"
#include "common/util/result.hpp"

namespace mr::dns {

class CaresDnsClient final : public DnsClient {
public:
    static Result<std::unique_ptr<CaresDnsClient>> create(const std::vector<std::string>& servers,
                                                          std::chrono::milliseconds timeout);
    ~CaresDnsClient() override;
    CaresDnsClient(const CaresDnsClient&) = delete;
    CaresDnsClient& operator=(const CaresDnsClient&) = delete;

    DnsAnswer lookup(std::string_view name, RecordType type) override;

    struct Impl;

private:
    explicit CaresDnsClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace mr::dns
