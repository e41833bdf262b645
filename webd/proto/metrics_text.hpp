// The Prometheus text exposition format (version 0.0.4) of what mailroom counts: the
// daemons' counters files (common/metrics/counters.hpp) and the gauges webd reads itself.
// Pure: a snapshot in, the document out.
//
// Invariants:
// - Every family has one # HELP and one # TYPE line, then its samples; names and label
//   values are ours (daemon names from file names we wrote, fixed reasons), never a peer's.
// - Counters per daemon carry a daemon="..." label; counters only one daemon keeps
//   (messages, rejections, latency) are summed over the files, so a renamed daemon never
//   splits a series.
// - The latency histogram's buckets are cumulative with le="+Inf" equal to _count.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/metrics/counters.hpp"

namespace mr::webd::proto {

struct MetricsSnapshot {
    std::vector<std::pair<std::string, metrics::Values>> daemons;  // by name, sorted
    std::uint64_t queue_messages = 0;
    std::uint64_t queue_deferred_recipients = 0;
    std::int64_t queue_oldest_age_s = 0;  // 0 when the queue is empty
    std::uint64_t store_bytes = 0;        // the files under the data dir
};

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_metrics(const MetricsSnapshot& snapshot);

}  // namespace mr::webd::proto
