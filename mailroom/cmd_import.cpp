// `mailroom import maildir PATH USER`: moving a user in from a Dovecot or Courier server
// (storage/maildir_import.hpp says what is kept). Root reads the old server's files and
// copies them in as the daemons' account; that account then indexes them.
#include <unistd.h>

#include <iostream>

#include "mailroom/commands.hpp"
#include "mailroom/run_as.hpp"
#include "storage/maildir_import.hpp"
#include "storage/reindex.hpp"

namespace mr::cli {

namespace fs = std::filesystem;

namespace {

void import_maildir(CliContext& ctx, const fs::path& source, const std::string& address) {
    if (geteuid() != 0) throw CliError{"mailroom import must run as root: it reads the old server's files"};
    const auto& cfg = ctx.config();
    const auto& run_user = cfg.server.run_user;
    const auto canonical = as_run_user_answer(run_user, [&] {
        auto user = must(ctx.directory().find_user(address));
        if (!user) throw CliError{"no such user: " + address + " (add it first: mailroom user add)"};
        return user->address;
    });
    if (!canonical) throw CliError{"import not started"};
    const fs::path user_dir = storage::user_mail_dir(cfg.server.data_dir, *canonical);
    const Account run = account_of(run_user);
    auto copied = must(storage::copy_maildir_for_import(source, user_dir, run.uid, run.gid));
    std::cout << "copied " << copied.messages << " messages (" << copied.bytes << " bytes) in " << copied.folders
              << " folders\n";
    const bool ok = as_run_user(run_user, [&] {
        auto report = must(storage::reindex_user(user_dir, &copied.hints));
        for (const auto& w : report.warnings) std::cerr << "warning: " << w << "\n";
        std::size_t kept = 0;
        for (const auto& [name, hints] : copied.hints.folders) kept += hints.uidvalidity != 0 ? 1 : 0;
        std::cout << "imported into " << *canonical << ": " << report.messages << " messages in " << report.mailboxes
                  << " mailboxes; " << kept << " folders kept their UIDVALIDITY and UIDs\n";
    });
    if (!ok) throw CliError{"indexing the imported mail failed; `mailroom reindex " + *canonical + "` retries it"};
}

}  // namespace

void add_import_commands(CLI::App& app, CliContext& ctx) {
    auto* import = app.add_subcommand("import", "Move a user's mail in from another server");
    import->require_subcommand(1);
    static std::string path, address;
    auto* maildir = import->add_subcommand(
        "maildir", "Import a Dovecot/Courier Maildir++ tree (folders, flags, keywords; Dovecot's UIDs are kept)");
    maildir->add_option("path", path, "The old Maildir (with cur/ new/ and .Folder directories)")->required();
    maildir->add_option("user", address, "The mailroom user (new, without mail)")->required();
    maildir->callback([&ctx] { import_maildir(ctx, path, address); });
}

}  // namespace mr::cli
