#include "common/config/default_config.hpp"

#include <utility>
#include <vector>

#include "common/config/config_template.inc"  // kConfigTemplate, generated from etc/mailroom.toml

namespace mr::config {

namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
}

}  // namespace

const std::string& config_template() {
    static const std::string text(kConfigTemplate);
    return text;
}

std::string render_default_config(const InitValues& v) {
    std::string text = config_template();
    const std::vector<std::pair<std::string, std::string>> subst = {
        {"@HOSTNAME@", v.hostname},
        {"@DATA_DIR@", v.data_dir},
        {"@SMTP_PORT@", std::to_string(v.port_base + 25)},
        {"@SUBMISSION_PORT@", std::to_string(v.port_base + 587)},
        {"@SUBMISSIONS_PORT@", std::to_string(v.port_base + 465)},
        {"@IMAP_PORT@", std::to_string(v.port_base + 143)},
        {"@IMAPS_PORT@", std::to_string(v.port_base + 993)},
        {"@POP3_PORT@", std::to_string(v.port_base + 110)},
        {"@POP3S_PORT@", std::to_string(v.port_base + 995)},
        {"@MANAGESIEVE_PORT@", std::to_string(v.port_base + 4190)},
        {"@HTTP_PORT@", std::to_string(v.port_base + 80)},
        {"@HTTPS_PORT@", std::to_string(v.port_base + 443)},
    };
    for (const auto& [from, to] : subst) replace_all(text, from, to);
    return text;
}

}  // namespace mr::config
