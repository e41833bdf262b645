// `mailroom export USER DIR`: a user's mail in a standard format another server or
// client reads, so that moving away is as easy as moving in.
//  - Maildir++: the folder tree as Dovecot and Courier lay it out (".Sub.Folder"), each
//    message under its current file name (flags in ":2,"), mtimes kept (INTERNALDATE), and
//    a dovecot-uidlist per folder with our UIDVALIDITY, UIDNEXT and each file's UID, so a
//    Dovecot that takes the tree over keeps the UIDs clients know (no re-download).
//    Keywords are only in our index and are not exported.
//  - mbox (mboxrd, RFC 4155): one file per folder, named like the IMAP name with '/'
//    turned into '.', "INBOX" for the inbox; each message starts with a "From " line
//    (sender from Return-Path, date = INTERNALDATE), lines are LF-terminated and a line
//    matching /^>*From / gets one more '>'.
// Messages are written in UID order; the output directory must not exist or be empty.
#pragma once

#include <cstdint>
#include <filesystem>

#include "common/util/result.hpp"

namespace mr::storage {

enum class ExportFormat { Maildir, Mbox };

struct ExportReport {
    std::uint64_t mailboxes = 0;
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
    std::uint64_t missing = 0;  // index rows whose file could not be read
};

Result<ExportReport> export_user_mail(const std::filesystem::path& user_dir, const std::filesystem::path& out,
                                      ExportFormat format);

}  // namespace mr::storage
