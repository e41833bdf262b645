#include "smtpd/server/smtp_server.hpp"

#include "common/log/log.hpp"
#include "common/net/address.hpp"
#include "common/net/connection_limits.hpp"
#include "common/net/wakeup.hpp"
#include "common/text/ip_network.hpp"
#include "smtpd/server/directory_lookup.hpp"
#include "smtpd/server/smtp_handler.hpp"

namespace mr::smtpd::server {

SmtpServer::SmtpServer(net::Loop& loop, const config::Config& cfg, std::shared_ptr<net::TlsContext> tls)
    : loop_(loop),
      cfg_(cfg),
      tls_(std::move(tls)),
      shared_(std::make_shared<SharedState>()),
      submission_logins_(std::make_shared<net::LoginLimits>(
          static_cast<std::size_t>(cfg.submission.max_connections_per_user_ip))) {
    shared_->data_dir = cfg.server.data_dir;
    shared_->directory_db = cfg.server.data_dir / "directory.db";
    shared_->tls_available = tls_ != nullptr;
    shared_->allow_plaintext_on_loopback = cfg.auth.allow_plaintext_on_loopback;
    shared_->allow_any_from = cfg.submission.allow_any_from;
    shared_->command_timeout = std::chrono::seconds(cfg.smtp.command_timeout_s);
    shared_->data_timeout = std::chrono::seconds(cfg.smtp.data_timeout_s);
    SessionOptions& o = shared_->session;
    o.hostname = cfg.server.hostname;
    o.max_message_size = static_cast<std::uint64_t>(cfg.limits.max_message_size);
    o.max_recipients = static_cast<std::size_t>(cfg.smtp.max_recipients);
    o.max_commands_without_transaction = static_cast<unsigned>(cfg.smtp.max_commands_without_transaction);
    o.max_errors = static_cast<unsigned>(cfg.smtp.max_errors);
    o.max_auth_failures = static_cast<unsigned>(cfg.auth.max_failures);
    o.spool_threshold = static_cast<std::size_t>(cfg.smtp.spool_threshold_bytes);
    o.data_deadline = std::chrono::seconds(cfg.smtp.data_deadline_s);
    o.data_min_rate = static_cast<std::uint64_t>(cfg.smtp.data_min_rate_bytes_s);
    shared_->spools = std::make_shared<SpoolWriter>(loop);
    if (cfg.dkim.sign) shared_->dkim_keys = std::make_shared<dkim::SignerCache>(cfg.dkim.key_dir);
    if (cfg.mailauth.check) shared_->mailauth = std::make_shared<MailAuthChecker>(cfg);
    shared_->milters = MilterChecker::create(cfg);
    // Its own directory connection per checker thread (directory_lookup.hpp).
    shared_->auth = std::make_shared<net::Authenticator>(
        cfg, "smtp", [db = shared_->directory_db](const std::string& user, const std::string& password) {
            return verify_password(db, user, password);
        });
}

// Checks still running post to the loop: they must end before it is destroyed.
SmtpServer::~SmtpServer() {
    shared_->auth->stop();
    if (shared_->mailauth) shared_->mailauth->stop();
    if (shared_->milters) shared_->milters->stop();
}

net::ListenerOptions SmtpServer::listener_options(const std::string& name) const {
    net::ListenerOptions o;
    o.name = name;
    o.max_connections = static_cast<std::size_t>(cfg_.limits.max_connections);
    o.max_unauthenticated_per_ip = static_cast<std::size_t>(cfg_.limits.max_connections_per_ip);
    if (name == "submission" || name == "submissions") o.logins = submission_logins_;
    if (name == "smtp_proxy") {
        net::ProxyProtocolOptions proxy;
        for (const auto& text : cfg_.listen.proxy_trusted) {
            if (auto n = text::parse_ip_network(text)) proxy.trusted.push_back(*n);  // checked by the config
        }
        o.proxy = std::move(proxy);
    }
    o.busy_line = "421 4.7.0 " + cfg_.server.hostname + " Too many connections, try again later\r\n";
    // The session frames commands (kCommandLines), DATA and BDAT itself.
    o.connection.framing = net::HandlerFrames{};
    o.connection.idle_timeout = shared_->command_timeout;
    o.connection.tls = tls_;
    o.connection.implicit_tls = name == "submissions";
    return o;
}

Result<void> SmtpServer::add_listener(const std::string& name, int fd, const std::string& endpoint) {
    if (name == "submissions" && !tls_) return Error::internal("submissions needs a TLS certificate ([tls] cert/key)");
    auto listener = std::make_unique<net::Listener>(
        loop_, listener_options(name), [shared = shared_, name](net::Connection& c) {
            return std::make_unique<SmtpHandler>(shared, c, name);
        });
    auto r = fd >= 0 ? listener->adopt(fd) : listener->listen(endpoint);
    if (!r) return r.error();
    listeners_.push_back(std::move(listener));
    return {};
}

Result<void> SmtpServer::start() {
    // Up to kCommitLanes batches commit at once, each through its own Queue (queue_writer.hpp);
    // fewer than the pool's 8 threads, so RCPT lookups always find one.
    constexpr std::size_t kCommitLanes = 4;
    std::vector<std::unique_ptr<storage::Queue>> queues;
    for (std::size_t i = 0; i < kCommitLanes; ++i) {
        auto queue = storage::Queue::open(cfg_.server.data_dir);
        if (!queue) return queue.error();
        queues.push_back(std::make_unique<storage::Queue>(std::move(*queue)));
    }
    // Spool files of an smtpd that died mid-message: no queue row can name them.
    if (auto swept = storage::sweep_dead_spools(cfg_.server.data_dir); !swept) {
        log::warn("spool_sweep_failed", {{"error", swept.error().message}});
    } else if (*swept > 0) {
        log::info("spool_swept", {{"files", *swept}});
    }
    shared_->writer = std::make_shared<QueueWriter>(
        loop_, std::move(queues), net::wakeup_endpoint(cfg_.server.data_dir, net::WakeupListener::Deliverd));
    auto opened = net::open_listeners({{"smtp", cfg_.listen.smtp},
                                       {"submission", cfg_.listen.submission},
                                       {"submissions", cfg_.listen.submissions},
                                       {"smtp_proxy", cfg_.listen.smtp_proxy}},
                                      [this](const std::string& name, int fd, const std::string& endpoint) {
                                          return add_listener(name, fd, endpoint);
                                      });
    if (!opened) return opened;
    if (listeners_.empty()) return Error::internal("no smtp, submission, submissions or smtp_proxy listener configured");
    if (!cfg_.listen.smtp_proxy.empty() && cfg_.listen.proxy_trusted.empty()) {
        log::warn("proxy_nobody_trusted", {{"detail", "[listen] proxy_trusted is empty: smtp_proxy refuses every connection"}});
    }
    return {};
}

void SmtpServer::stop() {
    listeners_.clear();
    const auto open = shared_->handlers;  // shutdown() closes: do not iterate the live set
    for (SmtpHandler* h : open) h->shutdown();
    loop_.close_residents();
}

}  // namespace mr::smtpd::server
