// What `mailroom user` and `mailroom mailbox` share for an account's quota option and its
// files under the data dir: both kinds of account receive mail into a store of their own.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "mailroom/cli_context.hpp"

namespace mr::cli {

inline constexpr std::int64_t kMiB = 1024 * 1024;

// `--quota-mb N` into `quota_mb`, bounded so that N MiB in bytes fits directory.db's
// INTEGER.
CLI::Option* add_quota_option(CLI::App* command, std::int64_t& quota_mb);

// Creates the account's store and its standard folders. The account is in the directory
// already; if the store cannot be made, the first delivery retries, and the error says so.
void create_account_store(CliContext& ctx, const std::string& address, const std::string& added);

// Deletes the account's mail (`--purge`).
void purge_account_store(CliContext& ctx, const std::string& address);

}  // namespace mr::cli
