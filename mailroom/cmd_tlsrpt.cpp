// `mailroom tlsrpt send [--now]`: asks deliverd for its SMTP TLS reports (RFC 8460) at once
// instead of at its next hourly check: of the UTC days that ended, or with --now also of
// today so far. deliverd owns the counts and the reports (deliverd/tls_report); the CLI
// only sends the wake-up.
#include <iostream>
#include <string>

#include "common/net/wakeup.hpp"
#include "mailroom/commands.hpp"

namespace mr::cli {

void add_tlsrpt_commands(CLI::App& app, CliContext& ctx) {
    static bool today = false;
    auto* tlsrpt = app.add_subcommand("tlsrpt", "SMTP TLS reports (RFC 8460) of deliverd");
    tlsrpt->require_subcommand(1);
    auto* send = tlsrpt->add_subcommand("send", "Send the TLS reports due now (deliverd must be running)");
    send->add_flag("--now", today, "Also report today's sessions so far (the report ends now)");
    send->callback([&ctx] {
        const auto& cfg = ctx.config();
        if (!cfg.tls_report.enabled) throw CliError{"[tls_report] enabled is false"};
        auto sent = net::send_wakeup(net::wakeup_endpoint(cfg.server.data_dir, net::WakeupListener::Deliverd),
                                     today ? net::kTlsReportTodayWakeup : net::kTlsReportWakeup);
        if (!sent) throw CliError{"cannot reach deliverd: " + sent.error().message};
        std::cout << "deliverd asked to send its TLS reports" << (today ? " (today's so far included)" : "") << "\n";
    });
}

}  // namespace mr::cli
