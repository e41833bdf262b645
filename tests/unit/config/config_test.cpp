#include <doctest/doctest.h>

#include <cctype>
#include <set>
#include <vector>

#include "common/config/config.hpp"
#include "common/config/default_config.hpp"

using namespace mr::config;

namespace {

// "name = value" at the start of a line -> "name" (TOML keys of the template are [a-z0-9_]).
std::string key_of(const std::string& line) {
    size_t n = 0;
    while (n < line.size() && (std::islower(static_cast<unsigned char>(line[n])) ||
                               std::isdigit(static_cast<unsigned char>(line[n])) || line[n] == '_')) {
        ++n;
    }
    return n > 0 && line.compare(n, 3, " = ") == 0 ? line.substr(0, n) : std::string();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

bool has_placeholder(const std::string& text) {
    for (size_t at = text.find('@'); at != std::string::npos; at = text.find('@', at + 1)) {
        size_t end = at + 1;
        while (end < text.size() && (std::isupper(static_cast<unsigned char>(text[end])) || text[end] == '_')) ++end;
        if (end > at + 1 && end < text.size() && text[end] == '@') return true;
    }
    return false;
}

const std::string kMinimal = R"(
[server]
hostname = "mx.example.org"
data_dir = "data"
[tls]
cert = "tls/cert.pem"
key = "/etc/ssl/key.pem"
)";

}  // namespace

TEST_CASE("a minimal config gets defaults and resolves relative paths") {
    auto cfg = parse_config(kMinimal, "m.toml", "/srv/mr");
    REQUIRE(cfg.ok());
    CHECK(cfg->server.hostname == "mx.example.org");
    CHECK(cfg->server.data_dir == "/srv/mr/data");
    CHECK(cfg->tls.cert == "/srv/mr/tls/cert.pem");
    CHECK(cfg->tls.key == "/etc/ssl/key.pem");
    CHECK(cfg->server.run_user == "mailroom");
    CHECK(cfg->limits.max_message_size == 50 * 1024 * 1024);
    CHECK(cfg->listen.smtp.empty());
}

TEST_CASE("unknown keys and sections are errors with their line") {
    auto cfg = parse_config(kMinimal + "[limits]\nmax_conections = 5\n", "m.toml", "/x");
    REQUIRE_FALSE(cfg.ok());
    CHECK(cfg.error().message.find("m.toml:9") != std::string::npos);
    CHECK(cfg.error().message.find("max_conections") != std::string::npos);

    auto cfg2 = parse_config(kMinimal + "[smptd]\nx = 1\n", "m.toml", "/x");
    REQUIRE_FALSE(cfg2.ok());
    CHECK(cfg2.error().message.find("smptd") != std::string::npos);
}

TEST_CASE("bad values are refused with file and line") {
    struct Row {
        std::string extra;
        std::string expect;  // fragment of the error
        const char* why;
    };
    const Row rows[] = {
        {"[limits]\nmax_connections = \"many\"\n", "m.toml:9", "string where an integer belongs"},
        {"[limits]\nmax_connections = 0\n", "outside", "below the minimum"},
        {"[listen]\nsmtp = [\"127.0.0.1\"]\n", "host:port", "endpoint without a port"},
        {"[listen]\nsmtp = [\"127.0.0.1:70000\"]\n", "1-65535", "port out of range"},
        {"[listen]\nimap = \"127.0.0.1:143\"\n", "list of strings", "a string instead of a list"},
        {"[server]\n", "m.toml", "a section defined twice is a TOML error"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.why);
        auto cfg = parse_config(kMinimal + row.extra, "m.toml", "/x");
        REQUIRE_FALSE(cfg.ok());
        CHECK(cfg.error().message.find(row.expect) != std::string::npos);
    }
}

TEST_CASE("missing required keys are named") {
    auto cfg = parse_config("[server]\nhostname = \"a\"\n", "m.toml", "/x");
    REQUIRE_FALSE(cfg.ok());
    CHECK(cfg.error().message.find("data_dir") != std::string::npos);
    CHECK(cfg.error().message.find("cert") != std::string::npos);
}

