// `mailroom queue list [--json] | show ID | flush | retry ID | delete ID [--bounce]`:
// the operator's view of the queue. Changes go through storage::Queue and are
// followed by a wake-up to deliverd, which picks them up without a restart; a
// bounce is composed by deliverd (it owns notices), the CLI only requests it.
#include <ctime>
#include <iostream>
#include <optional>
#include <string>

#include "common/net/wakeup.hpp"
#include "mailroom/commands.hpp"
#include "mailroom/json_output.hpp"
#include "storage/queue.hpp"

namespace mr::cli {

namespace {

std::int64_t now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }

storage::Queue open_queue(CliContext& ctx) {
    const auto& cfg = ctx.config();
    ctx.drop_privileges();
    return must(storage::Queue::open(cfg.server.data_dir));
}

void wake_deliverd(CliContext& ctx) {
    // Best effort: when deliverd is down it finds the change at its next start.
    (void)net::send_wakeup(net::wakeup_endpoint(ctx.config().server.data_dir, net::WakeupListener::Deliverd),
                           "queue");
}

std::string age(std::int64_t seconds) {
    if (seconds < 120) return std::to_string(seconds) + "s";
    if (seconds < 7200) return std::to_string(seconds / 60) + "m";
    if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + "h";
    return std::to_string(seconds / 86400) + "d";
}

std::string when(std::int64_t at, std::int64_t now) {
    if (at <= now) return "now";
    return "in " + age(at - now);
}

bool open_state(storage::RecipientState s) {
    return s == storage::RecipientState::Pending || s == storage::RecipientState::Deferred;
}

// The header block of the queued message (up to the empty line).
std::string header_block(const std::string& message) {
    auto end = message.find("\r\n\r\n");
    if (end != std::string::npos) return message.substr(0, end + 2);
    end = message.find("\n\n");
    return end != std::string::npos ? message.substr(0, end + 1) : message;
}

toml::table entry_json(const storage::QueueEntry& e, std::int64_t now) {
    toml::array rcpts;
    std::int64_t next = 0;
    std::string last_error;
    for (const auto& r : e.recipients) {
        rcpts.push_back(toml::table{{"address", r.address},
                                    {"state", std::string(storage::to_string(r.state))},
                                    {"attempts", r.attempts},
                                    {"next_attempt", r.next_attempt},
                                    {"last_error", r.last_error}});
        if (open_state(r.state) && (next == 0 || r.next_attempt < next)) next = r.next_attempt;
        if (!r.last_error.empty() && open_state(r.state)) last_error = r.last_error;
    }
    return toml::table{{"id", e.id},           {"sender", e.sender},     {"size", e.size},
                       {"received", e.received}, {"age_s", now - e.received}, {"next_attempt", next},
                       {"last_error", last_error}, {"recipients", rcpts}};
}

}  // namespace

void add_queue_commands(CLI::App& app, CliContext& ctx) {
    static std::string id;
    static bool bounce = false;
    auto* queue = app.add_subcommand("queue", "Inspect and manage the mail queue");
    queue->require_subcommand(1);

    auto* list = queue->add_subcommand("list", "List queued messages with their recipients' states");
    list->add_flag("--json", ctx.json, "Print JSON");
    list->callback([&ctx] {
        auto q = open_queue(ctx);
        auto entries = must(q.list());
        const auto now = now_s();
        if (ctx.json) {
            toml::array rows;
            for (const auto& e : entries) rows.push_back(entry_json(e, now));
            print_json(rows);
            return;
        }
        for (const auto& e : entries) {
            std::cout << e.id << "  " << e.size << " bytes  age " << age(now - e.received) << "  <" << e.sender
                      << ">\n";
            for (const auto& r : e.recipients) {
                std::cout << "    " << r.address << "  " << storage::to_string(r.state);
                if (open_state(r.state)) std::cout << "  next " << when(r.next_attempt, now);
                if (!r.last_error.empty()) std::cout << "  (" << r.last_error << ")";
                std::cout << "\n";
            }
        }
        std::cout << entries.size() << " message" << (entries.size() == 1 ? "" : "s") << " in the queue\n";
    });

    auto* show = queue->add_subcommand("show", "Show one queued message: envelope and headers");
    show->add_option("id", id, "Queue id")->required();
    show->callback([&ctx] {
        auto q = open_queue(ctx);
        auto entry = must(q.show(id));
        if (!entry) throw CliError{"no such queue entry: " + id};
        const auto now = now_s();
        std::cout << "id: " << entry->id << "\nsender: <" << entry->sender << ">\nsize: " << entry->size
                  << "\nage: " << age(now - entry->received) << "\n";
        if (!entry->dsn_ret.empty()) std::cout << "ret: " << entry->dsn_ret << "\n";
        if (!entry->dsn_envid.empty()) std::cout << "envid: " << entry->dsn_envid << "\n";
        for (const auto& r : entry->recipients) {
            std::cout << "recipient: " << r.address << " " << storage::to_string(r.state) << " attempts "
                      << r.attempts;
            if (open_state(r.state)) std::cout << " next " << when(r.next_attempt, now);
            if (!r.last_error.empty()) std::cout << " (" << r.last_error << ")";
            std::cout << "\n";
        }
        auto bytes = q.read_message(entry->id);
        std::cout << "\n" << (bytes ? header_block(*bytes) : "(message file unreadable: " + bytes.error().message + ")\n");
    });

    auto* flush = queue->add_subcommand("flush", "Retry every queued message now");
    flush->callback([&ctx] {
        auto q = open_queue(ctx);
        const auto n = must(q.flush(now_s()));
        wake_deliverd(ctx);
        std::cout << "flushed " << n << " recipient" << (n == 1 ? "" : "s") << "\n";
    });

    auto* retry = queue->add_subcommand("retry", "Retry one queued message now");
    retry->add_option("id", id, "Queue id")->required();
    retry->callback([&ctx] {
        auto q = open_queue(ctx);
        must(q.retry(id, now_s()));
        wake_deliverd(ctx);
        std::cout << "retrying " << id << "\n";
    });

    auto* del = queue->add_subcommand("delete", "Remove a queued message (silently, or with a bounce)");
    del->add_option("id", id, "Queue id")->required();
    del->add_flag("--bounce", bounce, "Tell the sender (a failure notice) instead of dropping silently");
    del->callback([&ctx] {
        auto q = open_queue(ctx);
        if (bounce) {
            must(q.request_bounce(id, now_s()));
            wake_deliverd(ctx);
            std::cout << "bouncing " << id << " (deliverd notifies the sender and removes it)\n";
        } else {
            must(q.remove(id));
            wake_deliverd(ctx);
            std::cout << "deleted " << id << "\n";
        }
    });
}

}  // namespace mr::cli
