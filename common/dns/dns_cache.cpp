#include "common/dns/dns_cache.hpp"

#include <algorithm>

#include "common/text/ascii.hpp"

namespace mr::dns {

std::string DnsCache::key_of(std::string_view name, RecordType type) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    std::string key = text::to_lower(name);
    key += '/';
    key += static_cast<char>('0' + static_cast<int>(type));
    return key;
}

std::optional<DnsAnswer> DnsCache::get(std::string_view name, RecordType type, Clock::time_point now) {
    const std::string key = key_of(name, type);
    std::lock_guard lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    if (it->second->expires <= now) {
        lru_.erase(it->second);
        index_.erase(it);
        return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, it->second);
    DnsAnswer answer = it->second->answer;
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(it->second->expires - now).count();
    answer.ttl = static_cast<std::uint32_t>(std::max<std::int64_t>(left, 0));
    return answer;
}

void DnsCache::put(std::string_view name, RecordType type, const DnsAnswer& answer, Clock::time_point now) {
    if (answer.status == DnsAnswer::Status::TempFail || answer.ttl == 0) return;
    const bool negative = answer.status == DnsAnswer::Status::NxDomain || answer.records.empty();
    const std::uint32_t ttl = std::min(answer.ttl, negative ? kMaxNegativeTtl : kMaxTtl);
    const auto expires = now + std::chrono::seconds(ttl);
    std::string key = key_of(name, type);
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(key); it != index_.end()) {
        it->second->answer = answer;
        it->second->expires = expires;
        lru_.splice(lru_.begin(), lru_, it->second);
        return;
    }
    while (lru_.size() >= capacity_) {
        index_.erase(lru_.back().key);
        lru_.pop_back();
    }
    lru_.push_front(Entry{key, answer, expires});
    index_.emplace(std::move(key), lru_.begin());
}

std::size_t DnsCache::size() const {
    std::lock_guard lock(mutex_);
    return lru_.size();
}

DnsAnswer CachingDnsClient::lookup(std::string_view name, RecordType type) {
    if (auto kept = cache_.get(name, type, now_())) return std::move(*kept);
    DnsAnswer answer = inner_.lookup(name, type);
    cache_.put(name, type, answer, now_());
    return answer;
}

}  // namespace mr::dns