TEST_CASE("endpoints") {
    CHECK(parse_endpoint("127.0.0.1:25")->port == 25);
    CHECK(parse_endpoint("[::1]:143")->host == "::1");
    CHECK(parse_endpoint("[::1]:143")->port == 143);
    CHECK_FALSE(parse_endpoint("::1:143").ok());  // v6 must be bracketed
    CHECK_FALSE(parse_endpoint(":25").ok());
    CHECK_FALSE(parse_endpoint("host:").ok());
    CHECK_FALSE(parse_endpoint("host:2x5").ok());
}

TEST_CASE("the rendered default config parses and uses the port base") {
    InitValues v;
    v.hostname = "mail.example.com";
    v.port_base = 30000;
    auto cfg = parse_config(render_default_config(v), "init.toml", "/var/mr");
    REQUIRE(cfg.ok());
    CHECK(cfg->server.hostname == "mail.example.com");
    CHECK(cfg->listen.smtp == std::vector<std::string>{"127.0.0.1:30025"});
    CHECK(cfg->listen.submission == std::vector<std::string>{"127.0.0.1:30587"});
    CHECK(cfg->listen.submissions == std::vector<std::string>{"127.0.0.1:30465"});
    CHECK(cfg->listen.imap == std::vector<std::string>{"127.0.0.1:30143"});
    CHECK(cfg->listen.imaps == std::vector<std::string>{"127.0.0.1:30993"});
    CHECK(cfg->listen.pop3 == std::vector<std::string>{"127.0.0.1:30110"});
    CHECK(cfg->listen.pop3s == std::vector<std::string>{"127.0.0.1:30995"});
    CHECK(cfg->http.listen == std::vector<std::string>{"127.0.0.1:30080"});
    CHECK(cfg->http.tls_listen == std::vector<std::string>{"127.0.0.1:30443"});
    CHECK_FALSE(has_placeholder(render_default_config(v)));
    CHECK(has_placeholder(config_template()));
}

TEST_CASE("every key of the template is documented by a comment just above it") {
    // A key line preceded by a comment or another key of the same block is documented;
    // this guards against adding a key to the template without saying what it does.
    std::string prev;
    int keys = 0;
    for (const auto& line : lines_of(config_template())) {
        if (!key_of(line).empty()) {
            ++keys;
            CAPTURE(line);
            CHECK((prev.starts_with("#") || !key_of(prev).empty()));
        }
        prev = line;
    }
    CHECK(keys >= 17);
}

TEST_CASE("every key the code reads appears in the template") {
    std::string table;
    std::set<std::string> present;
    for (const auto& line : lines_of(config_template())) {
        if (line.starts_with("[") && line.find(']') != std::string::npos) {
            table = line.substr(1, line.find(']') - 1);
        } else if (auto key = key_of(line); !key.empty()) {
            present.insert(table + "." + key);
        }
    }
    CHECK(present.size() >= 17);
    for (const auto& key : known_config_keys()) {
        CAPTURE(key);
        CHECK(present.contains(key));
    }
}

TEST_CASE("submission settings") {
    auto defaults = parse_config(kMinimal, "m.toml", "/x");
    REQUIRE(defaults.ok());
    CHECK_FALSE(defaults->submission.allow_any_from);
    auto any = parse_config(kMinimal + "[submission]\nallow_any_from = true\n", "m.toml", "/x");
    REQUIRE(any.ok());
    CHECK(any->submission.allow_any_from);
    CHECK_FALSE(parse_config(kMinimal + "[submission]\nallow_any_from = 1\n", "m.toml", "/x").ok());
}

TEST_CASE("http settings (webd)") {
    auto defaults = parse_config(kMinimal, "m.toml", "/x");
    REQUIRE(defaults.ok());
    CHECK(defaults->http.listen.empty());
    CHECK(defaults->http.mta_sts_mode == "testing");
    CHECK(defaults->http.max_body_bytes == 65536);
    auto set = parse_config(kMinimal + "[http]\nlisten = [\"[::1]:80\"]\ntls_listen = [\"0.0.0.0:443\"]\n"
                                       "mta_sts_mode = \"enforce\"\nrequest_timeout_s = 3\n",
                            "m.toml", "/x");
    REQUIRE(set.ok());
    CHECK(set->http.tls_listen == std::vector<std::string>{"0.0.0.0:443"});
    CHECK(set->http.mta_sts_mode == "enforce");
    CHECK(set->http.request_timeout_s == 3);
    CHECK_FALSE(parse_config(kMinimal + "[http]\nmta_sts_mode = \"strict\"\n", "m.toml", "/x").ok());
    CHECK_FALSE(parse_config(kMinimal + "[http]\nlisten = [\"localhost\"]\n", "m.toml", "/x").ok());
    CHECK_FALSE(parse_config(kMinimal + "[http]\nmax_body_bytes = 10\n", "m.toml", "/x").ok());
}

