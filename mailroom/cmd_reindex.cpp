#include <iostream>

#include "mailroom/commands.hpp"
#include "storage/reindex.hpp"

namespace mr::cli {

void add_reindex_command(CLI::App& app, CliContext& ctx) {
    static std::string address;
    auto* reindex = app.add_subcommand("reindex", "Rebuild a user's mailbox index from its Maildir (keeps flags)");
    reindex->add_option("address", address, "The user's email address")->required();
    reindex->callback([&ctx] {
        auto& dir = ctx.directory();
        auto user = must(dir.find_user(address));
        if (!user) throw CliError{"no such user: " + address};
        auto user_dir = storage::user_mail_dir(ctx.config().server.data_dir, user->address);
        auto report = must(storage::reindex_user(user_dir));
        for (const auto& w : report.warnings) std::cerr << "warning: " << w << "\n";
        std::cout << "reindexed " << user->address << ": " << report.messages << " messages in "
                  << report.mailboxes << " mailboxes";
        if (report.removed_tmp_files > 0) std::cout << ", " << report.removed_tmp_files << " unfinished files removed";
        std::cout << "\n";
    });
}

}  // namespace mr::cli
