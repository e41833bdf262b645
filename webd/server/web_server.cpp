#include "webd/server/web_server.hpp"
#include "webd/server/metrics_source.hpp"

#include "common/acme/store.hpp"
#include "common/log/log.hpp"
#include "common/net/address.hpp"
#include "common/net/connection_limits.hpp"
#include "common/net/thread_pool.hpp"
#include "storage/directory.hpp"
#include "webd/server/web_handler.hpp"

namespace mr::webd::server {

namespace {

Result<std::vector<std::string>> read_domains(const std::filesystem::path& data_dir) {
    auto dir = storage::Directory::open(data_dir / "directory.db");
    if (!dir) return dir.error();
    return dir->list_domains();
}

std::shared_ptr<const proto::Site> make_site(const config::Config& cfg, const std::vector<std::string>& domains) {
    auto site = std::make_shared<proto::Site>(proto::site_from_config(cfg));
    site->domains.insert(domains.begin(), domains.end());
    site->metrics = metrics_document(cfg.server.data_dir);
    if (cfg.acme.enabled) {
        // `mailroom acme renew` writes the files while an order is pending (common/acme/store.hpp).
        site->acme_challenge = [dir = acme::files(cfg.server.data_dir).challenges](const std::string& token) {
            auto content = acme::read_file(dir / token);
            return content ? std::optional<std::string>(std::move(*content)) : std::nullopt;
        };
    }
    return site;
}

}  // namespace

WebServer::WebServer(net::Loop& loop, const config::Config& cfg, std::shared_ptr<net::TlsContext> tls)
    : loop_(loop),
      cfg_(cfg),
      tls_(std::move(tls)),
      limits_{static_cast<std::size_t>(cfg.http.max_header_bytes), static_cast<std::size_t>(cfg.http.max_body_bytes)},
      site_(std::make_shared<std::shared_ptr<const proto::Site>>(make_site(cfg, {}))),
      refresh_timer_(loop) {}

WebServer::~WebServer() = default;

Result<void> WebServer::add_listener(const std::string& name, int fd, const std::string& endpoint) {
    const bool implicit = name == "https";
    if (implicit && !tls_) return Error::internal("https needs a TLS certificate ([tls] cert/key)");
    net::ListenerOptions o;
    o.name = name;
    o.max_connections = static_cast<std::size_t>(cfg_.http.max_connections);
    o.max_unauthenticated_per_ip = static_cast<std::size_t>(cfg_.limits.max_connections_per_ip);
    o.busy_line = implicit ? "" : "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    o.connection.framing = net::HandlerFrames{};
    const std::chrono::milliseconds request_time = std::chrono::seconds(cfg_.http.request_timeout_s);
    o.connection.idle_timeout = request_time;
    // Plain HTTP has no STARTTLS: only the https listener gets the TLS context.
    if (implicit) o.connection.tls = tls_;
    o.connection.implicit_tls = implicit;
    auto listener = std::make_unique<net::Listener>(
        loop_, std::move(o), [site = site_, limits = limits_, request_time](net::Connection& c) {
            return std::make_unique<WebHandler>(c, site, limits, request_time);
        });
    auto r = fd >= 0 ? listener->adopt(fd) : listener->listen(endpoint);
    if (!r) return r.error();
    listeners_.push_back(std::move(listener));
    return {};
}

Result<void> WebServer::start() {
    // Before the loop runs: waiting for SQLite here delays nobody.
    if (auto domains = read_domains(cfg_.server.data_dir)) {
        *site_ = make_site(cfg_, *domains);
    } else {
        log::warn("domains_unreadable", {{"error", domains.error().message}});
    }
    auto opened = net::open_listeners({{"http", cfg_.http.listen}, {"https", cfg_.http.tls_listen}},
                                      [this](const std::string& name, int fd, const std::string& endpoint) {
                                          return add_listener(name, fd, endpoint);
                                      });
    if (!opened) return opened;
    if (listeners_.empty()) return Error::internal("no http or https listener configured");
    refresh_timer_.start_repeating(kDomainRefresh, [this] { refresh_domains(); });
    return {};
}

void WebServer::refresh_domains() {
    std::weak_ptr<void> alive = alive_;
    net::run_off_loop(
        loop_, alive, [dir = cfg_.server.data_dir] { return read_domains(dir); },
        [this](Result<std::vector<std::string>> domains) {
            if (!domains) {
                log::warn("domains_unreadable", {{"error", domains.error().message}});
                return;
            }
            *site_ = make_site(cfg_, *domains);
        });
}

void WebServer::stop() {
    refresh_timer_.stop();
    listeners_.clear();
    loop_.close_residents();
}

}  // namespace mr::webd::server
