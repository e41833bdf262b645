// `mailroom backup DIR`, `mailroom restore SNAPSHOT`, `mailroom verify` and
// `mailroom export USER DIR` (storage/backup.hpp says what makes a snapshot consistent,
// storage/export.hpp what an export holds).
//
// DIR holds one directory per snapshot, named by its UTC time, and `latest`, a symlink to
// the newest complete one; a snapshot is written as <name>.partial and renamed when done,
// so `latest` never names half a backup. Each snapshot has data/ (the data dir) and
// config/ (mailroom.toml, the DKIM keys, the TLS certificate and key). DIR is root's,
// readable by the daemons' group only: it holds the keys.
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <iostream>

#include "common/text/mail_date.hpp"
#include "mailroom/commands.hpp"
#include "mailroom/run_as.hpp"
#include "storage/backup.hpp"
#include "storage/export.hpp"
#include "storage/store_check.hpp"

namespace mr::cli {

namespace fs = std::filesystem;

namespace {

void require_root(const char* what) {
    if (geteuid() != 0) throw CliError{std::string(what) + " must run as root: it reads and writes the keys"};
}

// A root-owned directory the daemons' group may enter (the data copy is written as that
// account) but nobody else may read.
void make_private_dir(const fs::path& dir, gid_t group) {
    if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
        throw CliError{"cannot create " + dir.string() + ": " + std::strerror(errno)};
    }
    if (::chown(dir.c_str(), 0, group) != 0 || ::chmod(dir.c_str(), 0750) != 0) {
        throw CliError{"cannot set the owner of " + dir.string() + ": " + std::strerror(errno)};
    }
}

void print_report(const char* what, const storage::CopyReport& r) {
    std::cout << what << ": ";
    if (r.databases > 0) std::cout << r.databases << " databases, ";
    std::cout << r.copied << " files copied ("
              << r.bytes << " bytes), " << r.linked << " unchanged files linked";
    if (r.vanished > 0) std::cout << ", " << r.vanished << " removed meanwhile";
    if (r.finished > 0) std::cout << ", " << r.finished << " queue entries finished meanwhile";
    if (r.unindexed > 0) std::cout << ", " << r.unindexed << " delivered meanwhile (left to the queue)";
    std::cout << "\n";
}

// The config file, the DKIM keys and the certificate: (source, name in config/).
std::vector<std::pair<fs::path, std::string>> config_items(const CliContext& ctx, const config::Config& cfg) {
    std::vector<std::pair<fs::path, std::string>> items{{ctx.config_path, "mailroom.toml"}};
    if (!cfg.dkim.key_dir.empty()) items.emplace_back(cfg.dkim.key_dir, "dkim");
    if (!cfg.tls.cert.empty()) items.emplace_back(cfg.tls.cert, "tls-cert.pem");
    if (!cfg.tls.key.empty()) items.emplace_back(cfg.tls.key, "tls-key.pem");
    return items;
}

void backup(CliContext& ctx, const fs::path& dir) {
    require_root("mailroom backup");
    const auto& cfg = ctx.config();
    const Account run = account_of(cfg.server.run_user);
    const gid_t group = run.gid;
    make_private_dir(dir, group);
    std::error_code ec;
    const fs::path latest = dir / "latest";
    fs::path previous;
    if (fs::is_directory(latest / "data", ec)) previous = fs::canonical(latest, ec) / "data";

    const std::string stamp = text::compact_utc_stamp(std::time(nullptr));
    std::string name = stamp;
    for (int n = 2; fs::exists(dir / name, ec); ++n) name = stamp + "-" + std::to_string(n);
    const fs::path partial = dir / (name + ".partial");
    fs::remove_all(partial, ec);
    make_private_dir(partial, group);
    make_private_dir(partial / "config", 0);
    for (const auto& [from, to] : config_items(ctx, cfg)) {
        if (!fs::exists(from, ec)) continue;
        must(storage::copy_tree(from, partial / "config" / to));
    }
    const fs::path data_copy = partial / "data";
    if (::mkdir(data_copy.c_str(), 0700) != 0 || ::chown(data_copy.c_str(), run.uid, run.gid) != 0) {
        throw CliError{"cannot create " + data_copy.string() + ": " + std::strerror(errno)};
    }
    const bool ok = as_run_user(cfg.server.run_user, [&] {
        print_report("data", must(storage::snapshot_data_dir(cfg.server.data_dir, data_copy, previous)));
    });
    if (!ok) throw CliError{"backup failed; the incomplete copy is " + partial.string()};
    const fs::path final_dir = dir / name;
    if (::rename(partial.c_str(), final_dir.c_str()) != 0) {
        throw CliError{"cannot rename " + partial.string() + ": " + std::strerror(errno)};
    }
    // The symlink is replaced by a rename, so `latest` always names a complete snapshot.
    const fs::path next = dir / "latest.new";
    fs::remove(next, ec);
    fs::create_directory_symlink(name, next);
    fs::rename(next, latest);
    ::sync();
    std::cout << "backup " << final_dir.string() << (previous.empty() ? " (full)" : " (incremental)") << "\n";
}

fs::path snapshot_of(const fs::path& given) {
    std::error_code ec;
    if (fs::is_directory(given / "data", ec)) return given;
    if (fs::is_directory(given / "latest" / "data", ec)) return fs::canonical(given / "latest", ec);
    throw CliError{given.string() + " is neither a snapshot nor a backup directory with one"};
}

void restore(CliContext& ctx, const fs::path& given, bool with_config) {
    require_root("mailroom restore");
    const auto& cfg = ctx.config();
    const fs::path snap = snapshot_of(given);
    std::error_code ec;
    // Only onto an empty data dir: merging two stores would mix two histories of UIDs.
    if (fs::exists(cfg.server.data_dir, ec) && !fs::is_empty(cfg.server.data_dir, ec)) {
        throw CliError{"the data dir " + cfg.server.data_dir.string() +
                       " is not empty; restore needs an empty one (move it aside first)"};
    }
    fs::remove(cfg.server.data_dir, ec);
    print_report("data", must(storage::copy_tree(snap / "data", cfg.server.data_dir)));
    if (!with_config) {
        std::cout << "the snapshot's config and keys are in " << (snap / "config").string()
                  << " (--with-config puts them in place)\n";
        return;
    }
    for (const auto& [to, from] : config_items(ctx, cfg)) {
        const fs::path source = snap / "config" / from;
        if (!fs::exists(source, ec)) continue;
        const fs::path aside = to.string() + ".before-restore";
        fs::remove_all(aside, ec);
        if (fs::exists(to, ec)) fs::rename(to, aside);
        must(storage::copy_tree(source, to));
        std::cout << "restored " << to.string() << "\n";
    }
}

void verify(CliContext& ctx) {
    const auto& cfg = ctx.config();
    auto& dir = ctx.directory();
    std::uint64_t problems = 0;
    for (const auto& user : must(dir.list_users())) {
        const auto check = must(storage::check_user_store(storage::user_mail_dir(cfg.server.data_dir, user.address)));
        std::cout << (check.problems.empty() ? "ok   " : "FAIL ") << user.address << ": " << check.mailboxes
                  << " mailboxes, " << check.rows << " index rows, " << check.files << " files\n";
        for (const auto& p : check.problems) std::cout << "     " << p << "\n";
        problems += check.problems.size();
    }
    if (problems > 0) throw CliError{std::to_string(problems) + " problems found"};
}

void export_mail(CliContext& ctx, const std::string& address, const fs::path& out, bool mbox) {
    const auto& cfg = ctx.config();
    std::error_code ec;
    const fs::path target = fs::absolute(out, ec);
    // The export is written as the daemons' account (it reads their store); root first
    // makes the directory theirs and private.
    if (geteuid() == 0 && !fs::exists(target, ec)) {
        const Account run = account_of(cfg.server.run_user);
        if (::mkdir(target.c_str(), 0700) != 0 || ::chown(target.c_str(), run.uid, run.gid) != 0) {
            throw CliError{"cannot create " + target.string() + ": " + std::strerror(errno)};
        }
    }
    auto& dir = ctx.directory();
    auto user = must(dir.find_user(address));
    if (!user) throw CliError{"no such user: " + address};
    const auto r = must(storage::export_user_mail(storage::user_mail_dir(cfg.server.data_dir, user->address), target,
                                                  mbox ? storage::ExportFormat::Mbox : storage::ExportFormat::Maildir));
    std::cout << "exported " << user->address << ": " << r.messages << " messages (" << r.bytes << " bytes) in "
              << r.mailboxes << " mailboxes to " << target.string() << (mbox ? " (mbox)" : " (Maildir)") << "\n";
    if (r.missing > 0) throw CliError{std::to_string(r.missing) + " messages could not be read (see mailroom verify)"};
}

}  // namespace

