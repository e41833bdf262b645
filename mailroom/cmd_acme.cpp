// `mailroom acme renew [--force]` and `mailroom reload`.
//
// renew obtains the ACME certificate (common/acme/) when none is installed, fewer than 30
// days remain or a name is missing (--force: always). Run as root, the work happens as
// run_user so every file under <data_dir>/acme/ is the daemons'. Exit status: 0 when the
// certificate is current or was renewed (kRenewedStatus when started by `mailroom up`,
// which then signals its daemons), 1 on failure. Started by hand while `mailroom up` runs,
// it signals `up` itself so the daemons pick the new certificate up.
//
// reload sends SIGHUP to `mailroom up` (its pid in <data_dir>/run/up.status): `up`
// forwards it to every daemon, which re-reads its certificate for new handshakes, and
// checks at once whether an ACME renewal is due.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>

#include "common/acme/certificate.hpp"
#include "common/acme/client.hpp"
#include "common/acme/store.hpp"
#include "common/log/log.hpp"
#include "mailroom/commands.hpp"
#include "mailroom/run_as.hpp"
#include "mailroom/supervisor.hpp"
#include "mailroom/up_status.hpp"

namespace mr::cli {

namespace {

// "renewed" or "current".
std::string renew(CliContext& ctx, bool force) {
    const auto& cfg = ctx.config();
    const auto f = acme::files(cfg.server.data_dir);
    auto names = acme::certificate_names(cfg.server.hostname, must(ctx.directory().list_domains()));
    if (!force) {
        if (auto pem = acme::read_file(f.cert); pem) {
            auto info = acme::read_certificate(*pem);
            if (info && !acme::renewal_due(*info, names, std::time(nullptr))) {
                return "current";
            }
        }
    }
    std::error_code ec;
    std::filesystem::create_directories(f.challenges, ec);
    if (ec) throw CliError{"cannot create " + f.challenges.string() + ": " + ec.message()};
    std::filesystem::permissions(f.dir, std::filesystem::perms::owner_all, ec);

    acme::PkeyPtr account_key;
    if (auto pem = acme::read_file(f.account_key); pem) {
        account_key = must(acme::key_from_pem(*pem));
    } else {
        account_key = must(acme::generate_p256());
        must(acme::write_private(f.account_key, acme::key_to_pem(account_key.get())));
    }
    acme::AccountKey account(std::move(account_key));
    acme::ClientOptions options{cfg.acme.directory, cfg.acme.ca_file, cfg.acme.email, f.challenges};
    // http-01 when webd has plain HTTP (port 80), else tls-alpn-01 on its HTTPS listener.
    options.challenge = cfg.http.listen.empty() ? "tls-alpn-01" : "http-01";
    log::info("acme_ordering", {{"names", std::to_string(names.size())}, {"directory", cfg.acme.directory}});
    auto issued = acme::obtain_certificate(options, account, names);
    if (!issued) throw CliError{"ACME: " + issued.error().message};
    // Key first: a daemon reloading in between fails the key check and keeps its old context.
    must(acme::write_private(f.key, issued->key_pem));
    must(acme::write_private(f.cert, issued->cert_pem));
    auto info = must(acme::read_certificate(issued->cert_pem));
    log::info("acme_installed", {{"serial", info.serial_hex}, {"not_after", std::to_string(info.not_after)}});
    return "renewed";
}

// The pid of the running `mailroom up` (from its run/up.status), 0 when none.
pid_t up_pid(const config::Config& cfg) {
    auto status = read_up_status(cfg.server.data_dir);
    if (!status) return 0;
    const long pid = status->pid;
    // EPERM: alive but root's, as seen from run_user (the renew `up` itself starts).
    if (pid <= 1 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM)) return 0;
    // The file is run_user's: signal only a process that is a mailroom.
    auto comm = acme::read_file("/proc/" + std::to_string(pid) + "/comm");
    if (!comm || *comm != "mailroom\n") return 0;
    return static_cast<pid_t>(pid);
}

}  // namespace

void add_acme_commands(CLI::App& app, CliContext& ctx) {
    auto* acme_cmd = app.add_subcommand("acme", "Certificates from an ACME CA ([acme] in the config)");
    acme_cmd->require_subcommand(1);
    auto* renew_cmd = acme_cmd->add_subcommand("renew", "Obtain or renew the certificate when due (or --force)");
    static bool force = false;
    renew_cmd->add_flag("--force", force, "Renew even when the certificate is current");
    renew_cmd->callback([&ctx] {
        const auto& cfg = ctx.config();
        log::configure("mailroom", log::parse_level(cfg.server.log_level).value_or(log::Level::Info));
        if (!cfg.acme.enabled) throw CliError{"[acme] enabled is false"};
        const pid_t up = up_pid(cfg);
        std::optional<std::string> outcome;
        if (geteuid() == 0) {
            outcome = as_run_user_answer(cfg.server.run_user, [&] { return renew(ctx, force); });
        } else {
            outcome = renew(ctx, force);
        }
        if (!outcome) std::exit(1);
        std::cout << "certificate " << *outcome << "\n";
        if (*outcome != "renewed") return;
        if (up != 0 && up == getppid()) std::exit(kAcmeRenewedStatus);
        if (up != 0 && ::kill(up, SIGHUP) != 0) {
            throw CliError{"cannot signal mailroom up (pid " + std::to_string(up) + "): " + std::strerror(errno)};
        }
    });

    auto* reload = app.add_subcommand(
        "reload", "Make the running daemons re-read their certificates (SIGHUP to mailroom up)");
    reload->callback([&ctx] {
        const auto& cfg = ctx.config();
        const pid_t up = up_pid(cfg);
        if (up == 0) throw CliError{"mailroom up is not running (no live pid in " + up_status_path(cfg.server.data_dir).string() + ")"};
        if (::kill(up, SIGHUP) != 0) {
            throw CliError{"cannot signal mailroom up (pid " + std::to_string(up) + "): " + std::strerror(errno)};
        }
        std::cout << "reload signalled to pid " << up << "\n";
    });
}

}  // namespace mr::cli
