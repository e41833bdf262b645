// `mailroom sieve ...` and `mailroom vacation ...`: a user's Sieve scripts from the shell.
// The store logic (names, quotas, atomic writes, the active link) is storage/sieve_scripts,
// shared with ManageSieve; this file reads the operator's files (as root, before the
// switch to run_user, so the script files belong to the daemons' account) and prints.
//
// Vacation is an ordinary script, "vacation.sieve", so ManageSieve clients see and may
// edit it. It replaces the active script while it is on (Sieve has no composition of two
// scripts without `include`, which the library does not offer); the name of the script it
// replaced is kept in a comment of its first line and `vacation off` activates that one
// again. --until is a condition of the script (RFC 5260 currentdate, in deliverd's zone):
// after that day no reply goes out, though the script stays active until `vacation off`.
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include "common/sieve/compiler.hpp"
#include "common/text/ascii.hpp"
#include "mailroom/commands.hpp"
#include "mailroom/json_output.hpp"
#include "storage/sieve_scripts.hpp"

namespace mr::cli {

namespace {

constexpr std::string_view kVacationScript = "vacation";
constexpr std::string_view kPreviousMarker = "# mailroom vacation; previously active: ";

struct SieveArgs {
    std::string domain;
    std::string when;  // global scripts: "before" or "after"
    std::string user;
    std::string name;
    std::string file;
    bool none = false;
    std::string subject;
    std::string body_file;
    std::string until;
    int days = 7;
};

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CliError{"cannot read " + path};
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The user's scripts, after checking the user exists (this also switches to run_user).
storage::SieveScripts scripts_of(CliContext& ctx, const std::string& user) {
    auto found = must(ctx.directory().find_user(user));
    if (!found) throw CliError{"no user " + user};
    return storage::SieveScripts(storage::user_mail_dir(ctx.config().server.data_dir, user));
}

// A domain's global scripts (storage::global_sieve_dir), after checking the domain is
// ours (this also switches to run_user).
storage::SieveScripts global_scripts_of(CliContext& ctx, const std::string& domain) {
    if (!must(ctx.directory().has_domain(domain))) throw CliError{"no domain " + domain};
    return storage::SieveScripts(storage::global_sieve_dir(ctx.config().server.data_dir, text::to_lower(domain)));
}

void add_global_subcommands(CLI::App& sieve, CliContext& ctx, SieveArgs& args) {
    auto* global = sieve.add_subcommand(
        "global",
        "The administrator's scripts of a domain: \"before\" runs ahead of every user's script, \"after\" behind "
        "it; a later script runs only while the implicit keep stands (nothing has filed, kept, discarded, "
        "redirected or rejected the message yet)");
    global->require_subcommand(1);
    auto when = [&args](CLI::App* c) {
        c->add_option("domain", args.domain, "Hosted domain")->required();
        c->add_option("when", args.when, "before or after")->required()->check(CLI::IsMember({"before", "after"}));
    };
    auto* put = global->add_subcommand("put", "Store FILE as the domain's before/after script, compiled first");
    when(put);
    put->add_option("file", args.file, "Sieve script")->required();
    put->callback([&ctx, &args] {
        const std::string text = read_text_file(args.file);  // as the caller, before run_user
        must(global_scripts_of(ctx, args.domain).put(args.when, text));
        std::cout << "stored the " << args.when << " script of " << args.domain << "\n";
    });
    auto* get = global->add_subcommand("get", "Print the domain's before/after script");
    when(get);
    get->callback([&ctx, &args] { std::cout << must(global_scripts_of(ctx, args.domain).get(args.when)); });
    auto* del = global->add_subcommand("delete", "Remove the domain's before/after script");
    when(del);
    del->callback([&ctx, &args] {
        must(global_scripts_of(ctx, args.domain).remove(args.when));
        std::cout << "removed the " << args.when << " script of " << args.domain << "\n";
    });
}

// "foo/bar.sieve" -> "bar"
std::string script_name_of_file(const std::string& path) {
    std::string name = std::filesystem::path(path).filename().string();
    if (name.ends_with(".sieve")) name.resize(name.size() - 6);
    if (auto problem = storage::sieve_name_problem(name)) throw CliError{"cannot name a script after " + path + ": " + *problem};
    return name;
}

// A Sieve quoted string (RFC 5228 §2.4.2): only '"' and '\' need escaping; line breaks
// become CRLF, the form a quoted string's line ends have in the reply.
std::string sieve_quoted(std::string_view s) {
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
        out += c;
    }
    return out + "\"";
}

void add_sieve_subcommands(CLI::App& app, CliContext& ctx, SieveArgs& args) {
    auto* sieve = app.add_subcommand("sieve", "Manage users' Sieve filter scripts, and each domain's global ones");
    sieve->require_subcommand(1);
    add_global_subcommands(*sieve, ctx, args);

    auto* list = sieve->add_subcommand("list", "List a user's scripts; the active one is marked");
    list->add_option("user", args.user, "Email address")->required();
    list->add_flag("--json", ctx.json, "Print JSON");
    list->callback([&ctx, &args] {
        auto scripts = must(scripts_of(ctx, args.user).list());
        if (ctx.json) {
            toml::array rows;
            for (const auto& s : scripts) rows.push_back(toml::table{{"name", s.name}, {"active", s.active}});
            print_json(rows);
            return;
        }
        for (const auto& s : scripts) std::cout << s.name << (s.active ? "  (active)" : "") << "\n";
    });

    auto* get = sieve->add_subcommand("get", "Print a script");
    get->add_option("user", args.user, "Email address")->required();
    get->add_option("name", args.name, "Script name")->required();
    get->callback([&ctx, &args] { std::cout << must(scripts_of(ctx, args.user).get(args.name)); });

    auto* put = sieve->add_subcommand("put", "Store FILE as a script named after it (without .sieve), compiled first");
    put->add_option("user", args.user, "Email address")->required();
    put->add_option("file", args.file, "Sieve script, e.g. lists.sieve")->required();
    put->callback([&ctx, &args] {
        const std::string name = script_name_of_file(args.file);
        const std::string text = read_text_file(args.file);  // as the caller, before run_user
        auto scripts = scripts_of(ctx, args.user);
        must(scripts.put(name, text));
        std::cout << "stored script " << name << " for " << args.user << "\n";
    });

    auto* activate = sieve->add_subcommand("activate", "Make NAME the script run at delivery (--none: no script)");
    activate->add_option("user", args.user, "Email address")->required();
    activate->add_option("name", args.name, "Script name");
    activate->add_flag("--none", args.none, "Deactivate: no script runs");
    activate->callback([&ctx, &args] {
        if (args.none == !args.name.empty()) throw CliError{"give a script name or --none"};
        auto scripts = scripts_of(ctx, args.user);
        if (args.none) {
            must(scripts.activate(std::nullopt));
            std::cout << "no active script for " << args.user << "\n";
        } else {
            must(scripts.activate(args.name));
            std::cout << "activated " << args.name << " for " << args.user << "\n";
        }
    });

    auto* del = sieve->add_subcommand("delete", "Delete a script (not the active one)");
    del->add_option("user", args.user, "Email address")->required();
    del->add_option("name", args.name, "Script name")->required();
    del->callback([&ctx, &args] {
        must(scripts_of(ctx, args.user).remove(args.name));
        std::cout << "deleted script " << args.name << " of " << args.user << "\n";
    });

    auto* check = sieve->add_subcommand("check", "Compile FILE and report the first error");
    check->add_option("file", args.file, "Sieve script")->required();
    check->callback([&args] {
        auto program = sieve::compile_script(read_text_file(args.file));
        if (!program) throw CliError{args.file + ": " + program.error().message};
        std::cout << args.file << ": ok\n";
    });
}

void add_vacation_subcommands(CLI::App& app, CliContext& ctx, SieveArgs& args) {
    auto* vacation = app.add_subcommand("vacation", "Out-of-office replies (an ordinary Sieve script, \"vacation\")");
    vacation->require_subcommand(1);

    auto* set = vacation->add_subcommand("set", "Write and activate the vacation script (it replaces the active script until `vacation off`)");
    set->add_option("user", args.user, "Email address")->required();
    set->add_option("--subject", args.subject, "Subject of the reply")->required();
    set->add_option("--body-file", args.body_file, "Text of the reply")->required();
    set->add_option("--until", args.until, "Last day away, YYYY-MM-DD: no replies after it (Sieve currentdate)");
    set->add_option("--days", args.days, "Reply once per sender per this many days")->check(CLI::Range(1, 365));
    set->callback([&ctx, &args] {
        if (!args.until.empty() && !std::regex_match(args.until, std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}")))
            throw CliError{"--until wants YYYY-MM-DD"};
        for (char c : args.subject)
            if (c == '\r' || c == '\n') throw CliError{"--subject must be one line"};
        const std::string body = read_text_file(args.body_file);
        auto scripts = scripts_of(ctx, args.user);
        std::string previous;
        if (auto act = must(scripts.active()); act && *act != kVacationScript) previous = *act;
        if (previous.empty()) {
            // Vacation set twice: keep what the first one replaced.
            if (auto old = scripts.get(kVacationScript); old && old->starts_with(kPreviousMarker)) {
                const auto end = old->find('\n');
                previous = old->substr(kPreviousMarker.size(), end - kPreviousMarker.size());
            }
        }
        std::string script = std::string(kPreviousMarker) + previous + "\n";
        const std::string reply = "vacation :days " + std::to_string(args.days) + " :subject " +
                                  sieve_quoted(args.subject) + "\n    " + sieve_quoted(body) + ";\n";
        if (args.until.empty()) {
            script += "require \"vacation\";\n" + reply;
        } else {
            // RFC 5260 §5: dates as "yyyy-mm-dd" compare as strings in calendar order.
            script += "require [\"vacation\", \"date\", \"relational\"];\n";
            script += "if currentdate :value \"le\" \"date\" \"" + args.until + "\" {\n" + reply + "}\n";
        }
        must(scripts.put(kVacationScript, script));
        must(scripts.activate(kVacationScript));
        std::cout << "vacation on for " << args.user;
        if (!previous.empty()) std::cout << " (replaces script " << previous << " until `mailroom vacation off`)";
        std::cout << "\n";
        if (!args.until.empty())
            std::cout << "no replies after " << args.until << "; `mailroom vacation off` restores the previous script\n";
    });

    auto* off = vacation->add_subcommand("off", "Deactivate and delete the vacation script; reactivate the script it replaced");
    off->add_option("user", args.user, "Email address")->required();
    off->callback([&ctx, &args] {
        auto scripts = scripts_of(ctx, args.user);
        auto old = scripts.get(kVacationScript);
        if (!old) throw CliError{"no vacation script for " + args.user};
        std::string previous;
        if (old->starts_with(kPreviousMarker)) {
            const auto end = old->find('\n');
            previous = old->substr(kPreviousMarker.size(), end - kPreviousMarker.size());
        }
        auto act = must(scripts.active());
        if (act && *act == kVacationScript) {
            if (!previous.empty() && scripts.get(previous)) {
                must(scripts.activate(previous));
            } else {
                previous.clear();
                must(scripts.activate(std::nullopt));
            }
        } else {
            previous.clear();  // someone activated another script meanwhile: leave it
        }
        must(scripts.remove(kVacationScript));
        std::cout << "vacation off for " << args.user;
        if (!previous.empty()) std::cout << " (script " << previous << " active again)";
        std::cout << "\n";
    });
}

}  // namespace

void add_sieve_commands(CLI::App& app, CliContext& ctx) {
    static SieveArgs args;
    add_sieve_subcommands(app, ctx, args);
    add_vacation_subcommands(app, ctx, args);
}

}  // namespace mr::cli
