#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "common/config/config.hpp"
#include "common/config/default_config.hpp"
#include "common/net/self_signed.hpp"
#include "mailroom/commands.hpp"

namespace mr::cli {

namespace {

struct InitArgs {
    std::filesystem::path dir;
    std::string domain;
    std::string hostname;
    std::filesystem::path data_dir;  // empty: DIR/data
    int port_base = 20000;
};

std::string default_hostname() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
    return name;
}

void write_new_file(const std::filesystem::path& path, const std::string& text, std::filesystem::perms mode) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw CliError{"cannot write " + path.string()};
    std::filesystem::permissions(path, mode);
}

// Started as root, init gives the store to run_user (the daemons, and the CLI, which
// switches to run_user too, write it) but keeps the config and the TLS key root's, only
// readable by run_user's group: a compromised daemon must not be able to change how the
// next `mailroom up` starts it. The directories on the way stay root's and searchable by
// the group.
void set_owners(const std::filesystem::path& dir, const config::Config& cfg) {
    const std::string& user = cfg.server.run_user;
    if (geteuid() != 0 || user.empty() || user == "root") return;
    struct passwd* pw = getpwnam(user.c_str());
    if (pw == nullptr) {
        throw CliError{"run_user '" + user + "' does not exist (create it: useradd --system " + user + ")"};
    }
    auto own = [](const std::filesystem::path& p, uid_t uid, gid_t gid) {
        if (lchown(p.c_str(), uid, gid) != 0) throw CliError{"cannot chown " + p.string()};
    };
    auto root_owned = [&](const std::filesystem::path& p, std::filesystem::perms mode) {
        own(p, 0, pw->pw_gid);
        std::filesystem::permissions(p, mode);
    };
    using std::filesystem::perms;
    const auto group_read = perms::owner_read | perms::owner_write | perms::group_read;
    own(dir, 0, pw->pw_gid);
    root_owned(cfg.file, group_read);
    root_owned(cfg.tls.key.parent_path(), perms::owner_all | perms::group_read | perms::group_exec);
    root_owned(cfg.tls.key, group_read);
    root_owned(cfg.tls.cert, group_read | perms::others_read);
    own(cfg.server.data_dir, pw->pw_uid, pw->pw_gid);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(cfg.server.data_dir)) {
        own(entry.path(), pw->pw_uid, pw->pw_gid);
    }
}

}  // namespace

void add_init_command(CLI::App& app, CliContext& ctx) {
    static InitArgs args;
    auto* init = app.add_subcommand("init", "Create a configuration, a self-signed certificate and an empty store");
    init->add_option("--dir", args.dir, "Directory for mailroom.toml, tls/ and data/")->required();
    init->add_option("--domain", args.domain, "A first domain to host, e.g. example.org");
    init->add_option("--hostname", args.hostname, "This server's name (default: the machine's hostname)");
    init->add_option("--data-dir", args.data_dir,
                     "The store (default: DIR/data); e.g. /var/lib/mailroom beside /etc/mailroom");
    init->add_option("--port-base", args.port_base,
                     "Listeners on BASE+25, +587, +465, +143, +993, +110, +995, +4190, +80, +443 (0 = standard ports)")
        ->check(CLI::Range(0, 65535 - 4190));
    init->callback([&ctx] {
        auto file = args.dir / "mailroom.toml";
        if (std::filesystem::exists(file)) throw CliError{file.string() + " already exists; not overwriting it"};
        std::filesystem::create_directories(args.dir / "tls");
        const std::filesystem::path data_dir = args.data_dir.empty() ? args.dir / "data" : args.data_dir;
        std::filesystem::create_directories(data_dir);

        config::InitValues values;
        values.hostname = args.hostname.empty() ? default_hostname() : args.hostname;
        values.port_base = args.port_base;
        values.data_dir = args.data_dir.empty() ? std::string("data") : std::filesystem::absolute(args.data_dir).string();
        using std::filesystem::perms;
        write_new_file(file, config::render_default_config(values),
                       perms::owner_read | perms::owner_write | perms::group_read);

        ctx.config_path = file.string();
        const auto& cfg = ctx.config();  // proves the file we wrote is valid
        must(net::generate_self_signed(values.hostname, cfg.tls.cert, cfg.tls.key));
        if (!args.domain.empty()) create_dkim_keys_if_missing(cfg, args.domain);
        set_owners(args.dir, cfg);

        if (!args.domain.empty()) must(ctx.directory().add_domain(args.domain));
        std::cout << "created " << file.string() << "\n"
                  << "  hostname " << values.hostname << ", self-signed certificate in "
                  << cfg.tls.cert.parent_path().string() << "\n";
        if (!args.domain.empty()) std::cout << "  hosting " << args.domain << "\n";
        std::cout << "next: mailroom --config " << file.string() << " user add you@"
                  << (args.domain.empty() ? "your.domain" : args.domain) << "\n";
    });
}

}  // namespace mr::cli
