// Reading a mailbox the way a session that lists it once and then fetches messages by
// number does (POP3's maildrop): the listing with each message's size, and the bytes of
// one message, in chunks or, from the page cache, whole.
//
// Invariants:
// - list_with_sizes() reports each message's RFC822 size (common/text/message_data.hpp), which is what
//   POP3 RETR sends before dot-stuffing: the index's number, so listing reads no message
//   file, even for files other Maildir tools wrote. Only a row the store could not measure
//   is measured here, and left out if its file is gone (expunged meanwhile).
// - No index connection is held after list_with_sizes() returns: a reader of a listing
//   costs the listing only. Messages are read by the listing's file name, found again by
//   its Maildir base name if another client renamed it meanwhile (Maildir::locate).
// - Message files are never modified (maildir.hpp), so the size taken at open() tells
//   where the end is and the last chunk is known without an extra empty read.
// - read_if_cached() never waits for the disk: the path lookup uses
//   openat2(RESOLVE_CACHED) and the read preadv2(RWF_NOWAIT); either one answering EAGAIN
//   (or anything else going wrong) gives false and the caller takes the chunked path,
//   which also reports real errors. Only whole files: a partial read is false, so large
//   messages keep their back-pressure. "Whole" is known without fstat in the common case:
//   the read asks for one octet more than the message's listed size, which is never less
//   than the file's size (CRLF stays, bare LF/CR grow to CRLF). So a read returning
//   exactly the listed size read the whole file, and so did a shorter one ending inside a
//   page (a read that meets a page missing from the cache stops at that page's start).
//   Anything else (a bare-LF file in a page-sized piece, say) is checked against fstat.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"

namespace mr::storage {

inline constexpr std::size_t kMessageChunk = 64 * 1024;

struct ListedMessage {
    std::uint32_t uid = 0;
    std::uint64_t size = 0;  // RFC822 size
    std::string file;        // the store's name for it: give it back to MessageReader
    std::string pop3_uidl;   // MessageRecord::pop3_uidl
};

struct MailboxListing {
    std::uint32_t uidvalidity = 0;
    std::vector<ListedMessage> messages;  // in UID order
};

Result<MailboxListing> list_with_sizes(const std::filesystem::path& user_dir, std::string_view mailbox);

struct MessageChunk {
    std::string bytes;
    bool eof = false;  // nothing follows these bytes
};

// One message's bytes, read in chunks (by one thread at a time).
class MessageReader {
public:
    MessageReader() = default;
    ~MessageReader();
    MessageReader(const MessageReader&) = delete;
    MessageReader& operator=(const MessageReader&) = delete;

    // Refused when the message is gone (expunged since it was listed).
    Result<void> open(const std::filesystem::path& user_dir, std::string_view mailbox, const std::string& file);
    // Up to kMessageChunk bytes.
    Result<MessageChunk> read();

private:
    int fd_ = -1;
    std::uint64_t remaining_ = 0;
};

// Scratch space of read_if_cached, reused by a thread for every message: no allocation per
// message once grown.
struct CachedReadBuffers {
    std::string path;
    std::string bytes;
};

// True with the whole file of a listed message (of `mailbox`) in buffers.bytes; false
// (bytes unspecified) otherwise, and always when `listed_size` exceeds `max_size`.
bool read_if_cached(const std::filesystem::path& user_dir, std::string_view mailbox, std::string_view file,
                    std::uint64_t listed_size, std::size_t max_size, CachedReadBuffers& buffers);

}  // namespace mr::storage
