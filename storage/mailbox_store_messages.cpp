// MailboxStore message writes: append (group commit), flags, copy/move, expunge,
// and changes_since. Invariants: mailbox_store.hpp (file writes before the
// transaction, renames inside it, unlinks after the commit; one MODSEQ bump per
// transaction).
#include <algorithm>
#include <ctime>
#include <map>
#include <system_error>

#include "common/mime/message_ids.hpp"
#include "common/mime/message_structure.hpp"
#include "common/mime/structure_blob.hpp"
#include "storage/atomic_file.hpp"
#include "storage/mailbox_store.hpp"
#include "common/text/message_data.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

namespace {

// Larger header blocks (rare, and suspicious) are not cached: readers read the file.
constexpr std::size_t kMaxCachedHeader = 64 * 1024;

// Keywords are IMAP atoms; the index joins them with spaces, so none may
// contain one (imapd validates the full atom grammar before us).
Result<void> check_keywords(std::span<const std::string> keywords) {
    for (const auto& k : keywords) {
        if (k.empty()) return Error::syntax("empty keyword");
        for (char c : k) {
            const auto u = static_cast<unsigned char>(c);
            if (u <= 0x20 || u == 0x7f) return Error::syntax("bad keyword: " + k);
        }
    }
    return {};
}

void remove_files(const std::vector<fs::path>& files) {
    for (const auto& f : files) {
        std::error_code ec;
        fs::remove(f, ec);
    }
}

}  // namespace

Result<AppendResult> MailboxStore::append(std::string_view mailbox_name, std::string_view bytes,
                                          std::uint32_t flags, std::span<const std::string> keywords,
                                          std::int64_t internal_date,
                                          std::optional<std::string> delivery_key) {
    AppendMessage m;
    m.mailbox = std::string(mailbox_name);
    m.bytes = bytes;
    m.flags = flags;
    m.keywords.assign(keywords.begin(), keywords.end());
    m.internal_date = internal_date;
    m.delivery_key = std::move(delivery_key);
    auto r = append_batch(std::span<const AppendMessage>(&m, 1));
    if (!r) return r.error();
    return r->front();
}

