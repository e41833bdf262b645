// `mailroom dkim rotate|list|remove` and `mailroom dns`: the DKIM keys of the hosted
// domains (common/dkim/key_directory.hpp) and the DNS records an operator publishes.
#include <ctime>
#include <iostream>

#include "common/dkim/key_directory.hpp"
#include "common/text/ascii.hpp"
#include "common/text/domain.hpp"
#include "mailroom/commands.hpp"
#include "mailroom/dns_records.hpp"
#include "mailroom/file_safety.hpp"
#include "mailroom/json_output.hpp"

namespace mr::cli {

namespace {

// A domain from the command line names a directory under key_dir: only a valid domain.
std::string domain_argument(const std::string& name) {
    auto d = text::normalise_domain(name);
    if (!d) throw CliError{"not a domain name: " + name};
    return *d;
}

void print_records(const std::vector<DnsRecord>& records, bool json) {
    if (json) {
        toml::array rows;
        for (const auto& r : records) rows.push_back(toml::table{{"name", r.name}, {"type", r.type}, {"value", r.value}});
        print_json(rows);
        return;
    }
    for (const auto& r : records) std::cout << zone_line(r) << "\n";
}

}  // namespace

void create_dkim_keys_if_missing(const config::Config& cfg, const std::string& name) {
    const std::string domain = domain_argument(name);
    if (!dkim::list_key_files(cfg.dkim.key_dir, domain).empty()) return;
    must(dkim::create_key_pair(cfg.dkim.key_dir, domain, std::time(nullptr)));
    give_dkim_keys_to_daemons(cfg);
}

void add_dkim_commands(CLI::App& app, CliContext& ctx) {
    static std::string domain;
    static std::string selector;

    auto* dkim_cmd = app.add_subcommand("dkim", "Manage the DKIM keys that sign the hosted domains' mail");
    dkim_cmd->require_subcommand(1);

    auto* rotate = dkim_cmd->add_subcommand(
        "rotate", "Make a new Ed25519 and RSA key pair; mail is signed with it from now on, the old keys stay published");
    rotate->add_option("domain", domain, "Hosted domain")->required();
    rotate->callback([&ctx] {
        const auto& cfg = ctx.config();
        const std::string d = domain_argument(domain);
        auto made = must(dkim::create_key_pair(cfg.dkim.key_dir, d, std::time(nullptr)));
        give_dkim_keys_to_daemons(cfg);
        std::cout << "new DKIM keys for " << d << "; publish these records, then remove the old keys with "
                  << "`mailroom dkim remove " << d << " SELECTOR` once mail signed with them is delivered:\n";
        std::vector<DnsRecord> records;
        for (const auto& f : made) {
            auto key = must(dkim::SigningKey::load(f.path));
            records.push_back({f.selector + "._domainkey." + d, "TXT", must(key.dns_record())});
        }
        print_records(records, false);
    });

    auto* list = dkim_cmd->add_subcommand("list", "List a domain's DKIM selectors (the newest of each algorithm signs)");
    list->add_option("domain", domain, "Hosted domain")->required();
    list->add_flag("--json", ctx.json, "Print JSON");
    list->callback([&ctx] {
        const auto& cfg = ctx.config();
        const std::string d = domain_argument(domain);
        const auto files = dkim::list_key_files(cfg.dkim.key_dir, d);
        auto active = must(dkim::active_signers(cfg.dkim.key_dir, d));
        auto is_active = [&](const std::string& s) {
            return std::any_of(active.begin(), active.end(), [&](const dkim::Signer& a) { return a.selector == s; });
        };
        if (ctx.json) {
            toml::array rows;
            for (const auto& f : files) {
                rows.push_back(toml::table{{"selector", f.selector},
                                           {"algorithm", std::string(dkim::algorithm_tag(f.algorithm))},
                                           {"signing", is_active(f.selector)}});
            }
            print_json(rows);
            return;
        }
        for (const auto& f : files) {
            std::cout << f.selector << " " << dkim::algorithm_tag(f.algorithm) << (is_active(f.selector) ? " signing" : "")
                      << "\n";
        }
    });

    auto* remove = dkim_cmd->add_subcommand("remove", "Remove an old DKIM key (not one that signs)");
    remove->add_option("domain", domain, "Hosted domain")->required();
    remove->add_option("selector", selector, "Selector, as `mailroom dkim list` shows it")->required();
    remove->callback([&ctx] {
        const auto& cfg = ctx.config();
        const std::string d = domain_argument(domain);
        auto active = must(dkim::active_signers(cfg.dkim.key_dir, d));
        for (const auto& a : active) {
            if (a.selector == selector) {
                throw CliError{selector + " signs " + d + "'s mail; rotate first (`mailroom dkim rotate " + d + "`)"};
            }
        }
        for (const auto& f : dkim::list_key_files(cfg.dkim.key_dir, d)) {
            if (f.selector != selector) continue;
            std::filesystem::remove(f.path);
            std::cout << "removed " << selector << "; also remove its record " << selector << "._domainkey." << d
                      << " from DNS\n";
            return;
        }
        throw CliError{"no DKIM key " + selector + " for " + d};
    });

    auto* dns = app.add_subcommand("dns", "Print the DNS records to publish for a hosted domain");
    dns->add_option("domain", domain, "Hosted domain")->required();
    dns->add_flag("--json", ctx.json, "Print JSON: [{\"name\", \"type\", \"value\"}], TXT values unsplit");
    dns->callback([&ctx] {
        const auto& cfg = ctx.config();
        print_records(dns_records(cfg, domain_argument(domain)), ctx.json);
    });
}

}  // namespace mr::cli