TEST_CASE("acme settings") {
    auto defaults = parse_config(kMinimal, "m.toml", "/x");
    REQUIRE(defaults.ok());
    CHECK_FALSE(defaults->acme.enabled);
    CHECK(defaults->acme.directory == "https://acme-v02.api.letsencrypt.org/directory");
    CHECK(defaults->acme.email.empty());
    CHECK(defaults->acme.ca_file.empty());
    auto set = parse_config(kMinimal + "[http]\nlisten = [\"127.0.0.1:80\"]\n"
                                       "[acme]\nenabled = true\ndirectory = \"https://127.0.0.1:14000/dir\"\n"
                                       "email = \"admin@example.org\"\nca_file = \"pebble.pem\"\n",
                            "m.toml", "/x");
    REQUIRE(set.ok());
    CHECK(set->acme.enabled);
    CHECK(set->acme.directory == "https://127.0.0.1:14000/dir");
    CHECK(set->acme.email == "admin@example.org");
    CHECK(set->acme.ca_file == std::filesystem::path("/x/pebble.pem"));
    // Validation needs the HTTP (http-01) or HTTPS (tls-alpn-01) listener.
    CHECK_FALSE(parse_config(kMinimal + "[acme]\nenabled = true\n", "m.toml", "/x").ok());
    CHECK(parse_config(kMinimal + "[http]\ntls_listen = [\"127.0.0.1:443\"]\n[acme]\nenabled = true\n", "m.toml", "/x")
              .ok());
    CHECK_FALSE(parse_config(kMinimal + "[acme]\ndirectory = \"ftp://x\"\n", "m.toml", "/x").ok());
    CHECK_FALSE(parse_config(kMinimal + "[acme]\nemail = \"nobody\"\n", "m.toml", "/x").ok());
    CHECK_FALSE(parse_config(kMinimal + "[acme]\nenabled = \"yes\"\n", "m.toml", "/x").ok());
}

TEST_CASE("milter settings") {
    auto defaults = parse_config(kMinimal, "m.toml", "/x");
    REQUIRE(defaults.ok());
    CHECK(defaults->milter.servers.empty());
    CHECK(defaults->milter.timeout_ms == 10000);
    CHECK(defaults->milter.default_action == "tempfail");
    auto set = parse_config(kMinimal +
                                "[milter]\nservers = [\"inet:127.0.0.1:11332\", \"inet6:[::1]:8891\"]\n"
                                "timeout_ms = 2500\ndefault_action = \"accept\"\n",
                            "m.toml", "/x");
    REQUIRE(set.ok());
    CHECK(set->milter.servers.size() == 2);
    CHECK(set->milter.timeout_ms == 2500);
    CHECK(set->milter.default_action == "accept");
    CHECK_FALSE(parse_config(kMinimal + "[milter]\nservers = [\"unix:/run/m.sock\"]\n", "m.toml", "/x").ok());
    CHECK_FALSE(parse_config(kMinimal + "[milter]\nservers = [\"inet:localhost\"]\n", "m.toml", "/x").ok());
    CHECK_FALSE(parse_config(kMinimal + "[milter]\ndefault_action = \"reject\"\n", "m.toml", "/x").ok());
    CHECK_FALSE(parse_config(kMinimal + "[milter]\ntimeout_ms = 0\n", "m.toml", "/x").ok());
}

