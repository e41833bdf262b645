// Maildir++: the message files of one user. The files are the truth for message
// bytes and (through the ":2," suffix) for system flags; the index can always be
// rebuilt from them (reindex.hpp).
//
// On disk (root = data_dir/mail/<domain>/<local_part>):
//   root/
//     index.sqlite            the mailbox index (mailbox_index.hpp), not Maildir
//     cur/ new/ tmp/          INBOX
//     .Sent/                  a folder: IMAP "Sent"
//       cur/ new/ tmp/ maildirfolder
//     .Archive.2024/          IMAP "Archive/2024" (Maildir++ uses '.' as separator)
//     .a%2Eb/                 IMAP "a.b": '.' inside a name is escaped as %2E, '%' as %25
//
// File names: "<secs>.M<usecs>P<pid>Q<n>R<random>.<host>,S=<size>" (the base, unique
// among every file of the user: time + pid + counter + 64 random bits), plus
// ":2,<flags>" once in cur/. A delivery (an append carrying a delivery key: deliverd's
// writes, and only those) adds kDeliveryMark after the random part,
// "<secs>.M<usecs>P<pid>Q<n>R<random>Xdeliverd.<host>,S=<size>", so crash recovery
// (uncommitted_files.hpp) can tell its files from every other writer's. Flag letters are the standard ones, sorted:
// D=\Draft F=\Flagged R=\Answered S=\Seen T=\Deleted. Keywords are not encoded in
// file names (they live only in the index; a reindex loses them).
//
// Invariants:
// - A message file is created only by write_file_atomically: written in tmp/,
//   fsync'd, linked into new/ (no flags) or cur/ (with flags). Anything in tmp/ is
//   an unfinished write and never a message.
// - A message file is never modified; flag changes rename it within cur/.
// - The mtime of a message file is its internal date.
// - Folder-relative file paths ("cur/<name>", "new/<name>") are what the index
//   stores, so renaming a folder never touches message rows.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"

namespace mr::storage {

// IMAP system flags as the index stores them (messages.flags bitmask).
enum Flag : std::uint32_t {
    kSeen = 1u << 0,
    kAnswered = 1u << 1,
    kFlagged = 1u << 2,
    kDeleted = 1u << 3,
    kDraft = 1u << 4,
};
inline constexpr std::uint32_t kAllFlags = kSeen | kAnswered | kFlagged | kDeleted | kDraft;

// "DFRST" order; only the flags present.
std::string flags_to_maildir_letters(std::uint32_t flags);
// Unknown letters (Dovecot's lower-case keyword letters, experimental ones) are ignored.
std::uint32_t maildir_letters_to_flags(std::string_view letters);

// INBOX in any case becomes "INBOX" (also as the first component of a child);
// refuses empty names and components, control characters, and names whose folder
// directory name would exceed 255 bytes.
Result<std::string> normalize_mailbox_name(std::string_view imap_name);
// "" for INBOX, ".Sent", ".Archive.2024", ".a%2Eb". The name must be normalized.
std::string folder_dir_name(std::string_view imap_name);
// The inverse, for directory names at the root: nullopt when not a folder
// (no leading '.', ".", "..", bad escapes).
std::optional<std::string> imap_name_from_folder_dir(std::string_view dir_name);

// A file name taken apart.
struct MaildirFileName {
    std::string base;             // everything before ":2,"
    std::uint32_t flags = 0;      // from the ":2," letters
    std::optional<std::int64_t> size;  // from ",S=<n>" in the base
};
MaildirFileName parse_maildir_file_name(std::string_view name);
// `delivery`: the name carries kDeliveryMark (see above).
std::string new_unique_base(std::size_t size, bool delivery = false);

inline constexpr std::string_view kDeliveryMark = "Xdeliverd";
// True only for a name new_unique_base(size, true) can produce, checked field by field:
// names of imapd APPENDs and of other Maildir writers never match.
bool is_delivery_file_name(std::string_view name);

struct MaildirFile {
    std::string file;  // folder-relative: "new/<name>" or "cur/<name>"
    MaildirFileName name;
};

struct NewMessage {
    std::string_view bytes;
    std::uint32_t flags = 0;
    std::int64_t internal_date = 0;  // seconds since the epoch; becomes the mtime
    bool delivery = false;           // named with kDeliveryMark
};

class Maildir {
public:
    explicit Maildir(std::filesystem::path root) : root_(std::move(root)) {}
    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path folder_path(std::string_view imap_name) const;

    // cur/ new/ tmp/ (and "maildirfolder" for a sub-folder); existing is fine.
    Result<void> create_folder(std::string_view imap_name) const;
    // Every sub-folder directory at the root, decoded; INBOX is not listed.
    Result<std::vector<std::string>> list_folders() const;

    // Group commit: every file fsync'd, then new/ and cur/ fsync'd once.
    // Returns the folder-relative path of each file, in order.
    Result<std::vector<std::string>> deliver(std::string_view imap_name,
                                             std::span<const NewMessage> messages) const;

    // Renames a file to carry `flags` (moving it from new/ to cur/); returns the
    // new folder-relative path. `file` may be stale (another Maildir tool renamed
    // it): the file is then located by its base name.
    Result<std::string> set_flags(std::string_view imap_name, std::string_view file,
                                  std::uint32_t flags) const;

    // Moves a message file to another folder's cur/ (same file system: rename).
    Result<std::string> move_to(std::string_view from_imap, std::string_view file,
                                std::string_view to_imap, std::uint32_t flags) const;
    // Hard-links a message file into another folder's cur/ under a new unique name.
    Result<std::string> link_to(std::string_view from_imap, std::string_view file,
                                std::string_view to_imap, std::uint32_t flags) const;

    // Path of a message file; falls back to a search by base name in cur/ and new/.
    Result<std::filesystem::path> locate(std::string_view imap_name, std::string_view file) const;

    // new/ and cur/ of a folder (tmp/ is never listed).
    Result<std::vector<MaildirFile>> list(std::string_view imap_name) const;

private:
    std::filesystem::path root_;
};

}  // namespace mr::storage
