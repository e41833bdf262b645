// The typed configuration every daemon and the CLI read from one TOML file.
//
// Invariants:
// - Every key here is documented in etc/mailroom.toml (a unit test checks it).
// - An unknown key, a missing required key or a value of the wrong type or range is
//   an error naming the file and line; no process starts with a config it misread.
// - Relative paths are resolved against the directory holding the config file, so a
//   config under ./var works wherever the daemons are started from.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "common/util/result.hpp"

namespace mr::config {

struct ServerConfig {
    std::string hostname;            // our name in greetings, Received:, HELO
    std::filesystem::path data_dir;  // directory.db, mail/, queue/, run/
    std::string run_user;            // unprivileged account for daemons started as root
    std::string log_level = "info";  // debug | info | warn | error
};

struct TlsConfig {
    std::filesystem::path cert;
    std::filesystem::path key;
};

// Each listener is a list of "host:port" / "[v6]:port" endpoints; empty = disabled.
struct ListenConfig {
    std::vector<std::string> smtp;
    std::vector<std::string> submission;
    std::vector<std::string> submissions;
    std::vector<std::string> imap;
    std::vector<std::string> imaps;
    std::vector<std::string> pop3;
    std::vector<std::string> pop3s;
    std::vector<std::string> managesieve;  // RFC 5804, STARTTLS (sieved)
    // Inbound SMTP (the port-25 role) behind a load balancer: each connection starts with a
    // HAProxy PROXY header naming the client, accepted only from a proxy_trusted peer.
    std::vector<std::string> smtp_proxy;
    std::vector<std::string> proxy_trusted;  // CIDR networks; empty = nobody is trusted
};

// Per listening socket (connection_limits.hpp): all its connections, and those from one
// client address that have not logged in (all of them for inbound SMTP, which has no login).
// Logged-in connections are bounded per user and address instead, per daemon:
// [imap]/[submission] max_connections_per_user_ip.
struct LimitsConfig {
    std::int64_t max_connections = 4000;
    std::int64_t max_connections_per_ip = 50;  // not yet logged in
    std::int64_t max_message_size = 50 * 1024 * 1024;
};

// Login policy shared by smtpd (submission), imapd and pop3d.
struct AuthConfig {
    // Plaintext passwords are accepted only under TLS, except from 127.0.0.0/8 and ::1
    // when this is on (a webmail on the same machine, local tests).
    bool allow_plaintext_on_loopback = false;
    std::int64_t failure_delay_ms = 500;  // wait after a failed login; doubles per recent failure, up to 16x
    std::int64_t max_failures = 3;        // failed logins on one connection before disconnect
    // Across connections and daemons (common/text/login_policy.hpp): failures count while
    // they come less than failure_window_s apart; an address with max_failures_per_address
    // of them is refused for refusal_period_s (0: never refused).
    std::int64_t failure_window_s = 900;
    std::int64_t max_failures_per_address = 10;
    std::int64_t refusal_period_s = 300;
    // Password checks of one daemon (common/net/password_checker.hpp): its worker threads,
    // checks waiting for them, and checks waiting or running per client address (served in
    // turn across addresses). Over a bound a login gets a temporary failure at once.
    std::int64_t check_threads = 2;
    std::int64_t max_queued_checks = 1024;
    std::int64_t max_checks_per_address = 16;
};

// smtpd (issue 3). Timeouts are RFC 5321 §4.5.3.2 (rfc5321.txt:3610): 5 minutes for a
// command, 3 minutes per block of data.
struct SmtpConfig {
    std::int64_t command_timeout_s = 300;
    std::int64_t data_timeout_s = 180;
    std::int64_t max_recipients = 100;                    // per message; then 452 4.5.3
    std::int64_t max_commands_without_transaction = 100;  // NOOP/RSET/VRFY/EHLO...; then 421
    std::int64_t max_errors = 20;                         // error replies per session; then 421
    std::int64_t spool_threshold_bytes = 256 * 1024;      // message octets in memory; then a file
    std::int64_t data_deadline_s = 600;                   // DATA / first BDAT to the end; then 421
    std::int64_t data_min_rate_bytes_s = 1024;            // average after 30 s (0: none); then 421
};

// The submission listeners (submission, submissions): what authenticated users may send.
struct SubmissionConfig {
    // false: every From: header address must be the user's own or an alias of the user
    // (the rule MAIL FROM already follows); true: any From: is accepted.
    bool allow_any_from = false;
    std::int64_t max_connections_per_user_ip = 10;  // logged-in sessions of one user from one address
};

// Checks of mail received on the port-25 role (smtpd/server/mail_auth.hpp).
struct MailAuthConfig {
    bool check = true;               // SPF, DKIM, DMARC and Authentication-Results
    std::string spf_fail = "tag";    // tag | reject: an SPF fail is only recorded, or refused
    bool dmarc_enforce = true;       // apply p=reject / p=quarantine of the From domain
    std::int64_t check_threads = 4;  // threads that wait for DNS answers
    std::int64_t dns_timeout_ms = 5000;
    std::vector<std::string> dnsbl;  // [antispam] dnsbl zones: a listed client gets 554
    bool check_local_clients = false;  // also check clients on this machine (benchmarks)
    bool arc_seal = true;  // deliverd: ARC-seal checked mail it forwards off-site (RFC 8617)
};

// Milters smtpd asks about each message after its data (smtpd/server/milter_check.hpp).
struct MilterConfig {
    std::vector<std::string> servers;          // "inet:host:port", asked in this order; empty: none
    std::int64_t timeout_ms = 10000;           // connect, and each answer of a milter
    std::string default_action = "tempfail";   // tempfail | accept: when a milter cannot answer
};

struct Pop3Config {
    std::int64_t idle_timeout_s = 600;  // RFC 1939 §3: at least 10 minutes
    std::int64_t login_timeout_s = 60;  // before login
    std::int64_t threads = 0;  // event loops (one thread each); 0: one per CPU, at most 8
};

// imapd (issue 6). RFC 3501 §5.4 (rfc3501.txt:1185): at least 30 minutes once logged in.
struct ImapConfig {
    std::int64_t idle_timeout_s = 1800;   // authenticated (and during IDLE)
    std::int64_t login_timeout_s = 60;    // before login
    std::int64_t max_command_line = 65536;  // octets of a command without its literals
    std::int64_t max_connections_per_user_ip = 20;  // logged-in sessions of one user from one address
    // "* OK Still here" during IDLE, so NAT boxes and firewalls that drop silent TCP
    // connections keep the session (RFC 2177 §3: clients re-IDLE only every 29 minutes).
    std::int64_t idle_keepalive_secs = 120;
};

// deliverd's queue runner: retries, expiry, notifications (see deliverd/).
struct QueueConfig {
    std::int64_t retry_initial_s = 300;          // first retry after a temporary failure
    std::int64_t retry_max_s = 3600;             // back-off doubles up to this
    std::int64_t lifetime_s = 5 * 24 * 3600;     // then the recipient bounces
    std::int64_t delay_warning_s = 4 * 3600;     // a delay DSN after this (NOTIFY permitting)
    std::int64_t poll_interval_s = 30;           // queue scan even without a wake-up
    std::int64_t local_concurrency = 4;          // local delivery batches in flight
    std::int64_t batch_size = 200;               // queue entries leased per scan
};

// deliverd's remote delivery (deliverd/remote/): how it finds and talks to other servers.
struct DeliveryConfig {
    std::vector<std::string> dns_servers;     // older spelling of [dns] servers (read DnsConfig)
    std::int64_t remote_port = 25;            // port of MX hosts (tests point it elsewhere)
    std::string smarthost;                    // "host:port": relay everything there instead of MX
    std::string smarthost_tls = "required";   // required | opportunistic
    std::filesystem::path smarthost_ca_file;  // trust anchors for "required"; empty = system
    std::string smarthost_user;               // AUTH PLAIN/LOGIN identity; empty = no AUTH
    std::filesystem::path smarthost_password_file;  // first line is the password
    // Extra trust anchors (PEM) for outbound verification beside the system store: MTA-STS
    // policy fetches and MX certificates under an MTA-STS or DANE policy.
    std::filesystem::path ca_file;
    // Port of the MTA-STS policy host; RFC 8461 §3.3 says HTTPS, so 443 except in tests.
    std::int64_t mta_sts_port = 443;
    std::int64_t max_connections = 100;             // outbound connections in total
    std::int64_t max_connections_per_domain = 10;   // per destination domain (or smarthost)
    std::int64_t connect_timeout_s = 30;
    // RFC 5321 §4.5.3.2 (rfc5321.txt:3610): 5 min for greeting/MAIL/RCPT, 3 min per data
    // block, 10 min for the reply to the final dot.
    std::int64_t command_timeout_s = 300;
    std::int64_t data_block_timeout_s = 180;
    std::int64_t data_done_timeout_s = 600;
    std::int64_t reuse_idle_s = 5;  // an idle outbound connection waits this long for more mail
};

// Resolvers for every lookup (MX, SPF, DKIM keys, DMARC, DNSBL).
struct DnsConfig {
    // "ip:port" / "[v6]:port"; empty = /etc/resolv.conf. When [dns] servers is empty the
    // older delivery.dns_servers stands in, so configs written before [dns] keep working.
    std::vector<std::string> servers;
    // The AD bit from these servers counts as DNSSEC validation (a local validating
    // resolver such as unbound); only then is DANE (RFC 7672) enforced.
    bool trust_ad = false;
};

struct DkimConfig {
    std::filesystem::path key_dir;  // <key_dir>/<domain>/<selector>.pem
    bool sign = true;               // sign hosted-domain mail of authenticated users
};

// webd (issue 17): client autoconfiguration, Autodiscover and the MTA-STS policy over
// HTTP and HTTPS. Its limits are strict: it serves a handful of small documents.
struct HttpConfig {
    std::vector<std::string> listen;      // plain HTTP endpoints; empty = none
    std::vector<std::string> tls_listen;  // HTTPS (implicit TLS, the [tls] certificate)
    std::string mta_sts_mode = "testing";  // testing | enforce | none (RFC 8461 §5)
    std::int64_t max_connections = 500;       // per listening socket
    std::int64_t request_timeout_s = 10;      // from connection (or previous answer) to a whole request
    std::int64_t max_header_bytes = 8192;     // request line and header fields
    std::int64_t max_body_bytes = 64 * 1024;  // a POSTed Autodiscover request
    // Networks (CIDR) that may read /metrics (Prometheus); others get 403.
    std::vector<std::string> metrics_allow = {"127.0.0.1/32", "::1/128"};
};

// ACME (RFC 8555, issue 17): a certificate for the hostname and each hosted domain's
// autoconfig., autodiscover. and mta-sts. names, validated by http-01 on [http] listen and
// kept under <data_dir>/acme/ (common/acme/). While enabled and obtained, it replaces [tls].
struct AcmeConfig {
    bool enabled = false;
    std::string directory = "https://acme-v02.api.letsencrypt.org/directory";
    std::string email;                // account contact; empty: none
    std::filesystem::path ca_file;    // trust for the ACME server's HTTPS; empty = system store
};

// SMTP TLS Reporting (RFC 8460): deliverd counts its outbound TLS sessions per recipient
// domain and, once a UTC day has ended, mails each domain that publishes an `_smtp._tls`
// record with rua=mailto: its aggregate report (deliverd/tls_report/).
struct TlsReportConfig {
    bool enabled = true;
    std::string organization_name;  // empty: [server] hostname
    std::string contact_info;       // addr-spec, From: of the reports; empty: postmaster@<hostname>
};

struct SupervisorConfig {
    std::int64_t restart_delay_ms = 500;        // first restart of a dead daemon
    std::int64_t restart_delay_max_ms = 30000;  // back-off doubles up to this
    std::int64_t stop_timeout_ms = 10000;       // SIGTERM, then SIGKILL after this
};

struct Config {
    std::filesystem::path file;  // absolute path of the file this was read from
    ServerConfig server;
    TlsConfig tls;
    DkimConfig dkim;
    ListenConfig listen;
    LimitsConfig limits;
    AuthConfig auth;
    Pop3Config pop3;
    ImapConfig imap;
    SmtpConfig smtp;
    SubmissionConfig submission;
    MailAuthConfig mailauth;
    MilterConfig milter;
    SupervisorConfig supervisor;
    DeliveryConfig delivery;
    QueueConfig queue;
    HttpConfig http;
    AcmeConfig acme;
    TlsReportConfig tls_report;
    DnsConfig dns;  // already resolved: [dns] servers, else delivery.dns_servers
};

// Reads and validates a config file.
Result<Config> load_config(const std::filesystem::path& file);

// Same, from text (for tests); `name` is used in error messages, `base_dir` resolves paths.
Result<Config> parse_config(std::string_view text, const std::string& name,
                            const std::filesystem::path& base_dir);

// Every "table.key" the reader knows (to check etc/mailroom.toml documents them all).
std::set<std::string> known_config_keys();

// A listener endpoint split into host and port ("[::1]:143" -> "::1", 143).
struct Endpoint {
    std::string host;
    int port = 0;
};
Result<Endpoint> parse_endpoint(std::string_view text);

}  // namespace mr::config