Result<std::vector<AppendResult>> MailboxStore::append_batch(std::span<const AppendMessage> batch) {
    const std::int64_t now = std::time(nullptr);
    std::vector<AppendResult> results(batch.size());
    std::vector<bool> skip(batch.size(), false);
    std::map<std::string, MailboxRecord> boxes;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto box = mailbox(batch[i].mailbox);  // Refused: imapd answers [TRYCREATE]
        if (!box) return box.error();
        if (auto r = check_keywords(batch[i].keywords); !r) return r.error();
        names.push_back(box->name);
        boxes.emplace(box->name, *box);
        if (batch[i].delivery_key) {
            auto seen = index::find_delivery_key(db_, *batch[i].delivery_key);
            if (!seen) return seen.error();
            if (*seen) {
                results[i] = AppendResult{(*seen)->uid, (*seen)->uidvalidity, true};
                skip[i] = true;
            }
        }
    }

    // Files first, outside the transaction: fsync'd, one directory fsync per folder.
    std::vector<MessageRecord> records(batch.size());
    std::vector<std::vector<std::string>> links(batch.size());  // what finds each one's thread
    std::vector<fs::path> written(batch.size());
    for (const auto& [name, box] : boxes) {
        std::vector<NewMessage> group;
        std::vector<std::size_t> which;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (skip[i] || names[i] != name) continue;
            const std::int64_t date = batch[i].internal_date > 0 ? batch[i].internal_date : now;
            // A keyed append is a delivery: its file name is marked for crash recovery
            // (uncommitted_files.hpp).
            group.push_back(NewMessage{batch[i].bytes, batch[i].flags & kAllFlags, date,
                                       batch[i].delivery_key.has_value()});
            which.push_back(i);
            auto& rec = records[i];
            rec.flags = batch[i].flags & kAllFlags;
            rec.keywords = split_keywords(join_keywords(batch[i].keywords));
            rec.internal_date = date;
            rec.size = static_cast<std::int64_t>(batch[i].bytes.size());
            rec.rfc822_size = static_cast<std::int64_t>(text::rfc822_size(batch[i].bytes));
            rec.structure = mr::mime::structure_blob(batch[i].bytes);
            // The header block goes into message_headers too (schema v3), so a client's
            // first sync fetches header fields without opening every file.
            if (auto parsed = mr::mime::deserialize(rec.structure);
                parsed && parsed->root.body_start <= kMaxCachedHeader)
                rec.header = std::string(batch[i].bytes.substr(0, parsed->root.body_start));
            links[i] = mr::mime::thread_links(batch[i].bytes);
        }
        if (group.empty()) continue;
        auto files = maildir_.deliver(name, group);
        if (!files) {
            remove_files(written);
            return files.error();
        }
        for (std::size_t k = 0; k < which.size(); ++k) {
            records[which[k]].file = (*files)[k];
            written[which[k]] = maildir_.folder_path(name) / (*files)[k];
        }
    }

    auto fail = [&](Error e) -> Result<std::vector<AppendResult>> {
        remove_files(written);
        return e;
    };
    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Full);
    if (!tx) return fail(tx.error());
    auto modseq = index::next_modseq(db_);
    if (!modseq) return fail(modseq.error());
    std::vector<fs::path> duplicates;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (skip[i]) continue;
        // Re-read inside the lock: the mailbox may have gone, or another process
        // may have stored the same delivery key since the check above.
        auto box = index::find_mailbox(db_, names[i]);
        if (!box) return fail(box.error());
        if (!*box || (*box)->id != boxes[names[i]].id) return fail(Error::refused(ErrorCode::NoSuchMailbox, "mailbox vanished: " + names[i]));
        auto uid = index::reserve_uids(db_, (*box)->id, 1);
        if (!uid) return fail(uid.error());
        records[i].uid = *uid;
        records[i].modseq = *modseq;
        if (auto r = index::assign_ids(db_, records[i], links[i]); !r) return fail(r.error());
        auto inserted = index::insert_message(db_, (*box)->id, records[i], batch[i].delivery_key);
        if (!inserted) return fail(inserted.error());
        if (!*inserted) {
            auto seen = index::find_delivery_key(db_, *batch[i].delivery_key);
            if (!seen || !*seen) return fail(Error::internal("delivery key conflict"));
            results[i] = AppendResult{(*seen)->uid, (*seen)->uidvalidity, true};
            duplicates.push_back(written[i]);
            continue;
        }
        results[i] = AppendResult{*uid, (*box)->uidvalidity, false};
        if (auto r = index::set_highestmodseq(db_, (*box)->id, *modseq); !r) return fail(r.error());
    }
    if (auto r = tx->commit(); !r) return fail(r.error());
    remove_files(duplicates);
    return results;
}

Result<SetFlagsResult> MailboxStore::set_flags(std::string_view name, std::span<const std::uint32_t> uids,
                                               FlagOp op, std::uint32_t flags,
                                               std::span<const std::string> keywords,
                                               std::optional<std::uint64_t> unchanged_since) {
    if (auto r = check_keywords(keywords); !r) return r.error();
    flags &= kAllFlags;
    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Normal);
    if (!tx) return tx.error();
    auto box = mailbox(name);
    if (!box) return box.error();
    auto current = index::load_messages(db_, box->id, uids);
    if (!current) return current.error();
    // With a reader, \Seen is the reader's (private_seen) and the stored one stays as it is.
    std::vector<std::uint32_t> stored_flags;
    for (const auto& m : *current) stored_flags.push_back(m.flags);
    if (auto r = overlay_seen(box->id, *current); !r) return r.error();
    const std::uint32_t private_bits = seen_reader_.empty() ? 0u : static_cast<std::uint32_t>(kSeen);
    SetFlagsResult out;
    std::size_t i = 0;
    std::optional<std::uint64_t> modseq;
    for (auto& m : *current) {
        const std::uint32_t stored = stored_flags[i++];
        if (unchanged_since && m.modseq > *unchanged_since) {
            out.modified.push_back(m.uid);
            continue;
        }
        std::uint32_t new_flags = m.flags;
        std::vector<std::string> new_keywords = m.keywords;
        switch (op) {
            case FlagOp::Replace:
                new_flags = flags;
                new_keywords.assign(keywords.begin(), keywords.end());
                break;
            case FlagOp::Add:
                new_flags |= flags;
                new_keywords.insert(new_keywords.end(), keywords.begin(), keywords.end());
                break;
            case FlagOp::Remove:
                new_flags &= ~flags;
                std::erase_if(new_keywords, [&](const std::string& k) {
                    for (const auto& r : keywords) {
                        if (r == k) return true;
                    }
                    return false;
                });
                break;
        }
        new_keywords = split_keywords(join_keywords(new_keywords));
        if (new_flags == m.flags && new_keywords == m.keywords) continue;
        if (!modseq) {
            auto next = index::next_modseq(db_);
            if (!next) return next.error();
            modseq = *next;
        }
        if ((new_flags ^ m.flags) & private_bits) {
            const index::PrivateSeen row{m.uid, (new_flags & kSeen) != 0, *modseq};
            if (auto r = index::set_private_seen(db_, box->id, seen_reader_, row); !r) return r.error();
        }
        const std::uint32_t new_stored = (new_flags & ~private_bits) | (stored & private_bits);
        if (new_stored != stored || new_keywords != m.keywords) {
            if (new_stored != stored) {
                // The file name mirrors the system flags, so a reindex keeps them.
                auto file = maildir_.set_flags(box->name, m.file, new_stored);
                if (!file) return file.error();
                m.file = *file;
            }
            MessageRecord row = m;
            row.flags = new_stored;
            row.keywords = new_keywords;
            row.modseq = *modseq;
            if (auto r = index::update_flags(db_, box->id, row); !r) return r.error();
        }
        m.flags = new_flags;
        m.keywords = std::move(new_keywords);
        m.modseq = *modseq;
        out.updated.push_back(FlagUpdate{m.uid, m.modseq, m.flags, m.keywords});
    }
    if (modseq) {
        if (auto r = index::set_highestmodseq(db_, box->id, *modseq); !r) return r.error();
    }
    if (auto r = tx->commit(); !r) return r.error();
    return out;
}

