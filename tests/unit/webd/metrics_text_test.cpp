#include "webd/proto/metrics_text.hpp"

#include <doctest/doctest.h>

using namespace mr::webd::proto;
using mr::metrics::Slot;

namespace {

std::uint64_t& at(mr::metrics::Values& v, Slot s) { return v[static_cast<std::size_t>(s)]; }

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

}  // namespace

TEST_CASE("metrics text: counters per daemon, sums, gauges, a cumulative histogram") {
    MetricsSnapshot m;
    mr::metrics::Values deliverd{}, smtpd{};
    at(smtpd, Slot::Connections) = 7;
    at(smtpd, Slot::MessagesReceived) = 3;
    at(smtpd, Slot::RejectRelay) = 2;
    at(smtpd, Slot::AuthFailures) = 1;
    at(deliverd, Slot::Delivered) = 3;
    at(deliverd, Slot::Deferred) = 1;
    at(deliverd, mr::metrics::latency_bucket(0.05)) = 1;  // <= 0.1
    at(deliverd, mr::metrics::latency_bucket(3)) = 2;     // <= 5
    at(deliverd, Slot::LatencySumMs) = 6050;
    at(deliverd, Slot::LatencyCount) = 3;
    m.daemons = {{"deliverd", deliverd}, {"smtpd", smtpd}};
    m.queue_messages = 4;
    m.queue_oldest_age_s = 90;
    m.store_bytes = 12345;
    const std::string t = render_metrics(m);

    CHECK(has_line(t, "# TYPE mailroom_connections_total counter"));
    CHECK(has_line(t, "mailroom_connections_total{daemon=\"smtpd\"} 7"));
    CHECK(has_line(t, "mailroom_connections_total{daemon=\"deliverd\"} 0"));
    CHECK(has_line(t, "mailroom_messages_received_total 3"));
    CHECK(has_line(t, "mailroom_messages_delivered_total 3"));
    CHECK(has_line(t, "mailroom_messages_deferred_total 1"));
    CHECK(has_line(t, "mailroom_smtp_rejections_total{reason=\"relay\"} 2"));
    CHECK(has_line(t, "mailroom_smtp_rejections_total{reason=\"dnsbl\"} 0"));
    CHECK(has_line(t, "mailroom_auth_failures_total{daemon=\"smtpd\"} 1"));
    CHECK(has_line(t, "mailroom_queue_messages 4"));
    CHECK(has_line(t, "mailroom_queue_oldest_age_seconds 90"));
    CHECK(has_line(t, "mailroom_store_bytes 12345"));
    CHECK(has_line(t, "# TYPE mailroom_delivery_latency_seconds histogram"));
    CHECK(has_line(t, "mailroom_delivery_latency_seconds_bucket{le=\"0.1\"} 1"));
    CHECK(has_line(t, "mailroom_delivery_latency_seconds_bucket{le=\"1\"} 1"));
    CHECK(has_line(t, "mailroom_delivery_latency_seconds_bucket{le=\"5\"} 3"));
    CHECK(has_line(t, "mailroom_delivery_latency_seconds_bucket{le=\"+Inf\"} 3"));
    CHECK(has_line(t, "mailroom_delivery_latency_seconds_sum 6.05"));
    CHECK(has_line(t, "mailroom_delivery_latency_seconds_count 3"));
    CHECK(t.ends_with("\n"));
}

TEST_CASE("metrics: latency buckets are upper bounds, the last one open") {
    CHECK(mr::metrics::latency_bucket(0) == Slot::LatencyBucket0);
    CHECK(mr::metrics::latency_bucket(0.1) == Slot::LatencyBucket0);
    CHECK(mr::metrics::latency_bucket(0.11) == static_cast<Slot>(static_cast<int>(Slot::LatencyBucket0) + 1));
    CHECK(mr::metrics::latency_bucket(1e9) == Slot::LatencyBucketLast);
}
