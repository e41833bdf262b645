// mr::metrics — what the daemons count for webd's /metrics (Prometheus).
//
// The daemons are separate processes; webd must read their counts without a protocol
// between them. So each daemon maps a small file of its own, <data_dir>/run/metrics/
// <daemon>.counters (MAP_SHARED), and adds to its slots with atomic operations; webd maps
// each file read-only at a scrape. No thread, timer or flush: a count is visible the moment
// it is made, and a restarted daemon reopens its file and counts on, so the counters stay
// monotonic as Prometheus expects.
//
// Invariants:
// - A file is kHeader ("mrmetric" + layout version, 8 bytes each) then kSlots little-endian
//   uint64 slots indexed by Slot. A file of another size or version is started anew by its
//   daemon and skipped by a reader: a new layout starts from zero, never misreads.
// - add()/observe_latency() before open() (unit tests, the CLI) or after a failed open()
//   do nothing: counting never stops a daemon.
// - The histogram's slots are per bucket (not cumulative); the renderer adds them up.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace mr::metrics {

enum class Slot : std::uint16_t {
    Connections,        // accepted connections of this daemon's listeners
    MessagesReceived,   // smtpd: messages queued (250 to DATA/BDAT)
    Delivered,          // deliverd: per recipient
    Deferred,
    Bounced,
    RejectRelay,        // smtpd: refused, by reason
    RejectUnknownUser,
    RejectSpf,
    RejectDmarc,
    RejectDnsbl,
    RejectRate,         // connection or login limits
    AuthFailures,       // failed logins of this daemon
    LatencyBucket0,     // deliverd: seconds from queueing to final delivery, per bucket ...
    LatencyBucketLast = LatencyBucket0 + 11,
    LatencySumMs,
    LatencyCount,
    Count_
};

inline constexpr std::size_t kSlots = static_cast<std::size_t>(Slot::Count_);
inline constexpr std::uint64_t kLayoutVersion = 1;
// Upper bounds (seconds) of the latency buckets; the last is +Inf.
inline constexpr std::array<double, 11> kLatencyBounds = {0.1, 0.5, 1, 5, 15, 60, 300, 1800, 3600, 21600, 86400};
static_assert(static_cast<std::size_t>(Slot::LatencyBucketLast) - static_cast<std::size_t>(Slot::LatencyBucket0) ==
              kLatencyBounds.size());

using Values = std::array<std::uint64_t, kSlots>;

std::filesystem::path metrics_dir(const std::filesystem::path& data_dir);

// Maps this process's counters file (creating run/metrics/ and the file as needed).
// Failures are logged once; counting then does nothing.
void open(const std::filesystem::path& data_dir, std::string_view daemon);

void add(Slot slot, std::uint64_t n = 1);
// One delivery that took `seconds` from queueing (a bucket, the sum, the count).
void observe_latency(double seconds);
// The bucket slot a latency falls in (pure; for tests).
Slot latency_bucket(double seconds);

// A counters file's values, nullopt when it is missing, of another layout or unreadable.
std::optional<Values> read_file(const std::filesystem::path& file);

}  // namespace mr::metrics
