// `mailroom import maildir`: taking over a Dovecot or Courier Maildir++ tree so that
// clients keep what they know.
//  - The message files are copied under their own names (flags stay in ":2,", the mtime
//    stays the INTERNALDATE), into the same folders ("." + name, Maildir++).
//  - Dovecot's dovecot-uidlist per folder gives the folder's UIDVALIDITY and UIDNEXT and
//    each file's UID (matched by base name); reindex (reindex.hpp) then indexes the
//    folder with exactly those, so IMAP clients need not download anything again. Files
//    the uidlist does not name get UIDs after all named ones. Courier keeps no UIDs that
//    survive: its folders get fresh UIDVALIDITYs, as after any reindex.
//  - Dovecot keywords: the lower-case letters after ":2," index dovecot-keywords
//    ("<n> <keyword>" lines; 'a' is 0).
//  - POP3 UIDLs (INBOX): the one Dovecot saved in the uidlist (a "P<uidl>" field) or else
//    what Dovecot's default pop3_uidl_format (%08Xu%08Xv) shows: UID then UIDVALIDITY in
//    8 lower-case hex digits each. pop3d shows it instead of its own, so POP3 clients
//    that leave mail on the server download nothing again.
//  - A folder of the same name as one mailroom made for the new user (Archive, Sent, …)
//    takes the imported UIDVALIDITY and UIDs: the user's mailboxes must still be empty.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/util/result.hpp"

namespace mr::storage {

struct FolderHints {
    std::uint32_t uidvalidity = 0;                               // 0: none known
    std::uint32_t uidnext = 0;
    std::map<std::string, std::uint32_t> uids;                   // file base name → UID
    std::map<std::string, std::vector<std::string>> keywords;    // file base name → keywords
    std::map<std::string, std::string> pop3_uidls;               // file base name → POP3 UIDL
};

struct ImportHints {
    std::map<std::string, FolderHints> folders;  // IMAP name ("INBOX", "Lists/Work") → hints
};

// A dovecot-uidlist file's content (versions 1 and 3) into `out` (UIDVALIDITY, UIDNEXT,
// UIDs, saved POP3 UIDLs). Lines that do not parse are skipped; false when the header
// does not.
bool parse_dovecot_uidlist(std::string_view text, FolderHints& out);
// A dovecot-keywords file's content: index → keyword.
std::map<int, std::string> parse_dovecot_keywords(std::string_view text);
// The POP3 UIDL of every message of an imported INBOX that has a UID (see above).
void add_dovecot_pop3_uidls(FolderHints& hints);

struct ImportCopy {
    std::uint64_t folders = 0;
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
    ImportHints hints;
};

// Reads the source tree's metadata and copies its message files into `user_dir` (owned by
// uid/gid). Refused when user_dir already holds a message.
Result<ImportCopy> copy_maildir_for_import(const std::filesystem::path& source, const std::filesystem::path& user_dir,
                                           unsigned uid, unsigned gid);

}  // namespace mr::storage
