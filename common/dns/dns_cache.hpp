// DnsCache: answers kept for as long as their TTL allows, so that the same few names every
// message asks about (the sender's SPF record, its DKIM keys, its _dmarc record) are asked
// of the resolver once per TTL instead of once per message. CachingDnsClient puts it in
// front of any DnsClient; one cache serves every thread of a daemon (smtpd's checks, and
// whatever else resolves through the same object).
//
// Invariants:
//  - An answer is reused until now + min(ttl, kMaxTtl); TempFail is never kept (the next
//    message asks again). Negative answers (NXDOMAIN, NODATA) are kept as RFC 2308 §5 says,
//    for the TTL the resolver gave (the SOA minimum), at most kMaxNegativeTtl.
//  - Bounded: at most `capacity` answers; a new one evicts the least recently used.
//  - Names are compared case-insensitively, without a final dot (RFC 4343).
//  - Thread-safe: one mutex, held only to find or insert (never during a lookup).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/dns/dns_client.hpp"

namespace mr::dns {

class DnsCache {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::uint32_t kMaxTtl = 24 * 3600;
    static constexpr std::uint32_t kMaxNegativeTtl = 300;
    static constexpr std::size_t kDefaultCapacity = 4096;

    explicit DnsCache(std::size_t capacity = kDefaultCapacity) : capacity_(capacity == 0 ? 1 : capacity) {}

    // The kept answer, its ttl lowered to what is left of it; nullopt when none is fresh.
    std::optional<DnsAnswer> get(std::string_view name, RecordType type, Clock::time_point now);
    // Keeps `answer` when it may be kept (see the invariants).
    void put(std::string_view name, RecordType type, const DnsAnswer& answer, Clock::time_point now);

    std::size_t size() const;

private:
    struct Entry {
        std::string key;
        DnsAnswer answer;
        Clock::time_point expires;
    };
    static std::string key_of(std::string_view name, RecordType type);

    std::size_t capacity_;
    mutable std::mutex mutex_;
    std::list<Entry> lru_;  // most recently used first
    std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

class CachingDnsClient final : public DnsClient {
public:
    using Now = std::function<DnsCache::Clock::time_point()>;
    CachingDnsClient(DnsClient& inner, DnsCache& cache, Now now = &DnsCache::Clock::now)
        : inner_(inner), cache_(cache), now_(std::move(now)) {}

    DnsAnswer lookup(std::string_view name, RecordType type) override;

private:
    DnsClient& inner_;
    DnsCache& cache_;
    Now now_;
};

}  // namespace mr::dns
