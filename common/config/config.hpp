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
};

struct LimitsConfig {
    std::int64_t max_connections = 1000;
    std::int64_t max_connections_per_ip = 50;
    std::int64_t max_message_size = 50 * 1024 * 1024;
};

// Login policy shared by smtpd (submission), imapd and pop3d.
struct AuthConfig {
    // Plaintext passwords are accepted only under TLS, except from 127.0.0.0/8 and ::1
    // when this is on (a webmail on the same machine, local tests).
    bool allow_plaintext_on_loopback = false;
    std::int64_t failure_delay_ms = 500;  // wait after a failed login; doubles per failure, up to 16x
    std::int64_t max_failures = 3;        // failed logins on one connection before disconnect
};

struct Pop3Config {
    std::int64_t idle_timeout_s = 600;  // RFC 1939 §3: at least 10 minutes
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
    ListenConfig listen;
    LimitsConfig limits;
    AuthConfig auth;
    Pop3Config pop3;
    SupervisorConfig supervisor;
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
