// mailroom: the operator's command. Thin: parse flags, call config/storage, print.
#include <cstdlib>
#include <iostream>

#include "common/util/file_modes.hpp"
#include "mailroom/commands.hpp"

int main(int argc, char** argv) {
    mr::util::restrict_umask();  // before anything can create a file
    mr::cli::CliContext ctx;
    CLI::App app{"mailroom: a complete mail system (SMTP, delivery, IMAP, POP3)"};
    app.require_subcommand(1);
    const char* env_config = std::getenv("MAILROOM_CONFIG");
    ctx.config_path = env_config != nullptr ? env_config : "/etc/mailroom/mailroom.toml";
    app.add_option("--config,-c", ctx.config_path, "Config file (default: $MAILROOM_CONFIG or /etc/mailroom/mailroom.toml)");

    mr::cli::add_init_command(app, ctx);
    mr::cli::add_up_command(app, ctx);
    mr::cli::add_domain_commands(app, ctx);
    mr::cli::add_user_commands(app, ctx);
    mr::cli::add_alias_commands(app, ctx);
    mr::cli::add_mailbox_commands(app, ctx);
    mr::cli::add_reindex_command(app, ctx);
    mr::cli::add_check_command(app, ctx);
    mr::cli::add_queue_commands(app, ctx);
    mr::cli::add_dkim_commands(app, ctx);
    mr::cli::add_backup_commands(app, ctx);
    mr::cli::add_import_commands(app, ctx);
    mr::cli::add_status_command(app, ctx);
    mr::cli::add_sieve_commands(app, ctx);
    mr::cli::add_acme_commands(app, ctx);
    mr::cli::add_tlsrpt_commands(app, ctx);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const mr::cli::CliError& e) {
        std::cerr << "mailroom: " << e.message << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "mailroom: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
