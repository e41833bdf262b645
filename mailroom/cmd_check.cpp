#include <chrono>
#include <fstream>
#include <iostream>

#include "common/dns/cares_client.hpp"
#include "common/dns/reverse_dns.hpp"
#include "mailroom/commands.hpp"
#include "mailroom/dns_records.hpp"
#include "mailroom/file_safety.hpp"

namespace mr::cli {

namespace {

bool readable(const std::filesystem::path& p) {
    std::ifstream in(p);
    return static_cast<bool>(in);
}

}  // namespace

void add_check_command(CLI::App& app, CliContext& ctx) {
    static bool repair = false;
    auto* check = app.add_subcommand(
        "check", "Validate the configuration, the owner and mode of every file, and print the DNS records each domain needs");
    check->add_flag("--repair", repair,
                    "Give every file and directory under data_dir the owner and mode it should have");
    check->callback([&ctx] {
        const auto& cfg = ctx.config();
        int problems = 0;
        auto problem = [&](const std::string& what) {
            std::cout << "problem: " << what << "\n";
            ++problems;
        };
        // Before ctx.directory() switches to run_user: as root, the whole tree can be read
        // and repaired.
        for (const auto& line : secrets_writable_by_daemon(cfg)) problem(line);
        for (const auto& p : audit_data_dir(cfg, repair)) {
            if (p.repaired) {
                std::cout << "repaired: " << p.path.string() << ": " << p.what << "\n";
            } else {
                problem(p.path.string() + ": " + p.what + (p.repair_error.empty() ? "" : " (" + p.repair_error + ")"));
            }
        }
        if (!readable(cfg.tls.cert)) problem("cannot read TLS certificate " + cfg.tls.cert.string());
        if (!readable(cfg.tls.key)) problem("cannot read TLS key " + cfg.tls.key.string());
        auto domains = must(ctx.directory().list_domains());
        if (domains.empty()) problem("no domain is hosted yet (mailroom domain add example.org)");
        std::cout << "config " << cfg.file.string() << " is valid\n";

        const std::string& host = cfg.server.hostname;
        // What DNS serves now, from the resolvers the daemons use ([dns] servers).
        auto resolver = dns::CaresDnsClient::create(cfg.dns.servers, std::chrono::milliseconds(3000));
        for (const auto& d : domains) {
            std::cout << "\nDNS records for " << d << " (mailroom dns " << d << " --json for scripts):\n";
            for (const auto& r : dns_records(cfg, d)) {
                std::cout << "  " << zone_line(r) << "\n";
                if (resolver) std::cout << "      " << published_status(**resolver, r) << "\n";
            }
        }
        std::cout << "\n" << host << " must resolve (A/AAAA) to this machine, and its reverse DNS should name "
                  << host << ".\n";
        // PTR <-> hostname <-> HELO for every address mail may leave from (issue 15): IPv6 is
        // used for outgoing mail only from an address where this holds (deliverd).
        std::cout << "\nAddresses mail may leave from (HELO " << host << "):\n";
        const auto addresses = dns::global_addresses();
        if (addresses.empty()) std::cout << "  none with a global address on this machine\n";
        for (const auto& a : addresses) {
            if (!resolver) break;
            const std::string why = dns::reverse_dns_problem(**resolver, a, host);
            const bool v6 = a.find(':') != std::string::npos;
            std::cout << "  " << a << ": " << (why.empty() ? "reverse DNS names " + host : why)
                      << (v6 && !why.empty() ? " (not used for outgoing mail)" : "") << "\n";
        }
        if (problems > 0) throw CliError{std::to_string(problems) + " problem(s) found"};
    });
}

}  // namespace mr::cli
