// Each file cmd_<name>.cpp adds one family of subcommands to the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

#include "mailroom/cli_context.hpp"

namespace mr::cli {

void add_init_command(CLI::App& app, CliContext& ctx);
void add_up_command(CLI::App& app, CliContext& ctx);
void add_domain_commands(CLI::App& app, CliContext& ctx);
void add_user_commands(CLI::App& app, CliContext& ctx);
void add_alias_commands(CLI::App& app, CliContext& ctx);
void add_mailbox_commands(CLI::App& app, CliContext& ctx);
void add_reindex_command(CLI::App& app, CliContext& ctx);
void add_check_command(CLI::App& app, CliContext& ctx);
void add_queue_commands(CLI::App& app, CliContext& ctx);
void add_dkim_commands(CLI::App& app, CliContext& ctx);
void add_backup_commands(CLI::App& app, CliContext& ctx);
void add_import_commands(CLI::App& app, CliContext& ctx);
void add_status_command(CLI::App& app, CliContext& ctx);
void add_sieve_commands(CLI::App& app, CliContext& ctx);
void add_acme_commands(CLI::App& app, CliContext& ctx);  // acme renew, reload
void add_tlsrpt_commands(CLI::App& app, CliContext& ctx);  // tlsrpt send [--now]

// An Ed25519 and an RSA key for a newly hosted domain (cmd_dkim.cpp); before the CLI
// switches to run_user, since the keys belong to root.
void create_dkim_keys_if_missing(const config::Config& cfg, const std::string& domain);

}  // namespace mr::cli
