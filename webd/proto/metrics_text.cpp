#include "webd/proto/metrics_text.hpp"

#include <cstdio>

namespace mr::webd::proto {

namespace {

using metrics::Slot;

std::uint64_t value(const metrics::Values& v, Slot s) { return v[static_cast<std::size_t>(s)]; }

std::uint64_t total(const MetricsSnapshot& m, Slot s) {
    std::uint64_t sum = 0;
    for (const auto& [name, v] : m.daemons) sum += value(v, s);
    return sum;
}

void family(std::string& out, const char* name, const char* type, const char* help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void sample(std::string& out, const std::string& name, const std::string& labels, const std::string& number) {
    out += name;
    if (!labels.empty()) out += "{" + labels + "}";
    out += ' ';
    out += number;
    out += '\n';
}

void sample(std::string& out, const std::string& name, const std::string& labels, std::uint64_t n) {
    sample(out, name, labels, std::to_string(n));
}

// Per daemon, only the daemons that have the slot at all (smtpd has no deliveries).
void per_daemon(std::string& out, const MetricsSnapshot& m, const char* name, const char* help, Slot s) {
    family(out, name, "counter", help);
    for (const auto& [daemon, v] : m.daemons) sample(out, name, "daemon=\"" + daemon + "\"", value(v, s));
}

void single(std::string& out, const char* name, const char* type, const char* help, std::uint64_t n) {
    family(out, name, type, help);
    sample(out, name, "", n);
}

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", s);
    return buf;
}

}  // namespace

std::string render_metrics(const MetricsSnapshot& m) {
    std::string out;
    per_daemon(out, m, "mailroom_connections_total", "Connections accepted, by daemon.", Slot::Connections);
    per_daemon(out, m, "mailroom_auth_failures_total", "Failed logins, by daemon.", Slot::AuthFailures);
    single(out, "mailroom_messages_received_total", "counter", "Messages smtpd queued.",
           total(m, Slot::MessagesReceived));
    single(out, "mailroom_messages_delivered_total", "counter", "Recipients delivered (locally or to a remote MX).",
           total(m, Slot::Delivered));
    single(out, "mailroom_messages_deferred_total", "counter", "Delivery attempts deferred for a retry.",
           total(m, Slot::Deferred));
    single(out, "mailroom_messages_bounced_total", "counter", "Recipients given up on (a bounce was sent).",
           total(m, Slot::Bounced));

    family(out, "mailroom_smtp_rejections_total", "counter", "SMTP refusals, by reason.");
    const std::pair<const char*, Slot> reasons[] = {
        {"relay", Slot::RejectRelay}, {"unknown_user", Slot::RejectUnknownUser}, {"spf", Slot::RejectSpf},
        {"dmarc", Slot::RejectDmarc}, {"dnsbl", Slot::RejectDnsbl},           {"rate", Slot::RejectRate},
    };
    for (const auto& [reason, slot] : reasons) {
        sample(out, "mailroom_smtp_rejections_total", std::string("reason=\"") + reason + "\"", total(m, slot));
    }

    single(out, "mailroom_queue_messages", "gauge", "Messages in the queue.", m.queue_messages);
    single(out, "mailroom_queue_deferred_recipients", "gauge", "Recipients in the queue waiting for a retry.",
           m.queue_deferred_recipients);
    single(out, "mailroom_queue_oldest_age_seconds", "gauge", "Age of the oldest message in the queue (0: empty).",
           static_cast<std::uint64_t>(m.queue_oldest_age_s < 0 ? 0 : m.queue_oldest_age_s));

    const char* h = "mailroom_delivery_latency_seconds";
    family(out, h, "histogram", "Seconds from queueing to delivery, per delivered recipient.");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= metrics::kLatencyBounds.size(); ++i) {
        cumulative += total(m, static_cast<Slot>(static_cast<std::size_t>(Slot::LatencyBucket0) + i));
        const std::string le = i < metrics::kLatencyBounds.size() ? seconds(metrics::kLatencyBounds[i]) : "+Inf";
        sample(out, std::string(h) + "_bucket", "le=\"" + le + "\"", cumulative);
    }
    sample(out, std::string(h) + "_sum", "", seconds(static_cast<double>(total(m, Slot::LatencySumMs)) / 1000.0));
    sample(out, std::string(h) + "_count", "", total(m, Slot::LatencyCount));

    single(out, "mailroom_store_bytes", "gauge", "Bytes of the files under the data directory (mail, indexes, queue).",
           m.store_bytes);
    return out;
}

}  // namespace mr::webd::proto
