// deliverd's crash recovery; see uncommitted_files.hpp for the invariants.
#include "storage/uncommitted_files.hpp"

#include <optional>
#include <system_error>

#include "storage/atomic_file.hpp"
#include "storage/mailbox_index.hpp"
#include "storage/maildir.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

namespace {

Error list_error(const fs::path& dir, const std::error_code& ec) {
    return Error::internal("cannot list " + dir.string() + ": " + ec.message());
}

// Delivery temporaries in tmp/: every one is an unfinished write.
Result<std::size_t> remove_delivery_temporaries(const fs::path& tmp) {
    std::size_t removed = 0;
    std::error_code ec;
    for (fs::directory_iterator it(tmp, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const auto target = temp_file_target(name);
        if (!target || !is_delivery_file_name(*target)) continue;
        std::error_code rm;
        if (fs::remove(it->path(), rm)) ++removed;
    }
    if (ec && ec != std::errc::no_such_file_or_directory) return list_error(tmp, ec);
    return removed;
}

}  // namespace

Result<RecoveryReport> remove_uncommitted_deliveries(const fs::path& user_dir) {
    RecoveryReport report;
    report.users = 1;
    auto temporaries = remove_delivery_temporaries(user_dir / "tmp");
    if (!temporaries) return temporaries.error();
    report.temporaries = *temporaries;

    const fs::path new_dir = user_dir / "new";
    std::vector<fs::path> candidates;
    std::error_code ec;
    for (fs::directory_iterator it(new_dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (is_delivery_file_name(it->path().filename().string())) candidates.push_back(it->path());
    }
    if (ec && ec != std::errc::no_such_file_or_directory) return list_error(new_dir, ec);
    if (candidates.empty()) return report;

    if (index::missing(user_dir)) return report;
    auto db = index::open(user_dir / index::kFileName);
    if (!db) return db.error();
    for (const auto& file : candidates) {
        auto named = index::names_new_file(*db, file.filename().string());
        if (!named) return named.error();
        if (*named) continue;
        std::error_code rm;
        if (fs::remove(file, rm)) ++report.files;
    }
    // The removals need not be durable: a file that comes back after a power loss is
    // removed again by the next start, before anything is delivered.
    return report;
}

RecoveryReport remove_uncommitted_deliveries_everywhere(const fs::path& mail_root) {
    RecoveryReport total;
    std::error_code ec;
    for (fs::directory_iterator domain(mail_root, ec), end; !ec && domain != end; domain.increment(ec)) {
        std::error_code dir_ec;
        if (!domain->is_directory(dir_ec)) continue;
        for (fs::directory_iterator user(domain->path(), dir_ec); !dir_ec && user != end; user.increment(dir_ec)) {
            std::error_code user_ec;
            if (!user->is_directory(user_ec)) continue;
            auto one = remove_uncommitted_deliveries(user->path());
            if (!one) {
                total.errors.push_back(user->path().string() + ": " + one.error().message);
                continue;
            }
            total.users += one->users;
            total.files += one->files;
            total.temporaries += one->temporaries;
        }
        if (dir_ec) total.errors.push_back(list_error(domain->path(), dir_ec).message);
    }
    if (ec && ec != std::errc::no_such_file_or_directory) total.errors.push_back(list_error(mail_root, ec).message);
    return total;
}

}  // namespace mr::storage
