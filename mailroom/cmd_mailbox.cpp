// `mailroom mailbox`: mailbox accounts (info@, sales@: mail without a login) and the grants
// through which users read them in IMAP (RFC 4314 rights, storage/acl_rights.hpp).
#include <iostream>
#include <limits>
#include <set>

#include "mailroom/account_files.hpp"
#include "mailroom/commands.hpp"
#include "mailroom/json_output.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::cli {

namespace {

struct MailboxArgs {
    std::string address;
    std::string grantee;
    std::string rights = "lrswipkxte";  // everything but administering the ACL
    std::string mailbox;                // "" = every mailbox of the account
    bool send_as = false;
    bool purge = false;
    std::int64_t quota_mb = 0;
};

std::string where(const std::string& mailbox) { return mailbox.empty() ? "every mailbox" : "mailbox " + mailbox; }

}  // namespace

void add_mailbox_commands(CLI::App& app, CliContext& ctx) {
    static MailboxArgs args;
    auto* mailbox = app.add_subcommand("mailbox", "Manage shared mailbox accounts (info@, sales@) and their grants");
    mailbox->require_subcommand(1);

    auto* add = mailbox->add_subcommand("add", "Add a mailbox account: receives mail like a user, has no password");
    add->add_option("address", args.address, "Email address, e.g. info@example.org")->required();
    add_quota_option(add, args.quota_mb);
    add->callback([&ctx] {
        must(ctx.directory().add_mailbox_account(args.address, args.quota_mb * kMiB));
        create_account_store(ctx, args.address, "mailbox added");
        std::cout << "added mailbox " << args.address << "\n";
    });

    auto* share = mailbox->add_subcommand("share", "Grant a user rights on the account's mailboxes (\"\" removes)");
    share->add_option("address", args.address, "The mailbox account (or any user)")->required();
    share->add_option("grantee", args.grantee, "The user who gets the rights (same domain)")->required();
    share->add_option("--rights", args.rights, "RFC 4314 rights, a subset of lrswipkxtea (default lrswipkxte)");
    share->add_option("--mailbox", args.mailbox, "Only this folder (default: every folder)");
    share->add_flag("--send-as", args.send_as, "Also let the grantee send as the address (adds the p right)");
    share->callback([&ctx] {
        auto rights = text::AclRights::parse(args.rights);
        if (!rights) throw CliError{rights.error().message};
        if (args.send_as) rights = rights.value() | text::AclRights::parse("p").value();
        must(ctx.directory().set_grant(args.address, args.mailbox, args.grantee, rights.value()));
        if (rights->empty()) std::cout << "removed the grant of " << args.grantee << " on " << args.address << "\n";
        else
            std::cout << "granted " << args.grantee << " \"" << rights->to_string() << "\" on " << where(args.mailbox)
                      << " of " << args.address << "\n";
    });

    auto* unshare = mailbox->add_subcommand("unshare", "Remove a user's grant");
    unshare->add_option("address", args.address, "The mailbox account")->required();
    unshare->add_option("grantee", args.grantee, "The user")->required();
    unshare->add_option("--mailbox", args.mailbox, "Only this folder's grant (default: the account-wide one)");
    unshare->callback([&ctx] {
        must(ctx.directory().set_grant(args.address, args.mailbox, args.grantee, {}));
        std::cout << "removed the grant of " << args.grantee << " on " << where(args.mailbox) << " of "
                  << args.address << "\n";
    });

    auto* del = mailbox->add_subcommand("del", "Remove a mailbox account (its mail stays on disk unless --purge)");
    del->add_option("address", args.address, "Email address")->required();
    del->add_flag("--purge", args.purge, "Also delete its mail");
    del->callback([&ctx] {
        auto user = must(ctx.directory().find_user(args.address));
        if (!user || !user->mailbox_account) throw CliError{"no such mailbox account: " + args.address};
        must(ctx.directory().remove_user(args.address));
        if (args.purge) purge_account_store(ctx, args.address);
        std::cout << "removed mailbox " << args.address << (args.purge ? " and its mail" : "") << "\n";
    });

    auto* list = mailbox->add_subcommand("list", "List mailbox accounts and every grant");
    list->add_flag("--json", ctx.json, "Print JSON");
    list->callback([&ctx] {
        auto& dir = ctx.directory();
        auto users = must(dir.list_users());
        toml::array rows;
        for (const auto& u : users) {
            auto grants = must(dir.grants_of(u.address));
            if (!u.mailbox_account && grants.empty()) continue;
            if (ctx.json) {
                toml::array shares;
                for (const auto& g : grants)
                    shares.push_back(toml::table{{"mailbox", g.mailbox}, {"grantee", g.grantee},
                                                 {"rights", g.rights.to_string()}, {"send_as", g.mailbox.empty() && g.rights.has('p')}});
                rows.push_back(toml::table{{"address", u.address}, {"mailbox_account", u.mailbox_account},
                                           {"grants", std::move(shares)}});
                continue;
            }
            std::cout << u.address << (u.mailbox_account ? "  (mailbox account)" : "") << "\n";
            for (const auto& g : grants) {
                std::cout << "  " << g.grantee << "  " << g.rights.to_string() << "  " << where(g.mailbox);
                if (g.mailbox.empty() && g.rights.has('p')) std::cout << "  (send-as)";
                std::cout << "\n";
            }
        }
        if (ctx.json) print_json(rows);
    });
}

}  // namespace mr::cli
