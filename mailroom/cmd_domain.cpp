#include <iostream>

#include "mailroom/commands.hpp"
#include "mailroom/json_output.hpp"

namespace mr::cli {

void add_domain_commands(CLI::App& app, CliContext& ctx) {
    auto* domain = app.add_subcommand("domain", "Manage the domains this server receives mail for");
    domain->require_subcommand(1);

    static std::string name;
    auto* add = domain->add_subcommand("add", "Add a hosted domain");
    add->add_option("domain", name, "Domain name, e.g. example.org")->required();
    add->callback([&ctx] {
        create_dkim_keys_if_missing(ctx.config(), name);
        must(ctx.directory().add_domain(name));
        std::cout << "added domain " << name << "; DNS records to publish: mailroom dns " << name << "\n";
    });

    auto* del = domain->add_subcommand("del", "Remove a domain (it must have no users or aliases left)");
    del->add_option("domain", name, "Domain name")->required();
    del->callback([&ctx] {
        must(ctx.directory().remove_domain(name));
        std::cout << "removed domain " << name << "\n";
    });

    auto* list = domain->add_subcommand("list", "List hosted domains");
    list->add_flag("--json", ctx.json, "Print JSON");
    list->callback([&ctx] {
        auto domains = must(ctx.directory().list_domains());
        if (ctx.json) {
            toml::array rows;
            for (const auto& d : domains) rows.push_back(toml::table{{"domain", d}});
            print_json(rows);
            return;
        }
        for (const auto& d : domains) std::cout << d << "\n";
    });
}

}  // namespace mr::cli
