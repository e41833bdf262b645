#include "storage/store_check.hpp"

#include <set>

#include "storage/mailbox_index.hpp"
#include "storage/maildir.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

Result<StoreCheck> check_user_store(const fs::path& user_dir) {
    StoreCheck check;
    if (index::missing(user_dir)) {
        check.problems.push_back("no index (mailroom reindex rebuilds it)");
        return check;
    }
    auto db = index::open(user_dir / index::kFileName);
    if (!db) return db.error();
    auto mailboxes = index::list_mailboxes(*db);
    if (!mailboxes) return mailboxes.error();
    const Maildir maildir(user_dir);
    std::set<std::string> known;
    for (const auto& mailbox : *mailboxes) {
        known.insert(mailbox.name);
        ++check.mailboxes;
        auto rows = index::load_messages(*db, mailbox.id);
        if (!rows) return rows.error();
        auto files = maildir.list(mailbox.name);
        if (!files) {
            check.problems.push_back(mailbox.name + ": folder unreadable: " + files.error().message);
            continue;
        }
        std::set<std::string> indexed;
        for (const auto& row : *rows) {
            ++check.rows;
            const std::string base = parse_maildir_file_name(fs::path(row.file).filename().string()).base;
            indexed.insert(base);
            auto path = maildir.locate(mailbox.name, row.file);
            std::error_code ec;
            if (!path) {
                check.problems.push_back(mailbox.name + ": uid " + std::to_string(row.uid) + " has no file (" +
                                         row.file + ")");
            } else if (const auto size = fs::file_size(*path, ec);
                       !ec && static_cast<std::int64_t>(size) != row.size) {
                check.problems.push_back(mailbox.name + ": uid " + std::to_string(row.uid) + " file is " +
                                         std::to_string(size) + " bytes, the index says " +
                                         std::to_string(row.size));
            }
        }
        for (const auto& f : *files) {
            ++check.files;
            if (!indexed.contains(f.name.base)) check.problems.push_back(mailbox.name + ": " + f.file + " has no index row");
        }
    }
    auto folders = maildir.list_folders();
    if (!folders) return folders.error();
    for (const auto& name : *folders) {
        if (!known.contains(name)) check.problems.push_back(name + ": folder on disk without a mailbox in the index");
    }
    return check;
}

}  // namespace mr::storage
