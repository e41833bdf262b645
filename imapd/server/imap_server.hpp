// ImapServer: the listeners of imapd, and what its sessions share. Loop thread only.
//
// Invariants:
// - Listeners come from MR_LISTEN_FDS ("imap" = plaintext + STARTTLS, "imaps" = implicit
//   TLS, RFC 8314 §3.3) or, without it, from [listen] imap / imaps of the config.
// - SharedState is held by shared_ptr from the server and every handler, so a session
//   closing during shutdown (inside ~Loop) still finds it.
// - Every login goes through `auth` (common/net/authenticator.hpp): the failed-login table
//   imapd shares with smtpd and pop3d, and the process's one password checker.
// - Per listening socket, [limits] max_connections bounds all connections and
//   max_connections_per_ip the ones from one address that have not logged in; a session
//   that logs in leaves that count and holds one of its user's
//   [imap] max_connections_per_user_ip from that address (imap and imaps together), or its
//   login is refused NO [LIMIT] (connection_limits.hpp).
// - stop() closes the listeners and every session.
// - ~ImapServer stops `auth`'s checks before the loop they post to is destroyed.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/net/listener.hpp"
#include "common/net/authenticator.hpp"
#include "common/net/loop.hpp"
#include "common/net/tls_context.hpp"
#include "common/util/result.hpp"
#include "imapd/server/quota_reader.hpp"
#include "imapd/server/session_registry.hpp"
#include "storage/store_pool.hpp"

namespace mr::imapd::server {

struct SharedState {
    std::filesystem::path data_dir;
    std::string hostname;
    bool tls_available = false;
    bool allow_plaintext_on_loopback = false;
    unsigned max_failures = 3;
    std::uint64_t max_message_size = 0;
    std::size_t max_command_line = 0;
    std::chrono::milliseconds login_timeout{60'000};
    std::chrono::milliseconds idle_timeout{1'800'000};
    std::chrono::milliseconds idle_keepalive{120'000};  // "* OK Still here" during IDLE
    // Every login: refusals, password checks, failed-login delays ([auth]).
    std::shared_ptr<net::Authenticator> auth;
    SessionRegistry sessions;  // logged-in sessions by user, for wake-ups
    storage::StorePoolRegistry stores;  // each user's MailboxStores, shared by their sessions
    std::shared_ptr<QuotaReader> quotas;  // pool threads: for QuotaStoreJob
};

class ImapServer {
public:
    ImapServer(net::Loop& loop, const config::Config& cfg, std::shared_ptr<net::TlsContext> tls);
    ~ImapServer();
    ImapServer(const ImapServer&) = delete;
    ImapServer& operator=(const ImapServer&) = delete;

    Result<void> start();
    void stop();
    // A wake-up for `user` (deliverd's datagram on run/imapd.sock, pop3d after QUIT):
    // that user's sessions look for changes now.
    void wake_user(std::string_view user);

private:
    Result<void> add_listener(const std::string& name, int fd, const std::string& endpoint);
    net::ListenerOptions listener_options(const std::string& name) const;

    net::Loop& loop_;
    const config::Config& cfg_;
    std::shared_ptr<net::TlsContext> tls_;
    std::vector<std::unique_ptr<net::Listener>> listeners_;
    std::shared_ptr<SharedState> shared_;
    // [imap] max_connections_per_user_ip, for imap and imaps together.
    std::shared_ptr<net::LoginLimits> logins_;
};

}  // namespace mr::imapd::server
