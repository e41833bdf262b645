// RemoteDelivery: hands queued messages for other domains to the next server (the
// recipient domain's MX hosts, or the configured smarthost) and reports, per
// recipient, what that server said. The queue runner (deliverd/) owns retries,
// expiry and notifications; this module only makes one attempt per call.
//
// Invariants:
// - deliver() never blocks the loop: DNS (c-ares), connects, TLS and the SMTP dialogue
//   are all asynchronous; the message file is streamed, never read whole.
// - `done` is called exactly once per deliver() call, on the loop thread, with one
//   outcome for every recipient passed in (same order), also on shutdown (TempFail).
// - Delivered means the remote server answered 250 to the end of DATA for a
//   transaction in which that recipient's RCPT was accepted; anything uncertain
//   (connection lost after the final dot) is TempFail, never Delivered.
// - Concurrency limits (total and per destination domain) are enforced here: a slow
//   or dead destination only queues its own calls.
// - Outbound TLS cannot be downgraded where the destination says so: with an MTA-STS
//   policy in enforce mode (RFC 8461) only the MX hosts it names are tried, over STARTTLS
//   with a certificate verified for the MX host; an MX host with usable DANE TLSA records
//   (RFC 7672, [dns] trust_ad) must present a matching certificate. Anything else is a
//   TempFail naming the policy, never a plaintext retry. Through a smarthost given by name,
//   the smarthost is the policy domain (RFC 8461 §3.4) and the DANE next hop (RFC 7672
//   §2.2.2, TLSA at its own port); the recipient domain's policies do not apply, since we
//   never connect to its MX hosts. A smarthost given as an address has no policy.
// - Each connection to a server of a policy domain is one TLS session for RFC 8460: counted
//   once, when it is ready (TLS up: success; in the clear, not a plaintext retry:
//   starttls-not-supported) or when it fails over STARTTLS or the certificate; a policy
//   that could not be used (MTA-STS fetch, DANE lookups, TLSA records) counts as a failure
//   too. Reports themselves are never counted.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/net/loop.hpp"
#include "deliverd/tls_report/tls_session.hpp"

namespace mr::deliverd {

struct RemoteRecipient {
    std::string address;
    std::string dsn_notify;  // RFC 3461 NOTIFY as received, or empty
    std::string orcpt;       // RFC 3461 ORCPT as received, or empty
};

// One attempt for recipients that share a domain.
struct RemoteMessage {
    std::string queue_id;
    std::string sender;  // empty: null reverse-path
    std::string domain;  // the recipients' domain (lower-case)
    std::vector<RemoteRecipient> recipients;
    // The queued message (CRLF lines), already read by the queue runner; shared, so the
    // connections of several domains stream the one copy.
    std::shared_ptr<const std::string> bytes;
    std::int64_t size = 0;
    bool has_8bit = false;       // body or headers contain octets >= 0x80
    bool needs_smtputf8 = false; // sender/recipient/header addresses are non-ASCII
    std::string dsn_ret;         // "FULL"/"HDRS" or empty
    std::string dsn_envid;
    // An SMTP TLS report of ours (tls_report::is_report_message): RFC 8460 §5.3
    // (rfc8460.txt:1050) "when sending failure reports via SMTP, Sending MTAs MUST NOT
    // honor MTA-STS or DANE TLSA failures", and its sessions are not counted for reports.
    bool tls_report = false;
};

enum class RemoteOutcome { Delivered, TempFail, PermFail };

struct RecipientResult {
    std::string address;
    RemoteOutcome outcome = RemoteOutcome::TempFail;
    std::string remote_host;  // "mx.example.org[192.0.2.1]", empty when no server was reached
    std::string reply;        // what happened, for logs and DSNs: the server's reply
                              // ("550 5.1.1 <x@y>: no such user") or our reason
                              // ("no MX or address for example.org", "connection refused")
    bool remote_dsn = false;  // the server accepted DSN parameters (it sends any success DSN)
};

class RemoteDelivery {
public:
    using Done = std::function<void(std::vector<RecipientResult>)>;

    // Reads cfg.dns (servers, trust_ad), cfg.delivery (remote_port, smarthost..., ca_file,
    // mta_sts_port, limits), cfg.server.hostname (our EHLO name) and cfg.server.data_dir
    // (the MTA-STS cache); the TLS client contexts are created inside. `tls_sessions`, when
    // set, hears of every TLS session attempt with a policy domain (RFC 8460 counts).
    static std::unique_ptr<RemoteDelivery> create(net::Loop& loop, const config::Config& cfg,
                                                  tls_report::TlsSessionSink tls_sessions = {});
    virtual ~RemoteDelivery() = default;

    virtual void deliver(RemoteMessage message, Done done) = 0;
    // Fails every pending and running attempt with TempFail and closes connections.
    virtual void shutdown() = 0;
};

}  // namespace mr::deliverd
