#include "common/config/config.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

#include "common/config/toml_reader.hpp"
#include "common/text/ip_network.hpp"

namespace mr::config {

namespace {

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
    if (p.empty()) return {};
    std::filesystem::path path(p);
    return path.is_absolute() ? path.lexically_normal() : (base / path).lexically_normal();
}

void read_endpoints(TomlReader& r, std::string_view table, std::string_view key, std::vector<std::string>& out) {
    r.string_list(table, key, out);
    for (const auto& ep : out) {
        if (auto e = parse_endpoint(ep); !e) r.fail(table, key, e.error().message);
    }
}

void read_listeners(TomlReader& r, std::string_view key, std::vector<std::string>& out) {
    read_endpoints(r, "listen", key, out);
}

void read_all(TomlReader& r, const std::filesystem::path& base_dir, Config& cfg);

// [delivery]: deliverd's remote delivery (deliverd/remote/).
void read_delivery(TomlReader& r, const std::filesystem::path& base_dir, DeliveryConfig& d) {
    read_endpoints(r, "delivery", "dns_servers", d.dns_servers);
    r.integer("delivery", "remote_port", d.remote_port, 1, 65535);
    r.string("delivery", "smarthost", d.smarthost);
    if (!d.smarthost.empty()) {
        if (auto e = parse_endpoint(d.smarthost); !e) r.fail("delivery", "smarthost", e.error().message);
    }
    r.string("delivery", "smarthost_tls", d.smarthost_tls);
    if (d.smarthost_tls != "required" && d.smarthost_tls != "opportunistic") {
        r.fail("delivery", "smarthost_tls", "must be required or opportunistic");
    }
    std::string ca_file;
    std::string password_file;
    r.string("delivery", "smarthost_ca_file", ca_file);
    r.string("delivery", "smarthost_user", d.smarthost_user);
    r.string("delivery", "smarthost_password_file", password_file);
    d.smarthost_ca_file = resolve(base_dir, ca_file);
    d.smarthost_password_file = resolve(base_dir, password_file);
    std::string extra_ca;
    r.string("delivery", "ca_file", extra_ca);
    d.ca_file = resolve(base_dir, extra_ca);
    r.integer("delivery", "mta_sts_port", d.mta_sts_port, 1, 65535);
    if (!d.smarthost_user.empty() && password_file.empty()) {
        r.fail("delivery", "smarthost_password_file", "required when smarthost_user is set");
    }
    r.integer("delivery", "max_connections", d.max_connections, 1, 100'000);
    r.integer("delivery", "max_connections_per_domain", d.max_connections_per_domain, 1, 100'000);
    r.integer("delivery", "connect_timeout_s", d.connect_timeout_s, 1, 3600);
    r.integer("delivery", "command_timeout_s", d.command_timeout_s, 1, 3600);
    r.integer("delivery", "data_block_timeout_s", d.data_block_timeout_s, 1, 3600);
    r.integer("delivery", "data_done_timeout_s", d.data_done_timeout_s, 1, 3600);
    r.integer("delivery", "reuse_idle_s", d.reuse_idle_s, 0, 3600);
}

}  // namespace

Result<Endpoint> parse_endpoint(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return Error::syntax("'" + std::string(text) + "': expected [ipv6]:port");
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon) {
            return Error::syntax("'" + std::string(text) + "': expected host:port or [ipv6]:port");
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    int value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (host.empty() || ec != std::errc() || ptr != port.data() + port.size() || value < 1 || value > 65535) {
        return Error::syntax("'" + std::string(text) + "': bad host or port (1-65535)");
    }
    return Endpoint{std::string(host), value};
}

Result<Config> parse_config(std::string_view text, const std::string& name,
                            const std::filesystem::path& base_dir) {
    toml::table root;
    try {
        root = toml::parse(text, name);
    } catch (const toml::parse_error& e) {
        return Error::syntax(name + ":" + std::to_string(e.source().begin.line) + ": " +
                             std::string(e.description()));
    }

    Config cfg;
    TomlReader r(root, name);
    read_all(r, base_dir, cfg);
    r.check_unknown_keys();
    if (!r.errors().empty()) {
        std::string all;
        for (const auto& e : r.errors()) all += (all.empty() ? "" : "\n") + e;
        return Error::syntax(all);
    }
    return cfg;
}

std::set<std::string> known_config_keys() {
    toml::table empty;
    TomlReader r(empty, "");
    Config cfg;
    read_all(r, "/", cfg);
    return r.known_keys();
}

namespace {

void read_all(TomlReader& r, const std::filesystem::path& base_dir, Config& cfg) {

    std::string data_dir;
    r.string("server", "hostname", cfg.server.hostname, true);
    r.string("server", "data_dir", data_dir, true);
    cfg.server.run_user = "mailroom";
    r.string("server", "run_user", cfg.server.run_user);
    r.string("server", "log_level", cfg.server.log_level);
    if (cfg.server.log_level != "debug" && cfg.server.log_level != "info" && cfg.server.log_level != "warn" &&
        cfg.server.log_level != "error") {
        r.fail("server", "log_level", "must be one of debug, info, warn, error");
    }
    cfg.server.data_dir = resolve(base_dir, data_dir);

    std::string cert;
    std::string key;
    r.string("tls", "cert", cert, true);
    r.string("tls", "key", key, true);
    cfg.tls.cert = resolve(base_dir, cert);
    cfg.tls.key = resolve(base_dir, key);

    std::string dkim_dir = "dkim";
    r.string("dkim", "key_dir", dkim_dir);
    cfg.dkim.key_dir = resolve(base_dir, dkim_dir);
    r.boolean("dkim", "sign", cfg.dkim.sign);

    read_listeners(r, "smtp", cfg.listen.smtp);
    read_listeners(r, "submission", cfg.listen.submission);
    read_listeners(r, "submissions", cfg.listen.submissions);
    read_listeners(r, "imap", cfg.listen.imap);
    read_listeners(r, "imaps", cfg.listen.imaps);
    read_listeners(r, "pop3", cfg.listen.pop3);
    read_listeners(r, "pop3s", cfg.listen.pop3s);
    read_listeners(r, "managesieve", cfg.listen.managesieve);
    read_listeners(r, "smtp_proxy", cfg.listen.smtp_proxy);
    r.string_list("listen", "proxy_trusted", cfg.listen.proxy_trusted);
    for (const auto& net : cfg.listen.proxy_trusted) {
        if (auto n = text::parse_ip_network(net); !n) r.fail("listen", "proxy_trusted", n.error().message);
    }

    r.integer("limits", "max_connections", cfg.limits.max_connections, 1, 1'000'000);
    r.integer("limits", "max_connections_per_ip", cfg.limits.max_connections_per_ip, 1, 1'000'000);
    r.integer("limits", "max_message_size", cfg.limits.max_message_size, 1024, std::int64_t{1} << 32);

    r.boolean("auth", "allow_plaintext_on_loopback", cfg.auth.allow_plaintext_on_loopback);
    r.integer("auth", "failure_delay_ms", cfg.auth.failure_delay_ms, 0, 60'000);
    r.integer("auth", "max_failures", cfg.auth.max_failures, 1, 1000);
    r.integer("auth", "failure_window_s", cfg.auth.failure_window_s, 1, 7 * 86'400);
    r.integer("auth", "max_failures_per_address", cfg.auth.max_failures_per_address, 0, 1'000'000);
    r.integer("auth", "refusal_period_s", cfg.auth.refusal_period_s, 1, 7 * 86'400);
    r.integer("auth", "check_threads", cfg.auth.check_threads, 1, 64);
    r.integer("auth", "max_queued_checks", cfg.auth.max_queued_checks, 1, 100'000);
    r.integer("auth", "max_checks_per_address", cfg.auth.max_checks_per_address, 1, 1000);

    r.integer("pop3", "idle_timeout_s", cfg.pop3.idle_timeout_s, 600, 86'400);
    r.integer("pop3", "login_timeout_s", cfg.pop3.login_timeout_s, 1, 3600);
    r.integer("pop3", "threads", cfg.pop3.threads, 0, 64);

    r.integer("imap", "idle_timeout_s", cfg.imap.idle_timeout_s, 1800, 86'400);
    r.integer("imap", "login_timeout_s", cfg.imap.login_timeout_s, 1, 3600);
    r.integer("imap", "max_command_line", cfg.imap.max_command_line, 1024, 16 * 1024 * 1024);
    r.integer("imap", "max_connections_per_user_ip", cfg.imap.max_connections_per_user_ip, 1, 1'000'000);
    r.integer("imap", "idle_keepalive_secs", cfg.imap.idle_keepalive_secs, 1, 1800);

    r.integer("smtp", "command_timeout_s", cfg.smtp.command_timeout_s, 1, 86'400);
    r.integer("smtp", "data_timeout_s", cfg.smtp.data_timeout_s, 1, 86'400);
    r.integer("smtp", "max_recipients", cfg.smtp.max_recipients, 100, 100'000);
    r.integer("smtp", "max_commands_without_transaction", cfg.smtp.max_commands_without_transaction, 1, 100'000);
    r.integer("smtp", "max_errors", cfg.smtp.max_errors, 1, 100'000);
    r.integer("smtp", "spool_threshold_bytes", cfg.smtp.spool_threshold_bytes, 1024, 64 * 1024 * 1024);
    r.integer("smtp", "data_deadline_s", cfg.smtp.data_deadline_s, 1, 86'400);
    r.integer("smtp", "data_min_rate_bytes_s", cfg.smtp.data_min_rate_bytes_s, 0, 1'000'000'000);

    r.boolean("submission", "allow_any_from", cfg.submission.allow_any_from);

    r.boolean("mailauth", "check", cfg.mailauth.check);
    r.string("mailauth", "spf_fail", cfg.mailauth.spf_fail);
    if (cfg.mailauth.spf_fail != "tag" && cfg.mailauth.spf_fail != "reject") {
        r.fail("mailauth", "spf_fail", "must be tag or reject");
    }
    r.boolean("mailauth", "dmarc_enforce", cfg.mailauth.dmarc_enforce);
    r.integer("mailauth", "check_threads", cfg.mailauth.check_threads, 1, 64);
    r.integer("mailauth", "dns_timeout_ms", cfg.mailauth.dns_timeout_ms, 100, 60'000);
    r.boolean("mailauth", "check_local_clients", cfg.mailauth.check_local_clients);
    r.boolean("mailauth", "arc_seal", cfg.mailauth.arc_seal);
    r.string_list("antispam", "dnsbl", cfg.mailauth.dnsbl);
    r.string_list("milter", "servers", cfg.milter.servers);
    for (const auto& s : cfg.milter.servers) {
        const std::string_view spec(s);
        const bool inet = spec.starts_with("inet:") || spec.starts_with("inet6:");
        if (!inet || !parse_endpoint(spec.substr(spec.find(':') + 1))) {
            r.fail("milter", "servers", "'" + s + "' is not inet:host:port");
        }
    }
    r.integer("milter", "timeout_ms", cfg.milter.timeout_ms, 100, 600'000);
    r.string("milter", "default_action", cfg.milter.default_action);
    if (cfg.milter.default_action != "tempfail" && cfg.milter.default_action != "accept") {
        r.fail("milter", "default_action", "must be tempfail or accept");
    }
    r.integer("submission", "max_connections_per_user_ip", cfg.submission.max_connections_per_user_ip, 1,
              1'000'000);

    r.integer("supervisor", "restart_delay_ms", cfg.supervisor.restart_delay_ms, 10, 3'600'000);
    r.integer("supervisor", "restart_delay_max_ms", cfg.supervisor.restart_delay_max_ms, 10, 3'600'000);
    r.integer("supervisor", "stop_timeout_ms", cfg.supervisor.stop_timeout_ms, 100, 600'000);

    read_delivery(r, base_dir, cfg.delivery);

    read_endpoints(r, "http", "listen", cfg.http.listen);
    read_endpoints(r, "http", "tls_listen", cfg.http.tls_listen);
    r.string("http", "mta_sts_mode", cfg.http.mta_sts_mode);
    if (cfg.http.mta_sts_mode != "testing" && cfg.http.mta_sts_mode != "enforce" && cfg.http.mta_sts_mode != "none") {
        r.fail("http", "mta_sts_mode", "must be testing, enforce or none");
    }
    r.integer("http", "max_connections", cfg.http.max_connections, 1, 1'000'000);
    r.integer("http", "request_timeout_s", cfg.http.request_timeout_s, 1, 3600);
    r.integer("http", "max_header_bytes", cfg.http.max_header_bytes, 1024, 1024 * 1024);
    r.integer("http", "max_body_bytes", cfg.http.max_body_bytes, 1024, 16 * 1024 * 1024);
    r.string_list("http", "metrics_allow", cfg.http.metrics_allow);
    for (const auto& net : cfg.http.metrics_allow) {
        if (auto n = text::parse_ip_network(net); !n) r.fail("http", "metrics_allow", n.error().message);
    }

    r.boolean("acme", "enabled", cfg.acme.enabled);
    r.string("acme", "directory", cfg.acme.directory);
    if (!cfg.acme.directory.starts_with("https://") && !cfg.acme.directory.starts_with("http://")) {
        r.fail("acme", "directory", "must be an http:// or https:// URL");
    }
    r.string("acme", "email", cfg.acme.email);
    if (!cfg.acme.email.empty() && cfg.acme.email.find('@') == std::string::npos) {
        r.fail("acme", "email", "must be an e-mail address");
    }
    std::string acme_ca;
    r.string("acme", "ca_file", acme_ca);
    cfg.acme.ca_file = resolve(base_dir, acme_ca);
    if (cfg.acme.enabled && cfg.http.listen.empty() && cfg.http.tls_listen.empty()) {
        r.fail("acme", "enabled", "needs [http] listen (http-01) or tls_listen (tls-alpn-01) for validation");
    }

    r.boolean("tls_report", "enabled", cfg.tls_report.enabled);
    r.string("tls_report", "organization_name", cfg.tls_report.organization_name);
    if (cfg.tls_report.organization_name.empty()) cfg.tls_report.organization_name = cfg.server.hostname;
    r.string("tls_report", "contact_info", cfg.tls_report.contact_info);
    if (cfg.tls_report.contact_info.empty()) cfg.tls_report.contact_info = "postmaster@" + cfg.server.hostname;
    if (auto at = cfg.tls_report.contact_info.rfind('@'); at == std::string::npos || at == 0 ||
                                                          at + 1 == cfg.tls_report.contact_info.size()) {
        r.fail("tls_report", "contact_info", "must be an e-mail address (local@domain)");
    }

    read_endpoints(r, "dns", "servers", cfg.dns.servers);
    if (cfg.dns.servers.empty()) cfg.dns.servers = cfg.delivery.dns_servers;
    r.boolean("dns", "trust_ad", cfg.dns.trust_ad);

    r.integer("queue", "retry_initial_s", cfg.queue.retry_initial_s, 1, 86'400);
    r.integer("queue", "retry_max_s", cfg.queue.retry_max_s, 1, 7 * 86'400);
    r.integer("queue", "lifetime_s", cfg.queue.lifetime_s, 1, 60 * 86'400);
    r.integer("queue", "delay_warning_s", cfg.queue.delay_warning_s, 1, 60 * 86'400);
    r.integer("queue", "poll_interval_s", cfg.queue.poll_interval_s, 1, 3600);
    r.integer("queue", "local_concurrency", cfg.queue.local_concurrency, 1, 64);
    r.integer("queue", "batch_size", cfg.queue.batch_size, 1, 10'000);

}

}  // namespace

Result<Config> load_config(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error::refused(file.string() + ": cannot read config file");
    std::stringstream ss;
    ss << in.rdbuf();
    auto abs = std::filesystem::absolute(file).lexically_normal();
    auto cfg = parse_config(ss.str(), file.string(), abs.parent_path());
    if (cfg) cfg->file = abs;
    return cfg;
}

}  // namespace mr::config
