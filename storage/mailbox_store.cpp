// MailboxStore: opening a store and mailbox-level operations (list, create,
// rename, delete, subscribe, status, reading). Message writes are in
// mailbox_store_messages.cpp. Invariants: mailbox_store.hpp.
#include "storage/mailbox_store.hpp"

#include <sodium.h>

#include <algorithm>
#include <system_error>

#include "storage/atomic_file.hpp"
#include "storage/default_mailboxes.hpp"
#include "storage/reindex.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

namespace {

bool is_child(std::string_view name, std::string_view parent) {
    return name.size() > parent.size() && name.compare(0, parent.size(), parent) == 0 &&
           name[parent.size()] == '/';
}

// An index with no mailbox at all is a new user's: it gets kDefaultMailboxes, folders
// first. The common case (every later open) is one cheap read, not a dozen mkdir + fsync.
Result<void> ensure_default_mailboxes(sqlite::Db& db, const Maildir& maildir) {
    auto present = index::list_mailboxes(db);
    if (!present) return present.error();
    if (!present->empty()) return {};
    for (const auto& d : kDefaultMailboxes) {
        if (auto r = maildir.create_folder(d.name); !r) return r;
    }
    auto tx = sqlite::Transaction::begin(db, sqlite::Durability::Full);
    if (!tx) return tx.error();
    // Only a brand-new index gets the defaults (a user who deleted Junk keeps it deleted),
    // so asked again inside the transaction: another process may have opened it meanwhile.
    auto existing = index::list_mailboxes(db);
    if (!existing) return existing.error();
    if (!existing->empty()) return {};
    for (const auto& d : kDefaultMailboxes) {
        if (auto r = index::insert_mailbox(db, d.name, d.special_use, true); !r) return r.error();
    }
    return tx->commit();
}

}  // namespace

Result<MailboxStore> MailboxStore::open(const fs::path& user_dir) {
    if (sodium_init() < 0) return Error::internal("libsodium initialisation failed");
    // 1. The user directory: the first delivery to a new user creates it.
    std::error_code ec;
    fs::create_directories(user_dir, ec);
    if (ec) return Error::internal("mkdir " + user_dir.string() + ": " + ec.message());
    // 2. A missing index is rebuilt from the Maildir before it is opened, and only a
    //    missing one: mail without an index means the index was lost, and opening would
    //    create an empty one that hides the mail. (No mail: nothing to rebuild, step 3
    //    creates the index.)
    if (index::missing(user_dir)) {
        if (auto r = reindex_if_missing(user_dir); !r) return r.error();
    }
    // 3. The index, its schema created or migrated.
    auto db = index::open(user_dir / index::kFileName);
    if (!db) return db.error();
    // 4. The default mailboxes, in an index that has none.
    Maildir maildir(user_dir);
    if (auto r = ensure_default_mailboxes(*db, maildir); !r) return r.error();
    return MailboxStore(std::move(maildir), std::move(*db));
}

Result<std::vector<MailboxRecord>> MailboxStore::list_mailboxes() { return index::list_mailboxes(db_); }

Result<MailboxRecord> MailboxStore::mailbox(std::string_view name) {
    auto normalized = normalize_mailbox_name(name);
    if (!normalized) return normalized.error();
    auto found = index::find_mailbox(db_, *normalized);
    if (!found) return found.error();
    if (!*found) return Error::refused(ErrorCode::NoSuchMailbox, "no such mailbox: " + *normalized);
    return std::move(**found);
}

Result<MailboxRecord> MailboxStore::create_mailbox(std::string_view name, std::string_view special_use) {
    auto normalized = normalize_mailbox_name(name);
    if (!normalized) return normalized.error();
    // Directories first (idempotent): a row never exists without its folder.
    if (auto r = maildir_.create_folder(*normalized); !r) return r.error();
    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Full);
    if (!tx) return tx.error();
    // A subscription the name kept after an earlier delete is the new mailbox's (schema v8).
    auto resubscribed = index::remove_lost_subscription(db_, *normalized);
    if (!resubscribed) return resubscribed.error();
    auto record = index::insert_mailbox(db_, *normalized, special_use, *resubscribed);
    if (!record) return record.error();
    if (auto r = tx->commit(); !r) return r.error();
    return record;
}

