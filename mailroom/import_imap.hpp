// `mailroom import imap`: copying a user's mail from another IMAP server, as imapsync
// does. Every folder the old server lists (not \Noselect ones) with every message's bytes,
// flags, keywords and INTERNALDATE; names decoded from modified UTF-7 and the old
// server's hierarchy delimiter turned into ours ("/").
//
// Resumable and repeatable:
//  - A state file remembers, per old folder, its UIDVALIDITY and the highest UID copied;
//    a later run asks only for newer UIDs. It is rewritten after every batch.
//  - Each message is appended with a delivery key naming server, account, folder,
//    UIDVALIDITY and UID, so a batch stored just before a crash (state not yet written)
//    is not stored twice when the run is repeated.
//  - A folder whose UIDVALIDITY changed on the old server since the last run is skipped
//    with a warning: its UIDs no longer say what was copied.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mailroom/imap_client.hpp"

namespace mr::cli {

struct ImapImportOptions {
    ImapServer server;
    std::string user;
    std::string password;
    std::filesystem::path user_dir;    // the mailroom user's store
    std::filesystem::path state_file;  // see above
    bool progress = false;             // a progress line on stderr
};

struct ImapImportSummary {
    std::uint64_t folders = 0;
    std::uint64_t messages = 0;  // stored now
    std::uint64_t bytes = 0;
    std::uint64_t already = 0;   // found stored by an earlier, interrupted run
    std::vector<std::string> warnings;
};

ImapImportSummary import_imap(const ImapImportOptions& options);

}  // namespace mr::cli
