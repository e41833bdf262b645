// `mailroom import maildir PATH USER`: moving a user in from a Dovecot or Courier server
// (storage/maildir_import.hpp says what is kept). Root reads the old server's files and
// copies them in as the daemons' account; that account then indexes them.
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "mailroom/commands.hpp"
#include "mailroom/import_imap.hpp"
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

// The password is the file's first line: never an argument (other accounts see those).
std::string read_password_file(const fs::path& file) {
    std::ifstream in(file);
    std::string password;
    if (!in || !std::getline(in, password)) throw CliError{"cannot read a password from " + file.string()};
    if (!password.empty() && password.back() == '\r') password.pop_back();
    return password;
}

struct ImapImportArgs {
    std::string host;
    int port = 0;
    std::string tls = "implicit";
    std::string ca_file;
    std::string user;
    std::string password_file;
    std::string address;
};

void import_from_imap(CliContext& ctx, const ImapImportArgs& args) {
    const auto& cfg = ctx.config();
    ImapImportOptions options;
    options.server.host = args.host;
    options.server.tls = args.tls == "none" ? ImapTls::None : args.tls == "starttls" ? ImapTls::StartTls : ImapTls::Implicit;
    options.server.port = args.port != 0 ? args.port : options.server.tls == ImapTls::Implicit ? 993 : 143;
    options.server.ca_file = args.ca_file;
    options.user = args.user;
    options.password = read_password_file(args.password_file);
    options.progress = ::isatty(2) != 0;
    auto work = [&] {
        auto user = must(ctx.directory().find_user(args.address));
        if (!user) throw CliError{"no such user: " + args.address + " (add it first: mailroom user add)"};
        options.user_dir = storage::user_mail_dir(cfg.server.data_dir, user->address);
        const fs::path state_dir = cfg.server.data_dir / "import" / user->address;
        std::error_code ec;
        fs::create_directories(state_dir, ec);
        fs::permissions(cfg.server.data_dir / "import", fs::perms::owner_all, ec);
        options.state_file = state_dir / ("imap-" + args.host + "-" + args.user + ".state");
        auto summary = import_imap(options);
        for (const auto& w : summary.warnings) std::cerr << "warning: " << w << "\n";
        std::cout << "imported into " << user->address << " from " << args.host << ": " << summary.messages
                  << " messages (" << summary.bytes << " bytes) in " << summary.folders << " folders";
        if (summary.already > 0) std::cout << "; " << summary.already << " were already here";
        std::cout << "\n";
    };
    const bool ok = geteuid() == 0 ? as_run_user(cfg.server.run_user, work) : (work(), true);
    if (!ok) throw CliError{"the import stopped; running the same command again continues it"};
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

    static ImapImportArgs imap_args;
    auto* imap = import->add_subcommand(
        "imap", "Copy every folder, flag and INTERNALDATE from another IMAP server (again: only what is new)");
    imap->add_option("--host", imap_args.host, "The old server")->required();
    imap->add_option("--port", imap_args.port, "Its IMAP port (993 with implicit TLS, else 143)");
    imap->add_option("--tls", imap_args.tls, "implicit (993), starttls or none (only sensible on loopback)")
        ->check(CLI::IsMember({"implicit", "starttls", "none"}));
    imap->add_option("--ca-file", imap_args.ca_file, "Extra CA certificates to trust for the old server");
    imap->add_option("--user", imap_args.user, "The account on the old server")->required();
    imap->add_option("--password-file", imap_args.password_file, "A file whose first line is that account's password")
        ->required();
    imap->add_option("user_address", imap_args.address, "The mailroom user to copy into")->required();
    imap->callback([&ctx] { import_from_imap(ctx, imap_args); });
}

}  // namespace mr::cli