Result<void> MailboxStore::rename_mailbox(std::string_view from, std::string_view to) {
    auto src = normalize_mailbox_name(from);
    if (!src) return src.error();
    auto dst = normalize_mailbox_name(to);
    if (!dst) return dst.error();
    if (*dst == "INBOX" || is_child(*dst, *src) || *dst == *src) {
        return Error::refused("cannot rename " + *src + " to " + *dst);
    }
    if (*src == "INBOX") {
        // RFC 3501 §6.3.5 (rfc3501.txt:2086): a new mailbox receives INBOX's messages.
        auto created = create_mailbox(*dst);
        if (!created) return created.error();
        auto all = messages("INBOX");
        if (!all) return all.error();
        std::vector<std::uint32_t> uids;
        for (const auto& m : *all) uids.push_back(m.uid);
        if (auto moved = move("INBOX", uids, *dst); !moved) return moved.error();
        return {};
    }
    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Full);
    if (!tx) return tx.error();
    auto boxes = index::list_mailboxes(db_);
    if (!boxes) return boxes.error();
    std::vector<std::pair<std::string, std::string>> renames;  // old name → new name
    for (const auto& b : *boxes) {
        if (b.name == *src || is_child(b.name, *src)) {
            renames.emplace_back(b.name, *dst + b.name.substr(src->size()));
        }
    }
    if (renames.empty()) return Error::refused(ErrorCode::NoSuchMailbox, "no such mailbox: " + *src);
    for (const auto& b : *boxes) {
        for (const auto& [old_name, new_name] : renames) {
            if (b.name == new_name) return Error::refused(ErrorCode::MailboxExists, "mailbox exists: " + new_name);
        }
    }
    std::vector<std::pair<fs::path, fs::path>> done;
    auto undo = [&] {
        for (auto it = done.rbegin(); it != done.rend(); ++it) {
            std::error_code ec;
            fs::rename(it->second, it->first, ec);
        }
    };
    for (const auto& [old_name, new_name] : renames) {
        const fs::path a = maildir_.folder_path(old_name);
        const fs::path b = maildir_.folder_path(new_name);
        std::error_code ec;
        fs::rename(a, b, ec);
        if (ec) {
            undo();
            return Error::internal("rename " + a.string() + ": " + ec.message());
        }
        done.emplace_back(a, b);
        if (auto r = index::rename_mailbox_row(db_, old_name, new_name); !r) {
            undo();
            return r;
        }
    }
    if (auto r = fsync_directory(maildir_.root()); !r) {
        undo();
        return r;
    }
    if (auto r = tx->commit(); !r) {
        undo();
        return r;
    }
    return {};
}

Result<void> MailboxStore::delete_mailbox(std::string_view name) {
    auto normalized = normalize_mailbox_name(name);
    if (!normalized) return normalized.error();
    if (*normalized == "INBOX") return Error::refused(ErrorCode::InboxProtected, "INBOX cannot be deleted");
    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Full);
    if (!tx) return tx.error();
    auto found = index::find_mailbox(db_, *normalized);
    if (!found) return found.error();
    if (!*found) return Error::refused(ErrorCode::NoSuchMailbox, "no such mailbox: " + *normalized);
    // The subscription stays (RFC 3501 §6.3.6, rfc3501.txt:2151).
    if ((*found)->subscribed) {
        if (auto r = index::add_lost_subscription(db_, *normalized); !r) return r;
    }
    if (auto r = index::delete_mailbox_row(db_, *normalized); !r) return r.error();
    if (auto r = tx->commit(); !r) return r;
    // After the commit: a crash here leaves a folder without a row, which a
    // reindex would bring back, never a row without its folder.
    std::error_code ec;
    fs::remove_all(maildir_.folder_path(*normalized), ec);
    if (ec) return Error::internal("remove " + *normalized + ": " + ec.message());
    return fsync_directory(maildir_.root());
}

