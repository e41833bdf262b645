#include <iostream>

#include "mailroom/commands.hpp"
#include "mailroom/json_output.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::cli {

namespace {

struct UserArgs {
    std::string address;
    bool password_stdin = false;
    std::int64_t quota_mb = 0;
    bool purge = false;
};

}  // namespace

void add_user_commands(CLI::App& app, CliContext& ctx) {
    static UserArgs args;
    auto* user = app.add_subcommand("user", "Manage mail users");
    user->require_subcommand(1);

    auto* add = user->add_subcommand("add", "Add a user (its domain must exist) and create its mailboxes");
    add->add_option("address", args.address, "Email address, e.g. alice@example.org")->required();
    add->add_flag("--password-stdin", args.password_stdin, "Read the password from standard input");
    add->add_option("--quota-mb", args.quota_mb, "Mailbox quota in MiB (0 = unlimited)")->check(CLI::NonNegativeNumber);
    add->callback([&ctx] {
        auto& dir = ctx.directory();
        std::string password = read_password(args.password_stdin);
        must(dir.add_user(args.address, password, args.quota_mb * 1024 * 1024));
        auto user_dir = storage::user_mail_dir(ctx.config().server.data_dir, args.address);
        auto store = storage::MailboxStore::open(user_dir);
        if (!store) {
            // The user exists but its store could not be made; the first delivery retries.
            throw CliError{"user added, but creating the mailboxes failed: " + store.error().message};
        }
        std::cout << "added user " << args.address << "\n";
    });

    auto* del = user->add_subcommand("del", "Remove a user (its mail stays on disk unless --purge)");
    del->add_option("address", args.address, "Email address")->required();
    del->add_flag("--purge", args.purge, "Also delete the user's mail");
    del->callback([&ctx] {
        auto& dir = ctx.directory();
        must(dir.remove_user(args.address));
        auto user_dir = storage::user_mail_dir(ctx.config().server.data_dir, args.address);
        if (args.purge) {
            std::error_code ec;
            std::filesystem::remove_all(user_dir, ec);
            std::cout << "removed user " << args.address << " and its mail\n";
        } else {
            std::cout << "removed user " << args.address << "; its mail is kept in " << user_dir.string() << "\n";
        }
    });

    auto* passwd = user->add_subcommand("passwd", "Set a user's password");
    passwd->add_option("address", args.address, "Email address")->required();
    passwd->add_flag("--password-stdin", args.password_stdin, "Read the password from standard input");
    passwd->callback([&ctx] {
        auto& dir = ctx.directory();
        must(dir.set_password(args.address, read_password(args.password_stdin)));
        std::cout << "password changed for " << args.address << "\n";
    });

    auto* list = user->add_subcommand("list", "List users");
    list->add_flag("--json", ctx.json, "Print JSON");
    list->callback([&ctx] {
        auto users = must(ctx.directory().list_users());
        if (ctx.json) {
            toml::array rows;
            for (const auto& u : users) {
                rows.push_back(toml::table{{"address", u.address},
                                           {"quota_bytes", u.quota_bytes},
                                           {"enabled", u.enabled}});
            }
            print_json(rows);
            return;
        }
        for (const auto& u : users) {
            std::cout << u.address;
            if (u.quota_bytes > 0) std::cout << "  quota=" << u.quota_bytes / (1024 * 1024) << "MiB";
            if (!u.enabled) std::cout << "  (disabled)";
            std::cout << "\n";
        }
    });
}

}  // namespace mr::cli
