#include "webd/proto/site.hpp"

namespace mr::webd::proto {

namespace {

int first_port(const std::vector<std::string>& endpoints) {
    if (endpoints.empty()) return 0;
    auto ep = config::parse_endpoint(endpoints.front());
    return ep ? ep->port : 0;
}

}  // namespace

MtaStsMode parse_mta_sts_mode(const std::string& mode) {
    if (mode == "enforce") return MtaStsMode::Enforce;
    if (mode == "none") return MtaStsMode::None;
    return MtaStsMode::Testing;
}

Site site_from_config(const config::Config& cfg) {
    Site s;
    s.hostname = cfg.server.hostname;
    s.imaps = first_port(cfg.listen.imaps);
    s.imap = first_port(cfg.listen.imap);
    s.pop3s = first_port(cfg.listen.pop3s);
    s.pop3 = first_port(cfg.listen.pop3);
    s.submissions = first_port(cfg.listen.submissions);
    s.submission = first_port(cfg.listen.submission);
    s.mta_sts_mode = parse_mta_sts_mode(cfg.http.mta_sts_mode);
    for (const auto& net : cfg.http.metrics_allow) {
        if (auto n = text::parse_ip_network(net)) s.metrics_allow.push_back(*n);  // checked by the config reader
    }
    return s;
}

}  // namespace mr::webd::proto