TEST_CASE("auth settings") {
    auto cfg = parse_config(kMinimal + "[auth]\nallow_plaintext_on_loopback = true\nmax_failures = 3\n", "m.toml", "/x");
    REQUIRE(cfg.ok());
    CHECK(cfg->auth.allow_plaintext_on_loopback);
    CHECK(cfg->auth.max_failures == 3);
    CHECK(cfg->auth.failure_delay_ms == 500);
    auto bad = parse_config(kMinimal + "[auth]\nallow_plaintext_on_loopback = \"yes\"\n", "m.toml", "/x");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("true or false") != std::string::npos);
    auto defaults = parse_config(kMinimal, "m.toml", "/x");
    CHECK_FALSE(defaults->auth.allow_plaintext_on_loopback);
    CHECK(defaults->pop3.idle_timeout_s == 600);
    CHECK_FALSE(parse_config(kMinimal + "[pop3]\nidle_timeout_s = 60\n", "m.toml", "/x").ok());  // below RFC 1939
    CHECK(defaults->pop3.threads == 0);  // one loop per CPU
    auto four = parse_config(kMinimal + "[pop3]\nthreads = 4\n", "m.toml", "/x");
    REQUIRE(four.ok());
    CHECK(four->pop3.threads == 4);
    CHECK_FALSE(parse_config(kMinimal + "[pop3]\nthreads = -1\n", "m.toml", "/x").ok());
    CHECK_FALSE(parse_config(kMinimal + "[pop3]\nthreads = 65\n", "m.toml", "/x").ok());
    CHECK(defaults->auth.check_threads == 2);
    CHECK(defaults->auth.max_queued_checks == 1024);
    CHECK(defaults->auth.max_checks_per_address == 16);
    CHECK(defaults->auth.failure_window_s == 900);
    CHECK(defaults->auth.max_failures_per_address == 10);
    CHECK(defaults->auth.refusal_period_s == 300);
    auto refusal = parse_config(
        kMinimal + "[auth]\nfailure_window_s = 60\nmax_failures_per_address = 0\nrefusal_period_s = 30\n", "m.toml", "/x");
    REQUIRE(refusal.ok());
    CHECK(refusal->auth.failure_window_s == 60);
    CHECK(refusal->auth.max_failures_per_address == 0);
    CHECK(refusal->auth.refusal_period_s == 30);
    CHECK_FALSE(parse_config(kMinimal + "[auth]\nrefusal_period_s = 0\n", "m.toml", "/x").ok());
    CHECK_FALSE(parse_config(kMinimal + "[auth]\nmax_failures_per_address = -1\n", "m.toml", "/x").ok());
    auto checks = parse_config(kMinimal + "[auth]\ncheck_threads = 4\nmax_queued_checks = 10\nmax_checks_per_address = 1\n",
                               "m.toml", "/x");
    REQUIRE(checks.ok());
    CHECK(checks->auth.check_threads == 4);
    CHECK(checks->auth.max_queued_checks == 10);
    CHECK(checks->auth.max_checks_per_address == 1);
    CHECK_FALSE(parse_config(kMinimal + "[auth]\ncheck_threads = 0\n", "m.toml", "/x").ok());
    CHECK_FALSE(parse_config(kMinimal + "[auth]\nmax_checks_per_address = 0\n", "m.toml", "/x").ok());
}

TEST_CASE("connection limits: per address before login, per user and address after") {
    auto defaults = parse_config(kMinimal, "m.toml", "/x");
    REQUIRE(defaults.ok());
    CHECK(defaults->limits.max_connections == 4000);
    CHECK(defaults->limits.max_connections_per_ip == 50);
    CHECK(defaults->imap.max_connections_per_user_ip == 20);
    CHECK(defaults->imap.idle_keepalive_secs == 120);
    CHECK_FALSE(parse_config(kMinimal + "[imap]\nidle_keepalive_secs = 0\n", "m.toml", "/x").ok());
    CHECK(defaults->submission.max_connections_per_user_ip == 10);
    CHECK(defaults->imap.login_timeout_s == 60);
    CHECK(defaults->pop3.login_timeout_s == 60);
    CHECK(defaults->pop3.idle_timeout_s == 600);
    // A config written before logged-in connections were counted apart still loads; its
    // max_connections_per_ip now bounds the connections not logged in.
    auto old = parse_config(kMinimal + "[limits]\nmax_connections = 1000\nmax_connections_per_ip = 50\n", "m.toml", "/x");
    REQUIRE(old.ok());
    CHECK(old->limits.max_connections_per_ip == 50);
    auto set = parse_config(kMinimal +
                                "[imap]\nmax_connections_per_user_ip = 3\n[submission]\nmax_connections_per_user_ip = 2\n"
                                "[pop3]\nlogin_timeout_s = 5\n",
                            "m.toml", "/x");
    REQUIRE(set.ok());
    CHECK(set->imap.max_connections_per_user_ip == 3);
    CHECK(set->submission.max_connections_per_user_ip == 2);
    CHECK(set->pop3.login_timeout_s == 5);
    CHECK_FALSE(parse_config(kMinimal + "[imap]\nmax_connections_per_user_ip = 0\n", "m.toml", "/x").ok());
    CHECK_FALSE(parse_config(kMinimal + "[pop3]\nlogin_timeout_s = 0\n", "m.toml", "/x").ok());
}