void add_backup_commands(CLI::App& app, CliContext& ctx) {
    static std::string backup_dir, restore_from;
    static bool with_config = false;
    auto* b = app.add_subcommand("backup", "Take a consistent snapshot of the data dir, config and keys into DIR "
                                           "(while everything runs; unchanged files are linked to the last one)");
    b->add_option("dir", backup_dir, "Backup directory")->required();
    b->callback([&ctx] { backup(ctx, backup_dir); });

    auto* r = app.add_subcommand("restore", "Restore a snapshot (or DIR's latest) onto an empty data dir");
    r->add_option("snapshot", restore_from, "A snapshot, or a backup directory (its latest snapshot)")->required();
    r->add_flag("--with-config", with_config, "Also put the snapshot's config file, DKIM keys and certificate in place");
    r->callback([&ctx] { restore(ctx, restore_from, with_config); });

    static std::string export_user, export_dir;
    static bool mbox = false, maildir = false;
    auto* e = app.add_subcommand("export", "Write a user's mail to DIR as Maildir++ (with dovecot-uidlist) or mbox");
    e->add_option("address", export_user, "The user's email address")->required();
    e->add_option("dir", export_dir, "A new or empty directory")->required();
    auto* as_maildir = e->add_flag("--maildir", maildir, "Maildir++ folders (the default)");
    e->add_flag("--mbox", mbox, "One mboxrd file per folder")->excludes(as_maildir);
    e->callback([&ctx] { export_mail(ctx, export_user, export_dir, mbox); });

    auto* v = app.add_subcommand("verify", "Check that every index row has its message file and every file its row");
    v->callback([&ctx] { verify(ctx); });
}

}  // namespace mr::cli
