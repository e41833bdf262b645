// store_bench: the storage figures of the foundation issue.
//
//   1. the disk's own limit: durable 4 KiB file creation one at a time
//      (write + fsync + rename + fsync dir), files/s;
//   2. MailboxStore::append one message per call (one transaction + fsyncs each);
//   3. MailboxStore::append_batch (group commit: many messages share the fsyncs),
//      messages/s and its ratio to (1);
//   4. reading UID, flags, size, envelope/body structure of every message of a
//      100,000-message mailbox from the index, in ms (median of several runs).
//
// Usage: store_bench [--dir DIR] [--disk N] [--single N] [--batched N] [--batch-size N]
//                    [--big N] [--runs N] [--references N]
// --references N gives every message a References field of N ids no stored message has (a
// list thread the user joined late): each one is a THREADID lookup that finds nothing, the
// most a delivery looks up (storage/mailbox_index_threads.cpp).
// Figures are medians; the machine is shared and noisy, so compare ratios.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/atomic_file.hpp"
#include "storage/mailbox_store.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
    fs::path dir = fs::temp_directory_path() / "mailroom-store-bench";
    int disk = 1000;
    int single = 1000;
    int batched = 10000;
    int batch_size = 100;
    int big = 100000;
    int runs = 5;
    int rounds = 3;  // parts 1-3 are repeated and their median reported
};

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

int g_references = 0;  // --references

// A realistic 4 KiB message (headers, multipart/alternative) so the cached structure
// is what a real delivery stores.
std::string make_message(int n) {
    std::string references;
    for (int k = g_references; k > 0; --k)
        references += " <" + std::to_string(n) + "." + std::to_string(k) + ".list@example.net>";
    if (!references.empty()) references = "References:" + references + "\r\n";
    std::string m = "Return-Path: <sender@example.org>\r\n"
                    "Received: from client.example.org by mx.example.test; Mon, 23 Nov 2026 10:00:00 +0000\r\n"
                    "From: \"Sender " + std::to_string(n) + "\" <sender@example.org>\r\n"
                    "To: Alice <alice@example.test>, bob@example.test\r\n"
                    "Subject: =?UTF-8?Q?Message_n=C2=B0_" + std::to_string(n) + "?=\r\n"
                    "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
                    "Message-ID: <" + std::to_string(n) + ".bench@example.org>\r\n" + references +
                    "MIME-Version: 1.0\r\n"
                    "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n"
                    "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
    std::string html_head = "\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>";
    std::string tail = "</p>\r\n--b1--\r\n";
    std::string line = "The quick brown fox jumps over the lazy dog, again and again.\r\n";
    size_t body = 4096 - m.size() - html_head.size() - tail.size();
    std::string text;
    while (text.size() + line.size() <= body / 2) text += line;
    m += text + html_head;
    while (m.size() + tail.size() < 4096) m += 'x';
    return m + tail;
}

