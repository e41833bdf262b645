// Work a root CLI command does as the daemons' account (run_user), in a child process:
// files of the data dir must stay that account's (SQLite creates side files on open),
// while the parent keeps root for what only root may touch (keys, an old server's mail).
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

namespace mr::cli {

struct Account {
    uid_t uid = 0;
    gid_t gid = 0;
};

// The account's ids; root's (0, 0) when it does not exist.
Account account_of(const std::string& user);

// Runs `work` as `user` in a child; true when it returned without a CliError (which the
// child prints like main does). What the child prints on stdout goes to ours.
bool as_run_user(const std::string& user, const std::function<void()>& work);

// The same, for work that answers with a string: nullopt when it failed.
std::optional<std::string> as_run_user_answer(const std::string& user, const std::function<std::string()>& work);

}  // namespace mr::cli
