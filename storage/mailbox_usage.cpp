#include "storage/mailbox_usage.hpp"

#include <system_error>

#include "storage/mailbox_index.hpp"
#include "storage/sqlite/db.hpp"

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

}  // namespace mr::storage
