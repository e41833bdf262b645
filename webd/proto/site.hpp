// Site: what webd's documents describe, as one value the router reads: our mail hostname,
// the hosted domains, the client-facing ports and the MTA-STS mode.
//
// Invariants:
// - Domains are lower-case without a trailing dot (as the directory stores them).
// - A port of 0 is a service without a listener: the documents leave it out.
// - The server glue builds a new Site when the directory's domains change and swaps it in
//   whole; the core never sees a half-updated one.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/text/ip_network.hpp"

namespace mr::webd::proto {

enum class MtaStsMode { Testing, Enforce, None };

struct Site {
    std::string hostname;  // the MX and the client-facing server name
    std::set<std::string> domains;
    int imaps = 0;
    int imap = 0;
    int pop3s = 0;
    int pop3 = 0;
    int submissions = 0;
    int submission = 0;
    MtaStsMode mta_sts_mode = MtaStsMode::Testing;
    // With [acme] on: the key authorization of a pending http-01 token (RFC 8555 §8.3),
    // nullopt when none; empty (ACME off): every challenge path is 404. Only called with
    // tokens of base64url characters.
    std::function<std::optional<std::string>(const std::string& token)> acme_challenge;
    // /metrics: the networks that may read it ([http] metrics_allow) and the document (the
    // server glue reads the counters files and the queue); empty: /metrics is 404.
    std::vector<text::IpNetwork> metrics_allow;
    std::function<std::string()> metrics;

    bool hosts(const std::string& domain) const { return domains.count(domain) != 0; }
};

// "testing" | "enforce" | "none" (validated by the config reader).
MtaStsMode parse_mta_sts_mode(const std::string& mode);

// The Site of a config, without domains (the caller adds the directory's).
Site site_from_config(const config::Config& cfg);

}  // namespace mr::webd::proto
