// See sort_cache.hpp.
#include "imapd/session/sort_cache.hpp"

#include <algorithm>
#include <numeric>
#include <utility>

namespace mr::imapd::session {

std::uint32_t SortCacheBox::add(std::uint32_t uid, CachedMessage message) {
    auto [it, added] = slots_.try_emplace(uid, static_cast<std::uint32_t>(entries_.size()));
    if (!added) {
        entries_[it->second] = std::move(message);
    } else {
        entries_.push_back(std::move(message));
        count_.store(entries_.size(), std::memory_order_relaxed);
    }
    for (auto& r : ranks_) r.clear();  // an entry changed: ranked again when next asked
    return it->second;
}

const std::vector<std::uint32_t>& SortCacheBox::rank(Key key) {
    auto& r = ranks_[static_cast<std::size_t>(key)];
    if (r.size() == entries_.size()) return r;
    std::vector<std::uint32_t> order(entries_.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
              [&](std::uint32_t a, std::uint32_t b) { return compare_by(entries_[a], entries_[b], key) < 0; });
    r.assign(entries_.size(), 0);
    std::uint32_t next = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (i > 0 && compare_by(entries_[order[i - 1]], entries_[order[i]], key) != 0) next = static_cast<std::uint32_t>(i);
        r[order[i]] = next;
    }
    return r;
}

std::vector<std::uint32_t> SortCacheBox::sorted(const std::vector<std::uint32_t>& slots,
                                                const std::vector<std::uint32_t>& positions,
                                                const std::vector<SortCriterion>& criteria) {
    std::vector<const std::vector<std::uint32_t>*> ranks;
    for (const auto& c : criteria) ranks.push_back(&rank(c.key));
    std::vector<std::uint32_t> out;
    out.reserve(slots.size());
    if (criteria.size() == 1) {
        // One key: (rank, position) packed in one integer, the common case made cheap.
        const auto& r = *ranks.front();
        const bool reverse = criteria.front().reverse;
        std::vector<std::uint64_t> packed(slots.size());
        for (std::size_t i = 0; i < slots.size(); ++i) {
            const std::uint32_t k = reverse ? ~r[slots[i]] : r[slots[i]];
            packed[i] = (std::uint64_t{k} << 32) | positions[i];
        }
        std::sort(packed.begin(), packed.end());
        for (std::uint64_t p : packed) out.push_back(static_cast<std::uint32_t>(p));
        return out;
    }
    std::vector<std::uint32_t> order(slots.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        for (std::size_t c = 0; c < criteria.size(); ++c) {
            const std::uint32_t x = (*ranks[c])[slots[a]], y = (*ranks[c])[slots[b]];
            if (x != y) return criteria[c].reverse ? x > y : x < y;
        }
        return positions[a] < positions[b];
    });
    for (std::uint32_t i : order) out.push_back(positions[i]);
    return out;
}

std::shared_ptr<SortCacheBox> SortCache::box(const std::filesystem::path& user_dir, std::uint64_t index_id,
                                             const std::string& mailbox, std::uint32_t uidvalidity) {
    std::string key = user_dir.string();
    for (const std::string& part : {std::to_string(index_id), mailbox, std::to_string(uidvalidity)}) {
        key += '\0';
        key += part;
    }
    std::lock_guard lock(mutex_);
    Held& held = boxes_[key];
    if (!held.box) held.box = std::make_shared<SortCacheBox>();
    held.used = ++clock_;
    std::shared_ptr<SortCacheBox> wanted = held.box;
    for (;;) {
        std::size_t total = 0;
        auto oldest = boxes_.end();
        for (auto it = boxes_.begin(); it != boxes_.end(); ++it) {
            total += it->second.box->size();
            if (it->second.box != wanted && (oldest == boxes_.end() || it->second.used < oldest->second.used))
                oldest = it;
        }
        if (total <= kMaxEntries || oldest == boxes_.end()) break;
        boxes_.erase(oldest);
    }
    return wanted;
}

SortCache& sort_cache() {
    static SortCache cache;
    return cache;
}

}  // namespace mr::imapd::session
