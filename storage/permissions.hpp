// Auditing, and repairing, the owner and mode of everything under the data directory.
//
// Invariants:
// - A path is right when its uid and gid are the daemons' account and it grants "other"
//   nothing and its group no write; a regular file also has no execute bit at all. So a
//   directory is at most 0750 and a file at most 0640; tighter modes (0700, 0600) are
//   right too, since only widening is a risk.
// - Symbolic links are judged by owner only (their own mode means nothing) and never
//   followed, so a link cannot lead the audit (or a repair as root) out of the tree.
// - A repair only removes permission bits and sets the owner: it never widens a mode.
// - Paths that vanish during the walk (a Maildir tmp/ file renamed, a queue file
//   delivered) are not problems: the daemons may run while the tree is audited.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/util/result.hpp"

namespace mr::storage {

struct Ownership {
    uid_t uid = 0;
    gid_t gid = 0;
};

struct PermissionProblem {
    std::filesystem::path path;
    std::string what;       // "mode 0644, want 0640; owner root:root, want mailroom:mailroom"
    bool repaired = false;  // only with repair: the owner and mode are now right
    std::string repair_error;  // why a repair failed, when it did
};

// Walks `root` (itself included) and returns every path whose owner or mode is wrong;
// with `repair`, also fixes each one (chown needs root unless the owner is already
// right). An error only when `root` itself cannot be read.
Result<std::vector<PermissionProblem>> audit_tree(const std::filesystem::path& root, Ownership want,
                                                  bool repair);

// "1234" or "name" for a uid / gid, for messages.
std::string user_name(uid_t uid);
std::string group_name(gid_t gid);

}  // namespace mr::storage
