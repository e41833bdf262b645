// What /metrics shows, gathered at each scrape: every daemon's counters file under
// <data_dir>/run/metrics/, the queue (size, deferred recipients, oldest entry) and the
// bytes of the store (walked at most once a minute: a walk of a large store is not free,
// and it runs on webd's loop).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace mr::webd::server {

std::function<std::string()> metrics_document(const std::filesystem::path& data_dir);

}  // namespace mr::webd::server
