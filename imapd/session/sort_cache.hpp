// SortCache: the SORT and THREAD keys of messages (sort_keys.hpp, plus what THREAD=REFERENCES
// reads of the header), kept in the imapd process so that a repeated SORT or THREAD of a
// mailbox deserializes no envelope and reads no header again (issue 18: 100,000 messages
// took 0.4-2 s per command, each time). Internal to imapd_session.
//
// Invariants:
// - A Box is keyed by (user directory, index file's inode, mailbox name, UIDVALIDITY):
//   UIDVALIDITY values are unique per user index (mailbox_index.hpp), a rebuilt index is a
//   new file, and a message's bytes never change under its UID, so an entry stays right
//   as long as its key lives. Entries of expunged UIDs are never asked for again (a view
//   only holds UIDs that existed), so nothing is ever invalidated.
// - A Box is used under its mutex: store jobs of several sessions run on the pool at once.
// - Bounded: past kMaxEntries cached messages the least recently used boxes are dropped
//   (never the one just asked for); a dropped box a session still holds lives on until it
//   lets go (shared_ptr).
// - last_thread and last_sort answer only the view they were computed for, whole (every
//   message of it).
// - Ranks: for each sort key, every entry's position among all entries in that key's
//   order (equal keys, equal ranks), computed once per key after entries were added, so
//   sorting compares integers.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "imapd/proto/command.hpp"
#include "imapd/session/sort_entry.hpp"

namespace mr::imapd::session {

// SortFields::keys only once `keyed`: ARRIVAL and SIZE alone deserialize no envelope.
struct CachedMessage : SortFields {
    bool keyed = false;
    // THREAD=REFERENCES (threads.hpp), only once `threaded`.
    bool threaded = false;
    std::string message_id;
    std::vector<std::string> references;
};

class SortCacheBox {
public:
    static constexpr std::uint32_t kAbsent = 0xffffffffu;

    std::mutex mutex;

    // The last THREAD response of SEARCH ALL over a view: asked again of the same view
    // (a client re-opening the same folder), it is the same, as the keys never change.
    struct ThreadAnswer {
        bool references = false;
        bool uid = false;
        std::vector<std::uint32_t> view;
        std::string text;  // after "* THREAD "
    };
    std::optional<ThreadAnswer> last_thread;
    // The same for SORT: the positions in sort order of the last SORT ALL of a view.
    struct SortAnswer {
        std::vector<SortCriterion> criteria;
        std::vector<std::uint32_t> view;
        std::vector<std::uint32_t> positions;
    };
    std::optional<SortAnswer> last_sort;

    // The entry slot of `uid`, or kAbsent.
    std::uint32_t slot(std::uint32_t uid) const {
        auto it = slots_.find(uid);
        return it == slots_.end() ? kAbsent : it->second;
    }
    CachedMessage& at(std::uint32_t slot) { return entries_[slot]; }
    std::uint32_t add(std::uint32_t uid, CachedMessage message);
    // Readable without the mutex (SortCache's bound).
    std::size_t size() const { return count_.load(std::memory_order_relaxed); }

    // The positions (`slots[i]`'s message has position `positions[i]`) in SORT order:
    // `criteria` in turn, REVERSE turning one, ties by position (rfc5256.txt:231).
    std::vector<std::uint32_t> sorted(const std::vector<std::uint32_t>& slots,
                                      const std::vector<std::uint32_t>& positions,
                                      const std::vector<SortCriterion>& criteria);

private:
    using Key = SortCriterion::Key;
    static constexpr std::size_t kKeys = 9;
    const std::vector<std::uint32_t>& rank(Key key);

    std::vector<CachedMessage> entries_;
    std::unordered_map<std::uint32_t, std::uint32_t> slots_;
    std::array<std::vector<std::uint32_t>, kKeys> ranks_;
    std::atomic<std::size_t> count_{0};
};

class SortCache {
public:
    static constexpr std::size_t kMaxEntries = 500'000;  // ~150 MB at worst

    // The box of a mailbox, made empty when new. `index_id`: what tells one index file at
    // `user_dir` from an earlier one there (its inode number).
    std::shared_ptr<SortCacheBox> box(const std::filesystem::path& user_dir, std::uint64_t index_id,
                                      const std::string& mailbox, std::uint32_t uidvalidity);

private:
    struct Held {
        std::shared_ptr<SortCacheBox> box;
        std::uint64_t used = 0;
    };
    std::mutex mutex_;
    std::unordered_map<std::string, Held> boxes_;
    std::uint64_t clock_ = 0;
};

// The process's cache (imapd runs every session's store jobs in one process).
SortCache& sort_cache();

}  // namespace mr::imapd::session
