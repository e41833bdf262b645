#include "common/metrics/counters.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <unistd.h>

using namespace mr::metrics;

TEST_CASE("metrics: counts go to the daemon's file and a reader sees them at once") {
    char tmpl[] = "/tmp/mr-metrics-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    const std::filesystem::path dir = tmpl;

    add(Slot::Connections);  // before open(): nothing, and no crash
    open(dir, "smtpd");
    const auto file = metrics_dir(dir) / "smtpd.counters";
    auto before = read_file(file);
    REQUIRE(before);
    CHECK((*before)[static_cast<std::size_t>(Slot::Connections)] == 0);

    add(Slot::Connections);
    add(Slot::RejectRelay, 3);
    observe_latency(2.5);
    auto after = read_file(file);
    REQUIRE(after);
    CHECK((*after)[static_cast<std::size_t>(Slot::Connections)] == 1);
    CHECK((*after)[static_cast<std::size_t>(Slot::RejectRelay)] == 3);
    CHECK((*after)[static_cast<std::size_t>(latency_bucket(2.5))] == 1);
    CHECK((*after)[static_cast<std::size_t>(Slot::LatencySumMs)] == 2500);
    CHECK((*after)[static_cast<std::size_t>(Slot::LatencyCount)] == 1);

    // A file of another layout (size) is not read, nor a missing one.
    const auto other = metrics_dir(dir) / "old.counters";
    std::ofstream(other) << "mrmetric-of-another-size";
    CHECK_FALSE(read_file(other));
    CHECK_FALSE(read_file(metrics_dir(dir) / "missing.counters"));
    std::filesystem::remove_all(dir);
}
