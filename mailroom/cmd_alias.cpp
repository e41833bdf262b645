#include <iostream>

#include "mailroom/commands.hpp"
#include "mailroom/json_output.hpp"

namespace mr::cli {

void add_alias_commands(CLI::App& app, CliContext& ctx) {
    static std::string source;
    static std::string target;
    auto* alias = app.add_subcommand("alias", "Manage aliases (one address to many; @domain is a catch-all)");
    alias->require_subcommand(1);

    auto* add = alias->add_subcommand("add", "Make SOURCE deliver to TARGET as well (repeat for more targets)");
    add->add_option("source", source, "Alias address, or @domain for a catch-all")->required();
    add->add_option("target", target, "Where mail goes: a local user or an external address")->required();
    add->callback([&ctx] {
        must(ctx.directory().add_alias(source, target));
        std::cout << "added alias " << source << " -> " << target << "\n";
    });

    auto* del = alias->add_subcommand("del", "Remove an alias, or one of its targets");
    del->add_option("source", source, "Alias address")->required();
    del->add_option("target", target, "Only this target");
    del->callback([&ctx] {
        std::optional<std::string_view> only;
        if (!target.empty()) only = target;
        must(ctx.directory().remove_alias(source, only));
        std::cout << "removed alias " << source << (target.empty() ? "" : " -> " + target) << "\n";
    });

    auto* list = alias->add_subcommand("list", "List aliases");
    list->add_flag("--json", ctx.json, "Print JSON");
    list->callback([&ctx] {
        auto aliases = must(ctx.directory().list_aliases());
        if (ctx.json) {
            toml::array rows;
            for (const auto& a : aliases) {
                toml::array targets;
                for (const auto& t : a.targets) targets.push_back(t);
                rows.push_back(toml::table{{"source", a.source}, {"targets", targets}});
            }
            print_json(rows);
            return;
        }
        for (const auto& a : aliases) {
            std::cout << a.source << " ->";
            for (const auto& t : a.targets) std::cout << " " << t;
            std::cout << "\n";
        }
    });
}

}  // namespace mr::cli
