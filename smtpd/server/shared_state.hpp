// What every session of one smtpd process shares: settings, the queue writer, the password
// checker and the door to the failed-login table. Loop thread only.
//
// Invariants:
// - Held by shared_ptr from the server and from every session, so a session that closes
//   during shutdown (after the SmtpServer is gone, inside ~Loop) still finds it.
// - `handlers` holds exactly the live SmtpHandlers (each adds itself in its constructor and
//   removes itself in its destructor), so stop() can send every session its 421.
// - Every login goes through `auth` (common/net/authenticator.hpp, thread-safe itself): the
//   failed-login table smtpd shares with imapd and pop3d, and the process's one password
//   checker; ~SmtpServer stops its checks before the loop they post to is destroyed.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <unordered_set>

#include "common/dkim/key_directory.hpp"
#include "common/net/authenticator.hpp"
#include "smtpd/proto/session.hpp"
#include "smtpd/server/queue_writer.hpp"
#include "smtpd/server/mail_auth.hpp"
#include "smtpd/server/milter_check.hpp"
#include "smtpd/server/spool_writer.hpp"

namespace mr::smtpd::server {

class SmtpHandler;

struct SharedState {
    std::filesystem::path data_dir;
    std::filesystem::path directory_db;
    SessionOptions session;                    // role, TLS and peer filled per connection
    bool allow_plaintext_on_loopback = false;  // [auth] allow_plaintext_on_loopback
    bool allow_any_from = false;               // [submission] allow_any_from
    bool tls_available = false;
    std::chrono::milliseconds command_timeout{300'000};
    std::chrono::milliseconds data_timeout{180'000};
    std::shared_ptr<QueueWriter> writer;
    std::shared_ptr<SpoolWriter> spools;  // appends of spooled messages
    // The hosted domains' DKIM keys ([dkim] key_dir); null when [dkim] sign is off.
    std::shared_ptr<dkim::SignerCache> dkim_keys;
    // SPF/DMARC of port-25 mail ([mailauth]); null when [mailauth] check is off.
    std::shared_ptr<MailAuthChecker> mailauth;
    // Milters asked about port-25 mail ([milter] servers); null when there are none.
    std::shared_ptr<MilterChecker> milters;
    // Every login: refusals, password checks, failed-login delays ([auth]).
    std::shared_ptr<net::Authenticator> auth;
    std::unordered_set<SmtpHandler*> handlers;  // open sessions, told about shutdown
};

}  // namespace mr::smtpd::server
