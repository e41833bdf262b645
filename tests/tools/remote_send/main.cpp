// mr-remote-send: hands one message to RemoteDelivery, as deliverd's queue runner would, and
// prints what happened as one JSON object per deliver() call:
//   {"domain":"example.org","results":[{"address":...,"outcome":"delivered|tempfail|permfail",
//    "remote_host":...,"reply":...,"remote_dsn":false}]}
// Recipients are grouped by domain (one deliver() per domain, as the queue runner does);
// --count N repeats every delivery N times at once (connection reuse, concurrency limits).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "common/config/config.hpp"
#include "common/log/log.hpp"
#include "common/net/loop.hpp"
#include "deliverd/remote/remote_delivery.hpp"

namespace {

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

const char* outcome_name(mr::deliverd::RemoteOutcome o) {
    switch (o) {
    case mr::deliverd::RemoteOutcome::Delivered: return "delivered";
    case mr::deliverd::RemoteOutcome::TempFail: return "tempfail";
    case mr::deliverd::RemoteOutcome::PermFail: return "permfail";
    }
    return "?";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"run RemoteDelivery once and print per-recipient results as JSON"};
    std::string config_path, sender, file, ret, envid, notify, log_level = "info";
    std::vector<std::string> rcpts;
    int count = 1;
    bool has_8bit = false, smtputf8 = false;
    app.add_option("--config", config_path, "mailroom.toml")->required();
    app.add_option("--from", sender, "envelope sender (empty: null reverse-path)");
    app.add_option("--file", file, "the message (CRLF lines)")->required();
    app.add_option("--count", count, "deliver this many copies at once")->check(CLI::Range(1, 10000));
    app.add_flag("--8bit", has_8bit, "the message has 8-bit content");
    app.add_flag("--smtputf8", smtputf8, "the message needs SMTPUTF8");
    app.add_option("--ret", ret, "DSN RET");
    app.add_option("--envid", envid, "DSN ENVID");
    app.add_option("--notify", notify, "DSN NOTIFY for every recipient");
    app.add_option("--log-level", log_level, "debug|info|warn|error");
    app.add_option("rcpt", rcpts, "recipients")->required();
    CLI11_PARSE(app, argc, argv);

    mr::log::configure("remote-send", mr::log::parse_level(log_level).value_or(mr::log::Level::Info));
    auto cfg = mr::config::load_config(config_path);
    if (!cfg) {
        std::cerr << cfg.error().message << "\n";
        return 2;
    }
    // Held in memory, as the queue runner holds a message it delivers.
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    std::string data(in ? static_cast<std::size_t>(in.tellg()) : 0, '\0');
    if (!in || !in.seekg(0) || !in.read(data.data(), static_cast<std::streamsize>(data.size()))) {
        std::cerr << file << ": cannot read\n";
        return 2;
    }
    auto bytes = std::make_shared<const std::string>(std::move(data));

    std::map<std::string, mr::deliverd::RemoteMessage> by_domain;
    for (const auto& r : rcpts) {
        auto at = r.rfind('@');
        std::string domain = at == std::string::npos ? "" : r.substr(at + 1);
        auto& m = by_domain[domain];
        m.domain = domain;
        m.recipients.push_back({r, notify, notify.empty() ? "" : "rfc822;" + r});
    }

    int pending = 0;
    {
        mr::net::Loop loop;
        auto remote = mr::deliverd::RemoteDelivery::create(loop, *cfg);
        int n = 0;
        for (int i = 0; i < count; ++i) {
            for (auto& [domain, proto] : by_domain) {
                mr::deliverd::RemoteMessage m = proto;
                m.queue_id = "T" + std::to_string(++n);
                m.sender = sender;
                m.bytes = bytes;
                m.size = static_cast<std::int64_t>(bytes->size());
                m.has_8bit = has_8bit;
                m.needs_smtputf8 = smtputf8;
                m.dsn_ret = ret;
                m.dsn_envid = envid;
                ++pending;
                remote->deliver(std::move(m), [&pending, &loop, &remote, d = domain](
                                                  std::vector<mr::deliverd::RecipientResult> results) {
                    std::string line = "{\"domain\":" + json_string(d) + ",\"results\":[";
                    for (std::size_t k = 0; k < results.size(); ++k) {
                        const auto& r = results[k];
                        line += (k ? "," : "") + std::string("{\"address\":") + json_string(r.address) +
                                ",\"outcome\":\"" + outcome_name(r.outcome) + "\",\"remote_host\":" +
                                json_string(r.remote_host) + ",\"reply\":" + json_string(r.reply) +
                                ",\"remote_dsn\":" + (r.remote_dsn ? "true" : "false") + "}";
                    }
                    std::cout << line << "]}" << std::endl;
                    // Keep idle connections (QUIT after reuse_idle_s) unless all are done.
                    if (--pending == 0) {
                        remote->shutdown();
                        loop.stop();
                    }
                });
            }
        }
        if (pending > 0) loop.run();
        remote.reset();
    }
    return 0;
}
