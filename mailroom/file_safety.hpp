// Who owns the store, and who must not be able to change the config and the keys.
//
// Invariants:
// - Started as root with an unprivileged run_user, the daemons run as run_user: the data
//   directory belongs to run_user (its uid and primary gid), while the config file and
//   the TLS key (and the directories holding them) belong to root, readable by
//   run_user's group and writable by root alone. A compromised daemon therefore cannot
//   change how the next `mailroom up` starts it (say run_user = "root") or swap the key.
// - Run by an ordinary user, everything belongs to that user: there is no second
//   account to protect the config from, so only the data directory's modes are judged.
#pragma once

#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "storage/permissions.hpp"

namespace mr::cli {

// The account the store must belong to: run_user when we are root (and run_user is not
// root), else the current user and group. Throws CliError for an unknown run_user.
storage::Ownership store_owner(const config::Config& cfg);

// As root with an unprivileged run_user: one line for each of the config file, the TLS
// key, the DKIM keys and their directories that run_user could write (owned by it, or group- or
// other-writable), saying how to fix it. Empty otherwise, and for files that do not exist.
std::vector<std::string> secrets_writable_by_daemon(const config::Config& cfg);

// Gives the DKIM key directory and its keys to root, readable by run_user's group (dirs
// 0750, keys 0640), when we are root with an unprivileged run_user; else leaves the owner.
void give_dkim_keys_to_daemons(const config::Config& cfg);

// Audits the data directory (see storage/permissions.hpp), repairing with `repair`.
// A data directory that does not exist yet has no problems.
std::vector<storage::PermissionProblem> audit_data_dir(const config::Config& cfg, bool repair);

}  // namespace mr::cli
