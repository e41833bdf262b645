// mr-test-enqueue --config FILE --from SENDER --to RCPT [--to RCPT...]
//                 [--notify N] [--orcpt O] [--ret FULL|HDRS] [--envid E]
//                 [--count N] [--no-wake]
// Reads one message from stdin and enqueues it (N times, as N entries in one group
// commit, each with "{n}" in the message replaced by its number) through
// storage::Queue, then wakes deliverd. Prints the queue ids, one per line.
// SENDER "" is the null reverse-path. A test tool: no input validation beyond what
// the queue itself does.
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/net/wakeup.hpp"
#include "storage/queue.hpp"

int main(int argc, char** argv) {
    std::string config_file;
    std::string from;
    std::vector<std::string> to;
    std::string notify, orcpt;
    mr::storage::EnqueueParams params;
    long count = 1;
    bool wake = true;
    for (int i = 1; i < argc; ++i) {
        auto arg = [&](const char* name) { return std::strcmp(argv[i], name) == 0 && i + 1 < argc; };
        if (arg("--config")) config_file = argv[++i];
        else if (arg("--from")) from = argv[++i];
        else if (arg("--to")) to.emplace_back(argv[++i]);
        else if (arg("--notify")) notify = argv[++i];
        else if (arg("--orcpt")) orcpt = argv[++i];
        else if (arg("--ret")) params.dsn_ret = argv[++i];
        else if (arg("--envid")) params.dsn_envid = argv[++i];
        else if (arg("--count")) count = std::strtol(argv[++i], nullptr, 10);
        else if (std::strcmp(argv[i], "--no-wake") == 0) wake = false;
        else {
            std::cerr << "mr-test-enqueue: bad argument " << argv[i] << "\n";
            return 2;
        }
    }
    if (config_file.empty() || to.empty() || count < 1) {
        std::cerr << "usage: mr-test-enqueue --config FILE --from S --to R [--to R...] [--count N]\n";
        return 2;
    }
    auto cfg = mr::config::load_config(config_file);
    if (!cfg) {
        std::cerr << "mr-test-enqueue: " << cfg.error().message << "\n";
        return 1;
    }
    // Like the CLI and the daemons: as root, work as run_user so the queue files
    // stay writable by deliverd.
    if (::geteuid() == 0 && !cfg->server.run_user.empty() && cfg->server.run_user != "root") {
        struct passwd* pw = ::getpwnam(cfg->server.run_user.c_str());
        if (pw == nullptr || ::setgid(pw->pw_gid) != 0 || ::initgroups(pw->pw_name, pw->pw_gid) != 0 ||
            ::setuid(pw->pw_uid) != 0) {
            std::cerr << "mr-test-enqueue: cannot become " << cfg->server.run_user << "\n";
            return 1;
        }
    }
    std::stringstream in;
    in << std::cin.rdbuf();
    const std::string message = in.str();

    auto queue = mr::storage::Queue::open(cfg->server.data_dir);
    if (!queue) {
        std::cerr << "mr-test-enqueue: " << queue.error().message << "\n";
        return 1;
    }
    std::vector<mr::storage::QueueRecipient> rcpts;
    for (const auto& t : to) {
        mr::storage::QueueRecipient r;
        r.address = t;
        r.dsn_notify = notify;
        r.orcpt = orcpt;
        rcpts.push_back(std::move(r));
    }
    std::vector<std::string> bodies;
    for (long n = 0; n < count; ++n) {
        std::string body = message;
        const std::string num = std::to_string(n);
        for (auto pos = body.find("{n}"); pos != std::string::npos; pos = body.find("{n}", pos + num.size())) {
            body.replace(pos, 3, num);
        }
        bodies.push_back(std::move(body));
    }
    // Group commits of up to 500 messages.
    for (std::size_t start = 0; start < bodies.size(); start += 500) {
        std::vector<mr::storage::EnqueueRequest> reqs;
        for (std::size_t k = start; k < bodies.size() && k < start + 500; ++k) {
            reqs.push_back({from, rcpts, bodies[k], params});
        }
        auto ids = queue->enqueue_batch(reqs);
        if (!ids) {
            std::cerr << "mr-test-enqueue: " << ids.error().message << "\n";
            return 1;
        }
        for (const auto& id : *ids) std::cout << id << "\n";
    }
    if (wake) {
        (void)mr::net::send_wakeup(
            mr::net::wakeup_endpoint(cfg->server.data_dir, mr::net::WakeupListener::Deliverd), "queue");
    }
    return 0;
}