template <class T>
T must(mr::Result<T> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "%s: %s\n", what, r.error().message.c_str());
        std::exit(1);
    }
    return std::move(r).value();
}
void must(mr::Result<void> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "%s: %s\n", what, r.error().message.c_str());
        std::exit(1);
    }
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        if (k == "--dir") a.dir = argv[i + 1];
        else if (k == "--disk") a.disk = std::atoi(argv[i + 1]);
        else if (k == "--single") a.single = std::atoi(argv[i + 1]);
        else if (k == "--batched") a.batched = std::atoi(argv[i + 1]);
        else if (k == "--batch-size") a.batch_size = std::atoi(argv[i + 1]);
        else if (k == "--big") a.big = std::atoi(argv[i + 1]);
        else if (k == "--runs") a.runs = std::atoi(argv[i + 1]);
        else if (k == "--rounds") a.rounds = std::max(1, std::atoi(argv[i + 1]));
        else if (k == "--references") g_references = std::atoi(argv[i + 1]);
        else {
            std::fprintf(stderr, "unknown option %s\n", k.c_str());
            return 2;
        }
    }
    fs::remove_all(a.dir);
    fs::create_directories(a.dir);
    const std::string msg = make_message(0);
    std::printf("store_bench: dir=%s message=%zu bytes\n", a.dir.c_str(), msg.size());

    std::vector<std::string> bodies;
    for (int i = 0; i < a.batch_size; ++i) bodies.push_back(make_message(i));
    std::vector<double> disk_rates;
    std::vector<double> single_rates;
    std::vector<double> batch_rates;
    for (int round = 0; round < a.rounds; ++round) {
        const fs::path dir = a.dir / ("round" + std::to_string(round));
        // 1. The disk's limit for one durable file at a time.
        fs::path raw = dir / "raw";
        fs::create_directories(raw);
        auto t = Clock::now();
        for (int i = 0; i < a.disk; ++i) {
            must(mr::storage::write_file_atomically(raw, "f" + std::to_string(i), msg), "write_file_atomically");
        }
        disk_rates.push_back(a.disk / seconds_since(t));

        // 2. One append per call.
        auto store = must(mr::storage::MailboxStore::open(dir / "single"), "open");
        t = Clock::now();
        for (int i = 0; i < a.single; ++i) must(store.append("INBOX", make_message(i)), "append");
        single_rates.push_back(a.single / seconds_since(t));

        // 3. Group commit.
        auto batched = must(mr::storage::MailboxStore::open(dir / "batched"), "open");
        t = Clock::now();
        for (int done = 0; done < a.batched; done += a.batch_size) {
            std::vector<mr::storage::AppendMessage> batch(static_cast<size_t>(a.batch_size));
            for (size_t i = 0; i < batch.size(); ++i) batch[i].bytes = bodies[i];
            must(batched.append_batch(batch), "append_batch");
        }
        batch_rates.push_back(a.batched / seconds_since(t));
        // Rounds are removed only at the end: deleting thousands of files makes the next
        // round's creates pay for ext4's recently-deleted inode scan (and discard).
        std::printf("round %d: disk %.0f files/s, single %.0f msg/s, batched %.0f msg/s\n", round + 1,
                    disk_rates.back(), single_rates.back(), batch_rates.back());
    }
    const double disk_rate = median(disk_rates);
    std::printf("disk limit (write+fsync+rename+fsync dir, one at a time): %.0f files/s (%d files, median of %d)\n",
                disk_rate, a.disk, a.rounds);
    std::printf("append, one message per call: %.0f messages/s (%d messages, median of %d)\n", median(single_rates),
                a.single, a.rounds);
    std::printf("append_batch, %d per batch: %.0f messages/s (%d messages, median of %d) = %.1fx the disk limit\n",
                a.batch_size, median(batch_rates), a.batched, a.rounds, median(batch_rates) / disk_rate);

    // 4. Listing a 100,000-message mailbox from the index.
    auto big = must(mr::storage::MailboxStore::open(a.dir / "big"), "open");
    auto t = Clock::now();
    for (int done = 0; done < a.big; done += 1000) {
        std::vector<mr::storage::AppendMessage> batch(static_cast<size_t>(std::min(1000, a.big - done)));
        for (size_t i = 0; i < batch.size(); ++i) batch[i].bytes = bodies[i % bodies.size()];
        must(big.append_batch(batch), "append_batch");
    }
    std::printf("filled a %d-message mailbox in %.1f s\n", a.big, seconds_since(t));
    std::vector<double> cold_ms;
    std::vector<double> warm_ms;
    size_t count = 0;
    size_t structure_bytes = 0;
    for (int r = 0; r < a.runs; ++r) {
        auto fresh = must(mr::storage::MailboxStore::open(a.dir / "big"), "open");
        t = Clock::now();
        auto rows = must(fresh.messages("INBOX"), "messages");
        cold_ms.push_back(seconds_since(t) * 1000);
        t = Clock::now();
        rows = must(fresh.messages("INBOX"), "messages");
        warm_ms.push_back(seconds_since(t) * 1000);
        count = rows.size();
        structure_bytes = 0;
        for (const auto& m : rows) structure_bytes += m.structure.size();
    }
    std::printf("index listing of %zu messages (uid, flags, size, envelope+structure %.1f MB): "
                "first read after open %.0f ms, repeated %.0f ms (medians of %d)\n",
                count, static_cast<double>(structure_bytes) / 1e6, median(cold_ms), median(warm_ms), a.runs);
    fs::remove_all(a.dir);
    return 0;
}
