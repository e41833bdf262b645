// The counters file of one daemon, mapped shared; see counters.hpp for the layout.
#include "common/metrics/counters.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>

#include "common/log/log.hpp"

namespace mr::metrics {

namespace {

constexpr char kMagic[8] = {'m', 'r', 'm', 'e', 't', 'r', 'i', 'c'};
constexpr std::size_t kHeaderBytes = 16;  // magic, layout version
constexpr std::size_t kFileBytes = kHeaderBytes + kSlots * sizeof(std::uint64_t);

// The mapping of this process, or null. Set once by open(), before the loop runs.
std::uint64_t* g_slots = nullptr;

bool header_ok(const unsigned char* base) {
    std::uint64_t version = 0;
    std::memcpy(&version, base + 8, sizeof version);
    return std::memcmp(base, kMagic, sizeof kMagic) == 0 && version == kLayoutVersion;
}

}  // namespace

std::filesystem::path metrics_dir(const std::filesystem::path& data_dir) { return data_dir / "run" / "metrics"; }

void open(const std::filesystem::path& data_dir, std::string_view daemon) {
    if (g_slots != nullptr) return;
    std::error_code ec;
    const auto dir = metrics_dir(data_dir);
    std::filesystem::create_directories(dir, ec);
    const auto file = dir / (std::string(daemon) + ".counters");
    // 0640: webd runs as the same account; nobody else reads what the server counts.
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0) {
        log::warn("metrics_unavailable", {{"path", file.string()}, {"error", std::strerror(errno)}});
        if (fd >= 0) ::close(fd);
        return;
    }
    const bool fresh = static_cast<std::size_t>(st.st_size) != kFileBytes;
    if (fresh && (::ftruncate(fd, 0) != 0 || ::ftruncate(fd, static_cast<off_t>(kFileBytes)) != 0)) {
        log::warn("metrics_unavailable", {{"path", file.string()}, {"error", std::strerror(errno)}});
        ::close(fd);
        return;
    }
    void* map = ::mmap(nullptr, kFileBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) {
        log::warn("metrics_unavailable", {{"path", file.string()}, {"error", std::strerror(errno)}});
        return;
    }
    auto* base = static_cast<unsigned char*>(map);
    if (fresh || !header_ok(base)) {
        std::memset(base, 0, kFileBytes);
        std::memcpy(base + 8, &kLayoutVersion, sizeof kLayoutVersion);
        std::memcpy(base, kMagic, sizeof kMagic);  // last: a reader sees a whole header or none
    }
    g_slots = reinterpret_cast<std::uint64_t*>(base + kHeaderBytes);
}

void add(Slot slot, std::uint64_t n) {
    if (g_slots == nullptr) return;
    std::atomic_ref<std::uint64_t>(g_slots[static_cast<std::size_t>(slot)]).fetch_add(n, std::memory_order_relaxed);
}

Slot latency_bucket(double seconds) {
    std::size_t i = 0;
    while (i < kLatencyBounds.size() && seconds > kLatencyBounds[i]) ++i;
    return static_cast<Slot>(static_cast<std::size_t>(Slot::LatencyBucket0) + i);
}

void observe_latency(double seconds) {
    if (seconds < 0) seconds = 0;
    add(latency_bucket(seconds));
    add(Slot::LatencySumMs, static_cast<std::uint64_t>(seconds * 1000));
    add(Slot::LatencyCount);
}

std::optional<Values> read_file(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return std::nullopt;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) != kFileBytes) {
        ::close(fd);
        return std::nullopt;
    }
    void* map = ::mmap(nullptr, kFileBytes, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) return std::nullopt;
    const auto* base = static_cast<const unsigned char*>(map);
    std::optional<Values> values;
    if (header_ok(base)) {
        values.emplace();
        auto* slots = const_cast<std::uint64_t*>(reinterpret_cast<const std::uint64_t*>(base + kHeaderBytes));
        for (std::size_t i = 0; i < kSlots; ++i) {
            (*values)[i] = std::atomic_ref<std::uint64_t>(slots[i]).load(std::memory_order_relaxed);
        }
    }
    ::munmap(map, kFileBytes);
    return values;
}

}  // namespace mr::metrics
