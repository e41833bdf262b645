#include "webd/server/metrics_source.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>

#include "common/metrics/counters.hpp"
#include "storage/queue.hpp"
#include "webd/proto/metrics_text.hpp"

namespace mr::webd::server {

namespace fs = std::filesystem;

namespace {

constexpr auto kStoreWalkEvery = std::chrono::seconds(60);
constexpr std::string_view kCountersSuffix = ".counters";

std::uint64_t bytes_under(const fs::path& dir) {
    std::uint64_t sum = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        std::error_code size_ec;
        if (it->is_regular_file(size_ec)) {
            const auto n = it->file_size(size_ec);
            if (!size_ec) sum += n;
        }
    }
    return sum;
}

void read_counters(const fs::path& data_dir, proto::MetricsSnapshot& m) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(metrics::metrics_dir(data_dir), ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.ends_with(kCountersSuffix)) continue;
        if (auto values = metrics::read_file(entry.path())) {
            m.daemons.emplace_back(name.substr(0, name.size() - kCountersSuffix.size()), *values);
        }
    }
    std::sort(m.daemons.begin(), m.daemons.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

void read_queue(const fs::path& data_dir, proto::MetricsSnapshot& m) {
    auto queue = storage::Queue::open(data_dir);
    if (!queue) return;
    auto entries = queue->list();
    if (!entries) return;
    std::int64_t oldest = 0;
    for (const auto& e : *entries) {
        ++m.queue_messages;
        if (oldest == 0 || e.received < oldest) oldest = e.received;
        for (const auto& r : e.recipients) {
            if (r.state == storage::RecipientState::Deferred) ++m.queue_deferred_recipients;
        }
    }
    if (oldest != 0) m.queue_oldest_age_s = std::max<std::int64_t>(0, std::time(nullptr) - oldest);
}

struct StoreSize {
    std::chrono::steady_clock::time_point at;
    std::uint64_t bytes = 0;
    bool known = false;
};

}  // namespace

std::function<std::string()> metrics_document(const fs::path& data_dir) {
    auto store = std::make_shared<StoreSize>();
    return [data_dir, store] {
        proto::MetricsSnapshot m;
        read_counters(data_dir, m);
        read_queue(data_dir, m);
        const auto now = std::chrono::steady_clock::now();
        if (!store->known || now - store->at >= kStoreWalkEvery) {
            store->bytes = bytes_under(data_dir);
            store->at = now;
            store->known = true;
        }
        m.store_bytes = store->bytes;
        return proto::render_metrics(m);
    };
}

}  // namespace mr::webd::server
