// MailboxStore read paths for imapd's hot commands (issue 6 figures): a byte range of
// a message file for FETCH, and the view of a mailbox a client opens. Invariants:
// mailbox_store.hpp (readers see the last commit; no transaction while talking to a
// client: both calls return before the caller writes anything).
//
// Why these exist beside messages() and read_message(): FETCH 1:* of 10,000 messages
// used to cost a mailbox lookup, an index query and a whole-file read per message for
// a header of 1-2 KiB, and opening a mailbox of 100,000 messages loaded every structure
// blob only to count flags.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "storage/mailbox_store.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

namespace {

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

Result<std::string> MailboxStore::read_message_range(std::string_view mailbox, const MessageRecord& m,
                                                     std::uint64_t offset, std::size_t length) {
    auto name = normalize_mailbox_name(mailbox);
    if (!name) return name.error();
    Fd f;
    const fs::path direct = maildir_.folder_path(*name) / m.file;
    f.fd = ::open(direct.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd < 0 && errno == ENOENT) {
        // Renamed by a flag change (another session, POP3) since the record was read.
        auto found = maildir_.locate(*name, m.file);
        if (!found) return found.error();
        f.fd = ::open(found->c_str(), O_RDONLY | O_CLOEXEC);
    }
    if (f.fd < 0) return Error::system(errno, "open " + direct.string() + ": " + std::strerror(errno));
    std::string out(length, '\0');
    std::size_t got = 0;
    while (got < length) {
        const ssize_t n = ::pread(f.fd, out.data() + got, length - got, static_cast<off_t>(offset + got));
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error::system(errno, "read " + direct.string() + ": " + std::strerror(errno));
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
}

Result<std::vector<MessageRecord>> MailboxStore::messages_with_headers(std::string_view name,
                                                                      std::span<const std::uint32_t> uids) {
    MailboxRecord box;
    std::vector<MessageRecord> records;
    {
        auto snapshot = sqlite::ReadSnapshot::begin(db_);
        if (!snapshot) return snapshot.error();
        auto found = mailbox(name);
        if (!found) return found.error();
        box = std::move(*found);
        auto loaded = index::load_messages(db_, box.id, uids);
        if (!loaded) return loaded.error();
        records = std::move(*loaded);
        if (auto r = index::load_headers(db_, box.id, records); !r) return r.error();
        if (auto r = overlay_seen(box.id, records); !r) return r.error();
    }  // the snapshot ends before sizes are filled in: that is a write
    return with_derived(box, std::move(records));
}

namespace {

// Smaller views are loaded again each time: cheap, and not worth keeping in memory.
constexpr std::size_t kCachedViewMinMessages = 1000;

bool same_state(const MailboxRecord& a, const MailboxRecord& b) {
    return a.id == b.id && a.uidvalidity == b.uidvalidity && a.uidnext == b.uidnext &&
           a.highestmodseq == b.highestmodseq;
}

}  // namespace

Result<MailboxView> MailboxStore::mailbox_view(std::string_view name) {
    auto snapshot = sqlite::ReadSnapshot::begin(db_);
    if (!snapshot) return snapshot.error();
    MailboxView view;
    auto box = mailbox(name);
    if (!box) return box.error();
    if (view_cache_ && same_state(view_cache_->box, *box)) {
        view = *view_cache_;
        view.box = std::move(*box);  // the name may differ (RENAME keeps id and UIDs)
    } else {
        view.box = std::move(*box);
        auto rows = index::load_view(db_, view.box.id);
        if (!rows) return rows.error();
        view.uids = std::move(rows->uids);
        view.first_unseen = rows->first_unseen;
        view.keywords = std::move(rows->keywords);
        if (view.uids.size() >= kCachedViewMinMessages) view_cache_ = view;
        else view_cache_.reset();
    }
    if (!seen_reader_.empty()) {  // the cache keeps the owner's
        auto first = private_first_unseen(view.box.id, view.uids);
        if (!first) return first.error();
        view.first_unseen = *first;
    }
    return view;
}

}  // namespace mr::storage