TEST_CASE("[dns] servers: the resolvers of every lookup, delivery.dns_servers as the older name") {
    using V = std::vector<std::string>;
    auto defaults = parse_config(kMinimal, "m.toml", "/x");
    REQUIRE(defaults.ok());
    CHECK(defaults->dns.servers.empty());  // /etc/resolv.conf

    auto dns = parse_config(kMinimal + "[dns]\nservers = [\"127.0.0.1:5353\", \"[::1]:53\"]\n", "m.toml", "/x");
    REQUIRE(dns.ok());
    CHECK(dns->dns.servers == V{"127.0.0.1:5353", "[::1]:53"});

    auto old = parse_config(kMinimal + "[delivery]\ndns_servers = [\"127.0.0.1:5300\"]\n", "m.toml", "/x");
    REQUIRE(old.ok());
    CHECK(old->dns.servers == V{"127.0.0.1:5300"});

    auto both = parse_config(
        kMinimal + "[dns]\nservers = [\"127.0.0.1:5353\"]\n[delivery]\ndns_servers = [\"127.0.0.1:5300\"]\n", "m.toml",
        "/x");
    REQUIRE(both.ok());
    CHECK(both->dns.servers == V{"127.0.0.1:5353"});  // [dns] wins

    auto empty_new = parse_config(
        kMinimal + "[dns]\nservers = []\n[delivery]\ndns_servers = [\"127.0.0.1:5300\"]\n", "m.toml", "/x");
    REQUIRE(empty_new.ok());
    CHECK(empty_new->dns.servers == V{"127.0.0.1:5300"});  // empty [dns] defers to the old key

    auto bad = parse_config(kMinimal + "[dns]\nservers = [\"127.0.0.1\"]\n", "m.toml", "/x");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("servers") != std::string::npos);
    CHECK(bad.error().message.find("m.toml:9") != std::string::npos);
}

TEST_CASE("[listen] smtp_proxy and proxy_trusted") {
    using V = std::vector<std::string>;
    auto defaults = parse_config(kMinimal, "m.toml", "/x");
    REQUIRE(defaults.ok());
    CHECK(defaults->listen.smtp_proxy.empty());
    CHECK(defaults->listen.proxy_trusted.empty());  // nobody

    auto set = parse_config(kMinimal + "[listen]\nsmtp_proxy = [\"127.0.0.1:2526\", \"[::1]:2526\"]\n"
                                       "proxy_trusted = [\"127.0.0.0/8\", \"2001:db8::/32\", \"192.0.2.7\"]\n",
                            "m.toml", "/x");
    REQUIRE(set.ok());
    CHECK(set->listen.smtp_proxy == V{"127.0.0.1:2526", "[::1]:2526"});
    CHECK(set->listen.proxy_trusted == V{"127.0.0.0/8", "2001:db8::/32", "192.0.2.7"});

    for (const char* extra : {"[listen]\nsmtp_proxy = [\"127.0.0.1\"]\n", "[listen]\nproxy_trusted = [\"10.0.0.0/33\"]\n",
                              "[listen]\nproxy_trusted = [\"10.0.0.1/8\"]\n", "[listen]\nproxy_trusted = [\"lb.example\"]\n"}) {
        CAPTURE(extra);
        auto bad = parse_config(kMinimal + extra, "m.toml", "/x");
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().message.find("m.toml:9") != std::string::npos);
    }
}
