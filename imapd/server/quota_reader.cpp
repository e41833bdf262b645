#include "imapd/server/quota_reader.hpp"

namespace mr::imapd::server {

Result<std::int64_t> QuotaReader::quota_bytes(std::string_view user) {
    std::int64_t quota = 0;
    auto r = with_directory([&](storage::Directory& d) -> Result<void> {
        auto found = d.find_user(user);
        if (!found) return found.error();
        quota = found.value() ? found.value()->quota_bytes : std::int64_t{0};
        return {};
    });
    if (!r) return r.error();
    return quota;
}

Result<void> QuotaReader::with_directory(const std::function<Result<void>(storage::Directory&)>& fn) {
    std::lock_guard lock(mutex_);
    if (!directory_) {
        auto opened = storage::Directory::open(db_file_);
        if (!opened) return opened.error();
        directory_.emplace(std::move(opened.value()));
    }
    auto r = fn(*directory_);
    // A failed statement may mean a broken connection: open a fresh one next time.
    if (!r && r.error().kind != ErrorKind::Refused && r.error().kind != ErrorKind::Syntax) directory_.reset();
    return r;
}

}  // namespace mr::imapd::server
