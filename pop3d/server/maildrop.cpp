#include "pop3d/server/maildrop.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log/log.hpp"
#include "common/text/message_data.hpp"
#include "storage/directory.hpp"
#include "storage/mailbox_store.hpp"
#include "storage/maildir.hpp"

namespace mr::pop3d::server {

namespace {

int open_file(const std::filesystem::path& path) {
    int fd;
    do {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

// Octets RETR sends for the file (the length of its CRLF form), or nullopt if it cannot be read.
std::optional<std::uint64_t> measure(int fd) {
    text::Rfc822SizeCounter counter;
    std::string buf(kReadChunk, '\0');
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) break;
        counter.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    }
    return counter.finish();
}

}  // namespace

namespace {

// The file of a message: the index's name, or the same base under its current name.
std::optional<std::string> find_file(const std::filesystem::path& user_dir, const std::string& file) {
    std::error_code ec;
    if (std::filesystem::exists(user_dir / file, ec)) return file;
    auto located = storage::Maildir(user_dir).locate(kInbox, file);
    if (!located) return std::nullopt;
    return located->parent_path().filename().string() + "/" + located->filename().string();
}

}  // namespace

LoadedMaildrop load_maildrop(const std::filesystem::path& user_dir) {
    LoadedMaildrop out;
    std::uint32_t uidvalidity = 0;
    std::vector<storage::MessageRecord> records;
    {
        auto store = storage::MailboxStore::open(user_dir);
        if (!store) {
            out.drop = Error::internal(store.error().message);
            return out;
        }
        auto box = store->mailbox(kInbox);
        if (!box) {
            out.drop = Error::internal(box.error().message);
            return out;
        }
        uidvalidity = box->uidvalidity;
        auto recs = store->messages(kInbox);
        if (!recs) {
            out.drop = Error::internal(recs.error().message);
            return out;
        }
        records = std::move(recs.value());
    }  // the index connection is closed before any file is read
    Maildrop drop;
    drop.uidvalidity = uidvalidity;
    drop.messages.reserve(records.size());
    out.files.reserve(records.size());
    for (auto& rec : records) {
        if (rec.rfc822_size >= 0) {
            // The common case: the index knows the size, no file is touched at login.
            drop.messages.push_back({rec.uid, static_cast<std::uint64_t>(rec.rfc822_size)});
            out.files.push_back(std::move(rec.file));
            continue;
        }
        // The store could not measure it (file unreadable under its name): look once more.
        auto file = find_file(user_dir, rec.file);
        if (!file) continue;  // expunged meanwhile
        const int fd = open_file(user_dir / *file);
        if (fd < 0) continue;
        const auto size = measure(fd);
        ::close(fd);
        if (!size) {
            out.drop = Error::internal("cannot read message " + std::to_string(rec.uid));
            return out;
        }
        drop.messages.push_back({rec.uid, *size});
        out.files.push_back(std::move(*file));
    }
    out.drop = std::move(drop);
    return out;
}

Result<void> update_maildrop(const std::filesystem::path& user_dir, std::span<const std::uint32_t> seen,
                             std::span<const std::uint32_t> expunge) {
    if (seen.empty() && expunge.empty()) return {};
    auto store = storage::MailboxStore::open(user_dir);
    if (!store) return store.error();
    if (!seen.empty()) {
        // \Seen is a hint for IMAP clients: failing to store it must not stop the removals.
        if (auto r = store->set_flags(kInbox, seen, storage::FlagOp::Add, storage::kSeen); !r) {
            log::warn("seen_failed", {{"error", r.error().message}});
        }
    }
    if (expunge.empty()) return {};
    if (auto r = store->remove(kInbox, expunge); !r) return r.error();
    return {};
}

MessageFile::~MessageFile() {
    if (fd_ >= 0) ::close(fd_);
}

Result<void> MessageFile::open(const std::filesystem::path& user_dir, const std::string& file) {
    fd_ = open_file(user_dir / file);
    if (fd_ < 0) {
        auto found = find_file(user_dir, file);
        if (!found) return Error::refused("message file missing: " + file);
        fd_ = open_file(user_dir / *found);
    }
    if (fd_ < 0) return Error::refused(std::string("open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return Error::internal(std::string("fstat: ") + std::strerror(errno));
    remaining_ = static_cast<std::uint64_t>(st.st_size);
    return {};
}

Result<FileChunk> MessageFile::read() {
    FileChunk chunk;
    const std::size_t want = remaining_ < kReadChunk ? static_cast<std::size_t>(remaining_) : kReadChunk;
    chunk.bytes.resize(want);
    std::size_t got = 0;
    while (got < want) {
        const ssize_t n = ::read(fd_, chunk.bytes.data() + got, want - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::internal(std::string("read: ") + std::strerror(errno));
        if (n == 0) break;  // shorter than at open(): send what there is
        got += static_cast<std::size_t>(n);
    }
    chunk.bytes.resize(got);
    remaining_ -= got;
    chunk.eof = remaining_ == 0 || got < want;
    return chunk;
}

}  // namespace mr::pop3d::server
