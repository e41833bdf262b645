// Store work of a POP3 session, through storage/message_reader.hpp (reads) and a
// MailboxStore borrowed from the user's storage::StorePool (writes), as imapd and deliverd
// get theirs: pop3d opens no store itself. Every function here blocks and runs on the thread pool, never on
// the loop; a session runs at most one of them at a time.
//
// Invariants:
// - The snapshot lists INBOX in UID order as it was at login, with the sizes RETR will
//   send (storage::list_with_sizes: the length of the CRLF form,
//   common/text/message_data.hpp),
//   so LIST and RETR agree byte for byte.
// - A message expunged by IMAP after login answers -ERR to RETR/TOP
//   (storage::MessageReader::open refuses).
// - No index connection is held between commands: an idle session costs its snapshot only
//   (issue 5: 64 KiB per idle authenticated connection).
// - Writes happen in update_maildrop(), one borrowed store for the \Seen flags gathered
//   by RETR and, at QUIT only, the removals. The pool comes from the loop's
//   StorePoolRegistry at that moment and lingers there after the session (store_pool.hpp),
//   so a client that polls reuses the store; a session holds none while it is idle.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "common/util/result.hpp"
#include "pop3d/proto/session.hpp"
#include "storage/store_pool.hpp"

namespace mr::pop3d::server {

inline constexpr std::string_view kInbox = "INBOX";

struct LoadedMaildrop {
    Result<Maildrop> drop = Error::internal("not loaded");
    std::vector<std::string> files;  // the store's name of drop.messages[i] (storage::MessageReader)
};
LoadedMaildrop load_maildrop(const std::filesystem::path& user_dir);

// Adds \Seen to `seen`, then removes exactly the UIDs in `expunge`, \Deleted or not (so an
// IMAP client's own \Deleted marks elsewhere are untouched), on one store of `stores`. The
// removal is one MailboxStore::remove transaction: every marked message goes, or none
// (RFC 1939 §6 UPDATE). A failure to store \Seen is logged and does not stop it.
Result<void> update_maildrop(storage::StorePool& stores, std::span<const std::uint32_t> seen,
                             std::span<const std::uint32_t> expunge);

}  // namespace mr::pop3d::server
