#include "imapd/server/quota_reader.hpp"

namespace mr::imapd::server {

Result<std::int64_t> QuotaReader::quota_bytes(std::string_view user) {
    std::lock_guard lock(mutex_);
    if (!directory_) {
        auto opened = storage::Directory::open(db_file_);
        if (!opened) return opened.error();
        directory_.emplace(std::move(opened.value()));
    }
    auto found = directory_->find_user(user);
    if (!found) {
        directory_.reset();
        return found.error();
    }
    return found.value() ? found.value()->quota_bytes : std::int64_t{0};
}

}  // namespace mr::imapd::server
