#include "mailroom/account_files.hpp"

#include <filesystem>
#include <limits>

#include "storage/mailbox_store.hpp"

namespace mr::cli {

CLI::Option* add_quota_option(CLI::App* command, std::int64_t& quota_mb) {
    constexpr std::int64_t max_mb = std::numeric_limits<std::int64_t>::max() / kMiB;
    return command->add_option("--quota-mb", quota_mb, "Mailbox quota in MiB (0 = unlimited)")
        ->check(CLI::Range(std::int64_t{0}, max_mb));
}

void create_account_store(CliContext& ctx, const std::string& address, const std::string& added) {
    auto store = storage::MailboxStore::open(storage::user_mail_dir(ctx.config().server.data_dir, address));
    if (!store) throw CliError{added + ", but creating its mailboxes failed: " + store.error().message};
}

void purge_account_store(CliContext& ctx, const std::string& address) {
    std::error_code ec;
    std::filesystem::remove_all(storage::user_mail_dir(ctx.config().server.data_dir, address), ec);
}

}  // namespace mr::cli
