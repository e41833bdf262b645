// Store work of a POP3 session. Every function here blocks (SQLite, file reads) and runs
// on the thread pool, never on the loop; a session runs at most one of them at a time.
//
// Invariants:
// - The snapshot lists INBOX in UID order as it was at login, with the sizes RETR will
//   send: the index's rfc822_size (the length of the CRLF form,
//   common/text/message_data.hpp), so login reads no message file and LIST and RETR
//   agree byte for byte even for files other Maildir tools wrote. Only a row the store
//   could not measure is measured here, by the same rule, and left out if its file
//   is gone (expunged by IMAP meanwhile).
// - A message expunged by IMAP after login answers -ERR to RETR/TOP (MessageFile::open).
// - No index connection is held between commands: an idle session costs its snapshot only
//   (issue 5: 64 KiB per idle authenticated connection). RETR reads the file by name,
//   found again by its Maildir base name if IMAP renamed it meanwhile (storage::Maildir).
// - Writes happen in update_maildrop(), one store open for the \Seen flags gathered by
//   RETR and, at QUIT only, the removals.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "common/util/result.hpp"
#include "pop3d/proto/session.hpp"

namespace mr::pop3d::server {

inline constexpr std::string_view kInbox = "INBOX";
inline constexpr std::size_t kReadChunk = 64 * 1024;

struct LoadedMaildrop {
    Result<Maildrop> drop = Error::internal("not loaded");
    std::vector<std::string> files;  // folder-relative file of drop.messages[i]
};
LoadedMaildrop load_maildrop(const std::filesystem::path& user_dir);

// Adds \Seen to `seen`, then removes exactly the UIDs in `expunge`, \Deleted or not (so an
// IMAP client's own \Deleted marks elsewhere are untouched), on one store open. The
// removal is one MailboxStore::remove transaction: every marked message goes, or none
// (RFC 1939 §6 UPDATE). A failure to store \Seen is logged and does not stop it.
Result<void> update_maildrop(const std::filesystem::path& user_dir, std::span<const std::uint32_t> seen,
                             std::span<const std::uint32_t> expunge);

struct FileChunk {
    std::string bytes;
    bool eof = false;  // nothing follows these bytes
};

// An open message file read in chunks by pool jobs. Message files are never modified
// (storage/maildir.hpp), so the size taken at open() tells where the end is and the last
// chunk is known without an extra empty read.
class MessageFile {
public:
    MessageFile() = default;
    ~MessageFile();
    MessageFile(const MessageFile&) = delete;
    MessageFile& operator=(const MessageFile&) = delete;

    // Refused when the message is gone (expunged by IMAP since login).
    Result<void> open(const std::filesystem::path& user_dir, const std::string& file);
    // Up to kReadChunk bytes.
    Result<FileChunk> read();

private:
    int fd_ = -1;
    std::uint64_t remaining_ = 0;
};

}  // namespace mr::pop3d::server
