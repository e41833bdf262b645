// list_with_sizes, MessageReader, read_if_cached: see message_reader.hpp for the invariants.
#include "storage/message_reader.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "storage/mailbox_store.hpp"
#include "storage/maildir.hpp"
#include "common/text/message_data.hpp"

namespace mr::storage {

namespace {

int open_file(const std::filesystem::path& path) {
    int fd;
    do {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

// The message's file opened: by its listed name, or the same base under its current name.
int open_message(const std::filesystem::path& user_dir, std::string_view mailbox, const std::string& file) {
    const Maildir maildir(user_dir);
    const int fd = open_file(maildir.folder_path(mailbox) / file);
    if (fd >= 0) return fd;
    auto located = maildir.locate(mailbox, file);
    if (!located) return -1;
    return open_file(*located);
}

std::optional<std::uint64_t> measure(int fd) {
    text::Rfc822SizeCounter counter;
    std::string buf(kMessageChunk, '\0');
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) break;
        counter.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    }
    return static_cast<std::uint64_t>(counter.finish());
}

// glibc 2.36 has no openat2 wrapper.
int open_cached(const char* path) {
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC;
    how.resolve = RESOLVE_CACHED;
    return static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how));
}

}  // namespace

Result<MailboxListing> list_with_sizes(const std::filesystem::path& user_dir, std::string_view mailbox) {
    MailboxListing out;
    std::vector<MessageRecord> records;
    {
        auto store = MailboxStore::open(user_dir);
        if (!store) return store.error();
        auto box = store->mailbox(mailbox);
        if (!box) return box.error();
        out.uidvalidity = box->uidvalidity;
        auto recs = store->messages(mailbox);
        if (!recs) return recs.error();
        records = std::move(recs.value());
    }  // the index connection is closed before any file is read
    out.messages.reserve(records.size());
    for (auto& rec : records) {
        if (rec.rfc822_size >= 0) {
            // The common case: the index knows the size, no file is touched.
            out.messages.push_back(
                {rec.uid, static_cast<std::uint64_t>(rec.rfc822_size), std::move(rec.file), std::move(rec.pop3_uidl)});
            continue;
        }
        // The store could not measure it (file unreadable under its name): look once more.
        const int fd = open_message(user_dir, mailbox, rec.file);
        if (fd < 0) continue;  // expunged meanwhile
        const auto size = measure(fd);
        ::close(fd);
        if (!size) return Error::internal("cannot read message " + std::to_string(rec.uid));
        out.messages.push_back({rec.uid, *size, std::move(rec.file), std::move(rec.pop3_uidl)});
    }
    return out;
}

MessageReader::~MessageReader() {
    if (fd_ >= 0) ::close(fd_);
}

Result<void> MessageReader::open(const std::filesystem::path& user_dir, std::string_view mailbox,
                                 const std::string& file) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = open_message(user_dir, mailbox, file);
    if (fd_ < 0) return Error::refused("message file missing: " + file);
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return Error::internal(std::string("fstat: ") + std::strerror(errno));
    remaining_ = static_cast<std::uint64_t>(st.st_size);
    return {};
}

Result<MessageChunk> MessageReader::read() {
    MessageChunk chunk;
    const std::size_t want = remaining_ < kMessageChunk ? static_cast<std::size_t>(remaining_) : kMessageChunk;
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

bool read_if_cached(const std::filesystem::path& user_dir, std::string_view mailbox, std::string_view file,
                    std::uint64_t listed_size, std::size_t max_size, CachedReadBuffers& buffers) {
    if (listed_size > max_size) return false;
    if (mailbox == "INBOX") {  // the folder is the root: no allocation on this path
        buffers.path.assign(user_dir.native());
    } else {
        buffers.path.assign(Maildir(user_dir).folder_path(mailbox).native());
    }
    buffers.path += '/';
    buffers.path += file;
    const int fd = open_cached(buffers.path.c_str());
    if (fd < 0) return false;
    static const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::string& bytes = buffers.bytes;
    const auto want = static_cast<std::size_t>(listed_size) + 1;
    bytes.resize(want);
    iovec iov{bytes.data(), want};
    const ssize_t n = ::preadv2(fd, &iov, 1, 0, RWF_NOWAIT);
    bool whole = false;
    if (n >= 0 && static_cast<std::size_t>(n) < want) {
        const auto got = static_cast<std::size_t>(n);
        struct stat st {};
        whole = got == listed_size || got % page != 0 ||
                (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) == got);
        bytes.resize(got);
    }
    ::close(fd);
    return whole;
}

}  // namespace mr::storage