Result<UidMap> MailboxStore::copy(std::string_view from, std::span<const std::uint32_t> uids,
                                  std::string_view to) {
    return transfer(from, uids, to, false);
}

Result<UidMap> MailboxStore::move(std::string_view from, std::span<const std::uint32_t> uids,
                                  std::string_view to) {
    return transfer(from, uids, to, true);
}

Result<UidMap> MailboxStore::transfer(std::string_view from, std::span<const std::uint32_t> uids,
                                      std::string_view to, bool remove_source) {
    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Full);
    if (!tx) return tx.error();
    auto src = mailbox(from);
    if (!src) return src.error();
    auto dst = mailbox(to);  // Refused: imapd answers [TRYCREATE]
    if (!dst) return dst.error();
    auto source = index::load_messages(db_, src->id, uids);
    if (!source) return source.error();
    UidMap map{dst->uidvalidity, {}};
    if (source->empty()) return map;
    auto first = index::reserve_uids(db_, dst->id, static_cast<std::uint32_t>(source->size()));
    if (!first) return first.error();
    auto modseq = index::next_modseq(db_);
    if (!modseq) return modseq.error();

    // Undo file operations if anything below fails before the commit.
    std::vector<std::pair<fs::path, fs::path>> done;  // (source path, new path)
    auto fail = [&](Error e) -> Result<UidMap> {
        for (const auto& [old_path, new_path] : done) {
            std::error_code ec;
            if (remove_source) fs::rename(new_path, old_path, ec);
            else fs::remove(new_path, ec);
        }
        return e;
    };
    for (std::size_t i = 0; i < source->size(); ++i) {
        MessageRecord m = (*source)[i];
        auto old_path = maildir_.locate(src->name, m.file);
        if (!old_path) return fail(old_path.error());
        auto file = remove_source ? maildir_.move_to(src->name, m.file, dst->name, m.flags)
                                  : maildir_.link_to(src->name, m.file, dst->name, m.flags);
        if (!file) return fail(file.error());
        done.emplace_back(*old_path, maildir_.folder_path(dst->name) / *file);
        const std::uint32_t old_uid = m.uid;
        m.uid = *first + static_cast<std::uint32_t>(i);
        m.modseq = *modseq;
        m.file = *file;
        // Saved here now (RFC 8514 §4); the EMAILID (rfc8474.txt:299) and with it the
        // THREADID (rfc8474.txt:324) stay.
        m.save_date = 0;
        auto inserted = index::insert_message(db_, dst->id, m, std::nullopt);
        if (!inserted) return fail(inserted.error());
        if (remove_source) {
            if (auto r = index::expunge_message(db_, src->id, old_uid, *modseq); !r) return fail(r.error());
        }
        map.uids.emplace_back(old_uid, m.uid);
    }
    if (auto r = index::set_highestmodseq(db_, dst->id, *modseq); !r) return fail(r.error());
    if (remove_source) {
        if (auto r = index::set_highestmodseq(db_, src->id, *modseq); !r) return fail(r.error());
    }
    if (auto r = fsync_directory(maildir_.folder_path(dst->name) / "cur"); !r) return fail(r.error());
    if (remove_source) {
        for (const char* sub : {"cur", "new"}) {
            if (auto r = fsync_directory(maildir_.folder_path(src->name) / sub); !r) return fail(r.error());
        }
    }
    if (auto r = tx->commit(); !r) return fail(r.error());
    return map;
}

