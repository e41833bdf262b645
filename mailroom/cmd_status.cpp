// `mailroom status [--json]`: one screen on whether the server is healthy: the daemons of
// `mailroom up` (up_status.hpp), the queue, the certificate's expiry and the disk.
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/statvfs.h>

#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "common/text/mail_date.hpp"
#include "mailroom/commands.hpp"
#include "mailroom/json_output.hpp"
#include "mailroom/up_status.hpp"
#include "storage/queue.hpp"

namespace mr::cli {

namespace fs = std::filesystem;

namespace {

bool running(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

std::string duration(std::int64_t seconds) {
    if (seconds < 0) seconds = 0;
    const std::int64_t d = seconds / 86400, h = seconds / 3600 % 24, m = seconds / 60 % 60;
    if (d > 0) return std::to_string(d) + "d " + std::to_string(h) + "h";
    if (h > 0) return std::to_string(h) + "h " + std::to_string(m) + "m";
    return std::to_string(m) + "m " + std::to_string(seconds % 60) + "s";
}

// The certificate's notAfter in seconds since the epoch; nullopt when unreadable.
std::optional<std::int64_t> certificate_expiry(const fs::path& file) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(file.c_str(), "r"), &std::fclose);
    if (!f) return std::nullopt;
    std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr), &X509_free);
    if (!cert) return std::nullopt;
    std::tm tm{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) != 1) return std::nullopt;
    return static_cast<std::int64_t>(timegm(&tm));
}

struct QueueSummary {
    std::size_t messages = 0;
    std::size_t deferred = 0;  // recipients waiting for a retry
    std::int64_t oldest = 0;   // received time of the oldest entry
    std::map<std::string, std::string> last_error;  // destination domain → newest error
};

QueueSummary summarise_queue(const fs::path& data_dir) {
    QueueSummary q;
    auto queue = storage::Queue::open(data_dir);
    if (!queue) return q;
    auto entries = queue->list();
    if (!entries) return q;
    std::map<std::string, std::int64_t> when;
    for (const auto& e : *entries) {
        ++q.messages;
        if (q.oldest == 0 || e.received < q.oldest) q.oldest = e.received;
        for (const auto& r : e.recipients) {
            if (r.state != storage::RecipientState::Deferred) continue;
            ++q.deferred;
            const auto at = r.address.rfind('@');
            const std::string domain = at == std::string::npos ? r.address : r.address.substr(at + 1);
            if (!r.last_error.empty() && r.next_attempt >= when[domain]) {
                when[domain] = r.next_attempt;
                q.last_error[domain] = r.last_error;
            }
        }
    }
    return q;
}

__attribute__((format(printf, 1, 2))) std::string format(const char* f, ...) {
    char buf[512];
    va_list args;
    va_start(args, f);
    std::vsnprintf(buf, sizeof buf, f, args);
    va_end(args);
    return buf;
}

void status(CliContext& ctx) {
    const auto& cfg = ctx.config();
    ctx.drop_privileges();
    const std::int64_t now = std::time(nullptr);
    toml::table json;
    std::ostringstream text;

    const auto up = read_up_status(cfg.server.data_dir);
    const bool up_running = up && running(up->pid);
    toml::array daemons;
    if (up_running) {
        text << "mailroom up: running (pid " << up->pid << ", up " << duration(now - up->started) << ")\n";
        for (const auto& d : up->daemons) {
            const bool alive = running(d.pid);
            text << format("  %-9s %-10s pid %-7d up %-9s restarts %d\n", d.name.c_str(),
                           alive ? "running" : "restarting", static_cast<int>(d.pid),
                           alive ? duration(now - d.started).c_str() : "-", d.restarts);
            daemons.push_back(toml::table{{"name", d.name},
                                          {"running", alive},
                                          {"pid", static_cast<std::int64_t>(d.pid)},
                                          {"uptime_s", alive ? now - d.started : 0},
                                          {"restarts", d.restarts}});
        }
    } else {
        text << "mailroom up: not running\n";
    }
    json.insert("running", up_running);
    json.insert("daemons", std::move(daemons));

    const auto q = summarise_queue(cfg.server.data_dir);
    text << "queue: " << q.messages << " messages, " << q.deferred << " recipients deferred";
    if (q.messages > 0) text << ", oldest " << duration(now - q.oldest);
    text << "\n";
    toml::table errors;
    for (const auto& [domain, error] : q.last_error) {
        text << "  last error for " << domain << ": " << error << "\n";
        errors.insert(domain, error);
    }
    json.insert("queue", toml::table{{"messages", static_cast<std::int64_t>(q.messages)},
                                     {"deferred_recipients", static_cast<std::int64_t>(q.deferred)},
                                     {"oldest_age_s", q.messages > 0 ? now - q.oldest : 0},
                                     {"last_error", std::move(errors)}});

    if (auto expiry = certificate_expiry(cfg.tls.cert)) {
        text << "certificate: " << cfg.tls.cert.string() << " expires " << mr::text::readable_utc_minute(*expiry)
             << " (in " << duration(*expiry - now) << ")" << (*expiry - now < 14 * 86400 ? "  WARNING: renew it" : "") << "\n";
        json.insert("certificate", toml::table{{"file", cfg.tls.cert.string()},
                                               {"expires", *expiry},
                                               {"days_left", (*expiry - now) / 86400}});
    } else {
        text << "certificate: " << cfg.tls.cert.string() << " unreadable\n";
    }

    struct statvfs vfs {};
    if (::statvfs(cfg.server.data_dir.c_str(), &vfs) == 0) {
        const auto total = static_cast<std::uint64_t>(vfs.f_blocks) * vfs.f_frsize;
        const auto avail = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
        text << format("disk: %s: %.1f GiB free of %.1f GiB\n", cfg.server.data_dir.c_str(),
                       static_cast<double>(avail) / (1 << 30), static_cast<double>(total) / (1 << 30));
        json.insert("disk", toml::table{{"path", cfg.server.data_dir.string()},
                                        {"free_bytes", static_cast<std::int64_t>(avail)},
                                        {"total_bytes", static_cast<std::int64_t>(total)}});
    }
    if (ctx.json) {
        std::cout << toml::json_formatter{json} << "\n";
    } else {
        std::cout << text.str();
    }
}
}  // namespace

void add_status_command(CLI::App& app, CliContext& ctx) {
    auto* s = app.add_subcommand("status", "Daemons, queue, certificate expiry and disk space on one screen");
    s->add_flag("--json", ctx.json, "Print JSON instead");
    s->callback([&ctx] { status(ctx); });
}

}  // namespace mr::cli
