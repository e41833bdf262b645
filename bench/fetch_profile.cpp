// fetch_profile: runs one FETCH over every message of a mailbox through imapd's FetchJob,
// in-process and without a socket, so that the FETCH path can be profiled with callgrind
// (instruction counts are repeatable on a loaded machine; wall times are not).
//
//   fetch_profile USER_DIR headers|structure [MAILBOX] [ROUNDS]
//       headers:   Thunderbird's first-sync header fetch (bench/imap_bench.py HEADER_FETCH)
//       structure: UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE)
//   Every step's output is written to /dev/null (one write per step, as the server does).
//   Prints steps, octets and the wall time per round.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

#include "imapd/proto/parse_command.hpp"
#include "imapd/session/fetch_job.hpp"
#include "storage/mailbox_store.hpp"

namespace {

constexpr const char* kHeaders =
    "a UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Subject Date Message-ID "
    "Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])";
constexpr const char* kStructure = "a UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE)";

int fail(const std::string& what) {
    std::fprintf(stderr, "fetch_profile: %s\n", what.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace mr;
    if (argc < 3) return fail("usage: fetch_profile USER_DIR headers|structure [MAILBOX] [ROUNDS]");
    const std::string which = argv[2];
    const std::string mailbox = argc > 3 ? argv[3] : "INBOX";
    const int rounds = argc > 4 ? std::atoi(argv[4]) : 1;
    const char* text = which == "headers" ? kHeaders : which == "structure" ? kStructure : nullptr;
    if (!text) return fail("second argument: headers or structure");
    imapd::RawCommand raw;
    raw.bytes = text;
    auto parsed = imapd::parse_command(std::move(raw));
    auto* cmd = std::get_if<imapd::Command>(&parsed);
    if (!cmd) return fail("command does not parse");
    auto* fetch = std::get_if<imapd::FetchCmd>(&cmd->args);
    if (!fetch) return fail("not a FETCH");

    auto store = storage::MailboxStore::open(argv[1]);
    if (!store) return fail("open store: " + store.error().message);
    auto view = store->mailbox_view(mailbox);
    if (!view) return fail("mailbox: " + view.error().message);
    std::vector<imapd::session::FetchTarget> targets;
    for (std::size_t i = 0; i < view->uids.size(); ++i)
        targets.push_back({static_cast<std::uint32_t>(i + 1), view->uids[i]});

    const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    for (int round = 0; round < rounds; ++round) {
        const auto t0 = std::chrono::steady_clock::now();
        imapd::session::FetchJob job(mailbox, fetch->items, targets, false);
        std::size_t steps = 0, octets = 0;
        for (;;) {
            std::string out;
            auto r = job.step(*store, out);
            if (!r) return fail("step: " + r.error().message);
            ++steps;
            octets += out.size();
            if (null_fd >= 0 && ::write(null_fd, out.data(), out.size()) < 0) return fail("write");
            if (r.value()) break;
        }
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        std::printf("%s: %zu messages, %zu steps, %zu octets, %.1f ms\n", which.c_str(), targets.size(), steps,
                    octets, ms);
    }
    return 0;
}