Result<void> MailboxStore::subscribe(std::string_view name, bool subscribed) {
    auto box = mailbox(name);
    if (box) return index::set_subscribed(db_, box->id, subscribed);
    // Only a name whose mailbox is gone may be unsubscribed without one; a new
    // subscription needs the mailbox (RFC 3501 §6.3.6 lets the server check).
    if (box.error().code != ErrorCode::NoSuchMailbox || subscribed) return box.error();
    auto normalized = normalize_mailbox_name(name);
    if (!normalized) return normalized.error();
    auto removed = index::remove_lost_subscription(db_, *normalized);
    if (!removed) return removed.error();
    if (!*removed) return box.error();
    return {};
}

Result<void> MailboxStore::subscribe_elsewhere(std::string_view name, bool subscribed) {
    auto normalized = normalize_mailbox_name(name);
    if (!normalized) return normalized.error();
    if (subscribed) return index::add_lost_subscription(db_, *normalized);
    auto removed = index::remove_lost_subscription(db_, *normalized);
    if (!removed) return removed.error();
    if (!*removed) return Error::refused(ErrorCode::NoSuchMailbox, "not subscribed: " + *normalized);
    return {};
}

Result<std::vector<std::string>> MailboxStore::lost_subscriptions() { return index::lost_subscriptions(db_); }

Result<MailboxStatus> MailboxStore::status(std::string_view name) {
    auto box = mailbox(name);
    if (!box) return box.error();
    auto counts = index::mailbox_counts(db_, box->id);
    if (!counts) return counts.error();
    MailboxStatus st;
    st.messages = counts->messages;
    st.unseen = counts->unseen;
    if (!seen_reader_.empty()) {
        auto seen = private_seen_count(box->id);
        if (!seen) return seen.error();
        st.unseen = counts->messages - std::min(*seen, counts->messages);
    }
    st.size = counts->rfc822_bytes;
    st.uidnext = box->uidnext;
    st.uidvalidity = box->uidvalidity;
    st.highestmodseq = box->highestmodseq;
    st.object_id = box->object_id;
    return st;
}

Result<std::vector<MessageRecord>> MailboxStore::messages(std::string_view name) {
    auto box = mailbox(name);
    if (!box) return box.error();
    auto records = index::load_messages(db_, box->id);
    if (!records) return records.error();
    if (auto r = overlay_seen(box->id, *records); !r) return r.error();
    return with_derived(*box, std::move(*records));
}

Result<std::vector<MessageRecord>> MailboxStore::messages(std::string_view name,
                                                          std::span<const std::uint32_t> uids) {
    auto box = mailbox(name);
    if (!box) return box.error();
    auto records = index::load_messages(db_, box->id, uids);
    if (!records) return records.error();
    if (auto r = overlay_seen(box->id, *records); !r) return r.error();
    return with_derived(*box, std::move(*records));
}

Result<fs::path> MailboxStore::message_path(std::string_view name, std::uint32_t uid) {
    auto box = mailbox(name);
    if (!box) return box.error();
    const std::uint32_t one[] = {uid};
    auto found = index::load_messages(db_, box->id, one);
    if (!found) return found.error();
    if (found->empty()) return Error::refused(ErrorCode::NoSuchMessage, "no such message: UID " + std::to_string(uid));
    return maildir_.locate(box->name, found->front().file);
}

Result<std::string> MailboxStore::read_message(std::string_view name, std::uint32_t uid) {
    auto path = message_path(name, uid);
    if (!path) return path.error();
    return read_file(*path);
}

Result<std::int64_t> MailboxStore::total_size() { return index::stored_bytes(db_); }

Result<std::int64_t> MailboxStore::size_of(std::string_view name, std::span<const std::uint32_t> uids) {
    std::vector<std::uint32_t> sorted(uids.begin(), uids.end());
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    if (sorted.empty()) return std::int64_t{0};
    auto snapshot = sqlite::ReadSnapshot::begin(db_);
    if (!snapshot) return snapshot.error();
    auto box = mailbox(name);
    if (!box) return box.error();
    return index::file_bytes(db_, box->id, sorted);
}

}  // namespace mr::storage
