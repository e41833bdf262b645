// stored_bytes, UsageReader: see mailbox_usage.hpp for the invariants.
#include "storage/mailbox_usage.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "storage/mailbox_index.hpp"

namespace mr::storage {

Result<std::int64_t> stored_bytes(const std::filesystem::path& user_dir) {
    const auto file = user_dir / index::kFileName;
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        if (ec) return Error::internal(file.string() + ": " + ec.message());
        return std::int64_t{0};
    }
    auto db = sqlite::Db::open(file, sqlite::Durability::Normal);
    if (!db) return db.error();
    return index::stored_bytes(*db);
}

UsageReader::~UsageReader() {
    while (!open_.empty()) close(open_.begin());
}

void UsageReader::close(std::list<Open>::iterator it) {
    if (it->fd >= 0) ::close(it->fd);
    open_.erase(it);
}

Result<std::int64_t> UsageReader::stored_bytes(const std::filesystem::path& user_dir) {
    const std::string file = (user_dir / index::kFileName).string();
    auto kept = open_.begin();
    while (kept != open_.end() && kept->index_file != file) ++kept;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        const int err = errno;
        if (kept != open_.end()) close(kept);
        if (err == ENOENT) return std::int64_t{0};
        return Error::internal(file + ": " + std::strerror(err));
    }
    if (kept != open_.end() && (kept->dev != st.st_dev || kept->ino != st.st_ino)) {
        close(kept);  // a new index at the same path
        kept = open_.end();
    }
    if (kept == open_.end()) {
        auto db = sqlite::Db::open(file, sqlite::Durability::Normal);
        if (!db) return db.error();
        ++opens_;
        const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        struct stat held {};
        if (fd < 0 || ::fstat(fd, &held) != 0) {
            if (fd >= 0) ::close(fd);
            return Error::internal("index " + file + " vanished after opening it");
        }
        open_.push_front(Open{file, held.st_dev, held.st_ino, fd, std::move(*db)});
        kept = open_.begin();
        while (open_.size() > max_open_) close(std::prev(open_.end()));
    } else if (kept != open_.begin()) {
        open_.splice(open_.begin(), open_, kept);  // most recently used first
    }
    auto used = index::stored_bytes(kept->db);
    if (!used) close(kept);
    return used;
}

}  // namespace mr::storage
