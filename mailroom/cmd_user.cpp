#include <cstdio>
#include <iostream>
#include <limits>
#include <optional>

#include "mailroom/account_files.hpp"
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

// The bytes of the user's mail as the daemons count it for the quota
// (MailboxStore::total_size). A user whose store was never created has none; nullopt
// (with a warning) when the store cannot be read, so one broken store does not hide the
// other users.
std::optional<std::int64_t> used_bytes(CliContext& ctx, const std::string& address) {
    const auto user_dir = storage::user_mail_dir(ctx.config().server.data_dir, address);
    std::error_code ec;
    if (!std::filesystem::exists(user_dir, ec)) return std::int64_t{0};
    auto store = storage::MailboxStore::open(user_dir);
    Result<std::int64_t> size = store ? store->total_size() : Result<std::int64_t>(store.error());
    if (!size) {
        std::cerr << "mailroom: cannot read the mail of " << address << ": " << size.error().message << "\n";
        return std::nullopt;
    }
    return size.value();
}

// 1536 KiB -> "1.5MiB": quotas are set in MiB, so usage is shown in the same unit.
std::string mib(std::int64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fMiB", static_cast<double>(bytes) / static_cast<double>(kMiB));
    return buf;
}

}  // namespace

void add_user_commands(CLI::App& app, CliContext& ctx) {
    static UserArgs args;
    auto* user = app.add_subcommand("user", "Manage mail users");
    user->require_subcommand(1);

    auto* add = user->add_subcommand("add", "Add a user (its domain must exist) and create its mailboxes");
    add->add_option("address", args.address, "Email address, e.g. alice@example.org")->required();
    add->add_flag("--password-stdin", args.password_stdin, "Read the password from standard input");
    add_quota_option(add, args.quota_mb);
    add->callback([&ctx] {
        auto& dir = ctx.directory();
        std::string password = read_password(args.password_stdin);
        must(dir.add_user(args.address, password, args.quota_mb * kMiB));
        create_account_store(ctx, args.address, "user added");
        std::cout << "added user " << args.address << "\n";
    });

    auto* del = user->add_subcommand("del", "Remove a user (its mail stays on disk unless --purge)");
    del->add_option("address", args.address, "Email address")->required();
    del->add_flag("--purge", args.purge, "Also delete the user's mail");
    del->callback([&ctx] {
        auto& dir = ctx.directory();
        must(dir.remove_user(args.address));
        if (args.purge) {
            purge_account_store(ctx, args.address);
            std::cout << "removed user " << args.address << " and its mail\n";
        } else {
            std::cout << "removed user " << args.address << "; its mail is kept in "
                      << storage::user_mail_dir(ctx.config().server.data_dir, args.address).string() << "\n";
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

    // Open sessions see the new quota from their next command (imapd and deliverd read it
    // from directory.db each time).
    auto* set = user->add_subcommand("set", "Change a user's settings");
    set->add_option("address", args.address, "Email address")->required();
    add_quota_option(set, args.quota_mb)->required();
    set->callback([&ctx] {
        auto& dir = ctx.directory();
        must(dir.set_quota(args.address, args.quota_mb * kMiB));
        std::cout << "quota of " << args.address << " set to "
                  << (args.quota_mb > 0 ? std::to_string(args.quota_mb) + " MiB" : std::string("unlimited")) << "\n";
    });

    auto* list = user->add_subcommand("list", "List users with their usage and quota");
    list->add_flag("--json", ctx.json, "Print JSON");
    list->callback([&ctx] {
        auto users = must(ctx.directory().list_users());
        if (ctx.json) {
            // used_bytes is left out for a user whose store cannot be read (see stderr).
            toml::array rows;
            for (const auto& u : users) {
                toml::table row{{"address", u.address}, {"quota_bytes", u.quota_bytes}, {"enabled", u.enabled},
                                {"mailbox_account", u.mailbox_account}};
                if (auto used = used_bytes(ctx, u.address)) row.insert("used_bytes", *used);
                rows.push_back(std::move(row));
            }
            print_json(rows);
            return;
        }
        for (const auto& u : users) {
            std::cout << u.address;
            const auto used = used_bytes(ctx, u.address);
            std::cout << "  used=" << (used ? mib(*used) : std::string("?"));
            std::cout << "  quota=" << (u.quota_bytes > 0 ? std::to_string(u.quota_bytes / kMiB) + "MiB" : "unlimited");
            if (!u.enabled) std::cout << "  (disabled)";
            if (u.mailbox_account) std::cout << "  (mailbox account: no login; see mailroom mailbox list)";
            std::cout << "\n";
        }
    });
}

}  // namespace mr::cli
