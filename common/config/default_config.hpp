// The config file `mailroom init` writes: etc/mailroom.toml (compiled in) with its
// @...@ placeholders filled, so the documentation and the default are one text.
#pragma once

#include <string>

namespace mr::config {

struct InitValues {
    std::string hostname = "localhost";
    std::string data_dir = "data";
    int port_base = 20000;  // listeners on base+25, +587, +465, +143, +993, +110, +995, +80, +443
};

std::string render_default_config(const InitValues& values);

// The template itself, as shipped in etc/mailroom.toml.
const std::string& config_template();

}  // namespace mr::config
