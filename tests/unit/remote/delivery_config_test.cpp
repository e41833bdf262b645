// The [delivery] section of mailroom.toml (common/config), as remote delivery reads it.
#include <doctest/doctest.h>

#include <string>

#include "common/config/config.hpp"

using namespace mr::config;

namespace {

const std::string kBase =
    "[server]\nhostname = \"mx.test\"\ndata_dir = \"data\"\n[tls]\ncert = \"c.pem\"\nkey = \"k.pem\"\n";

}  // namespace

TEST_CASE("delivery: defaults") {
    auto cfg = parse_config(kBase, "m.toml", "/srv/mr");
    REQUIRE(cfg);
    const auto& d = cfg->delivery;
    CHECK(d.dns_servers.empty());
    CHECK(d.remote_port == 25);
    CHECK(d.smarthost.empty());
    CHECK(d.smarthost_tls == "required");
    CHECK(d.max_connections == 100);
    CHECK(d.max_connections_per_domain == 10);
    CHECK(d.command_timeout_s == 300);   // RFC 5321 §4.5.3.2.2
    CHECK(d.data_block_timeout_s == 180);  // §4.5.3.2.5
    CHECK(d.data_done_timeout_s == 600);   // §4.5.3.2.6
}

TEST_CASE("delivery: every key read, paths resolved") {
    auto cfg = parse_config(kBase +
                                "[delivery]\ndns_servers = [\"127.0.0.1:5353\", \"[::1]:53\"]\nremote_port = 2525\n"
                                "smarthost = \"relay.test:587\"\nsmarthost_tls = \"opportunistic\"\n"
                                "smarthost_ca_file = \"ca.pem\"\nsmarthost_user = \"u\"\n"
                                "smarthost_password_file = \"/etc/pw\"\nmax_connections = 7\n"
                                "max_connections_per_domain = 3\nconnect_timeout_s = 9\ncommand_timeout_s = 11\n"
                                "data_block_timeout_s = 12\ndata_done_timeout_s = 13\nreuse_idle_s = 0\n",
                            "m.toml", "/srv/mr");
    REQUIRE(cfg);
    const auto& d = cfg->delivery;
    CHECK(d.dns_servers == std::vector<std::string>{"127.0.0.1:5353", "[::1]:53"});
    CHECK(d.remote_port == 2525);
    CHECK(d.smarthost == "relay.test:587");
    CHECK(d.smarthost_tls == "opportunistic");
    CHECK(d.smarthost_ca_file == "/srv/mr/ca.pem");
    CHECK(d.smarthost_user == "u");
    CHECK(d.smarthost_password_file == "/etc/pw");
    CHECK(d.max_connections == 7);
    CHECK(d.max_connections_per_domain == 3);
    CHECK(d.connect_timeout_s == 9);
    CHECK(d.command_timeout_s == 11);
    CHECK(d.data_block_timeout_s == 12);
    CHECK(d.data_done_timeout_s == 13);
    CHECK(d.reuse_idle_s == 0);
}

TEST_CASE("delivery: bad values are refused with the key named") {
    struct Row {
        const char* text;
        const char* key;
    } rows[] = {
        {"dns_servers = [\"127.0.0.1\"]\n", "dns_servers"},  // no port
        {"remote_port = 0\n", "remote_port"},
        {"smarthost = \"relay.test\"\n", "smarthost"},          // no port
        {"smarthost_tls = \"maybe\"\n", "smarthost_tls"},
        {"smarthost_user = \"u\"\n", "smarthost_password_file"},  // a user needs a password
        {"max_connections = 0\n", "max_connections"},
        {"reuse_idle_s = -1\n", "reuse_idle_s"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto cfg = parse_config(kBase + "[delivery]\n" + row.text, "m.toml", "/x");
        REQUIRE_FALSE(cfg);
        CHECK(cfg.error().message.find(row.key) != std::string::npos);
    }
}