Result<std::vector<std::uint32_t>> MailboxStore::expunge(std::string_view name,
                                                         std::optional<std::span<const std::uint32_t>> uids) {
    return remove_messages(name, uids, true);
}

Result<std::vector<std::uint32_t>> MailboxStore::remove(std::string_view name,
                                                        std::span<const std::uint32_t> uids) {
    return remove_messages(name, uids, false);
}

Result<std::vector<std::uint32_t>> MailboxStore::remove_messages(
    std::string_view name, std::optional<std::span<const std::uint32_t>> uids, bool only_deleted) {
    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Full);
    if (!tx) return tx.error();
    auto box = mailbox(name);
    if (!box) return box.error();
    auto candidates = uids           ? index::load_messages(db_, box->id, *uids)
                      : only_deleted ? index::load_with_flags(db_, box->id, kDeleted)
                                     : index::load_messages(db_, box->id);
    if (!candidates) return candidates.error();
    std::vector<std::uint32_t> expunged;
    std::vector<fs::path> files;
    std::optional<std::uint64_t> modseq;
    for (const auto& m : *candidates) {
        if (only_deleted && !(m.flags & kDeleted)) continue;
        if (!modseq) {
            auto next = index::next_modseq(db_);
            if (!next) return next.error();
            modseq = *next;
        }
        if (auto r = index::expunge_message(db_, box->id, m.uid, *modseq); !r) return r.error();
        if (auto path = maildir_.locate(box->name, m.file)) files.push_back(*path);
        expunged.push_back(m.uid);
    }
    if (!modseq) return expunged;
    if (auto r = index::set_highestmodseq(db_, box->id, *modseq); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    // After the commit (see the header): a crash here leaves files a reindex
    // would resurrect, never a row without its file.
    remove_files(files);
    // One fsync per directory a file left (usually cur/ alone, not cur/ and new/ both): a
    // removal that a crash undoes only brings an expunged message back, never loses mail.
    std::vector<fs::path> dirs;
    for (const auto& f : files)
        if (std::find(dirs.begin(), dirs.end(), f.parent_path()) == dirs.end()) dirs.push_back(f.parent_path());
    for (const auto& d : dirs) (void)fsync_directory(d);
    return expunged;
}

Result<Changes> MailboxStore::changes_since(std::string_view name, std::uint64_t since) {
    Changes out;
    MailboxRecord box;
    {
        auto snapshot = sqlite::ReadSnapshot::begin(db_);
        if (!snapshot) return snapshot.error();
        auto found = mailbox(name);
        if (!found) return found.error();
        box = std::move(*found);
        out.highestmodseq = box.highestmodseq;
        // Every change raises HIGHESTMODSEQ (mailbox_store.hpp): the common answer to
        // imapd's poll after each command, "nothing", needs no query.
        if (since >= box.highestmodseq) return out;
        auto changed = index::load_changed(db_, box.id, since);
        if (!changed) return changed.error();
        out.changed = std::move(*changed);
        if (auto r = add_seen_changes(box.id, since, out.changed); !r) return r.error();
        if (auto r = overlay_seen(box.id, out.changed); !r) return r.error();
        auto expunged = index::expunged_since(db_, box.id, since);
        if (!expunged) return expunged.error();
        out.expunged = std::move(*expunged);
    }  // the snapshot ends before sizes are filled in: that is a write
    auto changed = with_derived(box, std::move(out.changed));
    if (!changed) return changed.error();
    out.changed = std::move(*changed);
    return out;
}

}  // namespace mr::storage
