// pop3_fill: fills the mailboxes the POP3 benchmark (bench/pop3.sh) reads, the fastest
// honest way for each system, with the same bytes for both.
//
//   pop3_fill store USER_DIR COUNT     mailroom: MailboxStore::append_batch into INBOX
//                                      (what deliverd does), 1,000 messages per batch
//   pop3_fill maildir MAILDIR COUNT    Dovecot: Maildir files written into MAILDIR/new
//                                      (tmp → rename, what any MDA does); Dovecot indexes
//                                      them in the untimed first session
//   pop3_fill users DB ADDRESS... (password on stdin)
//                                      mailroom: adds the users to directory.db in-process
//                                      (argon2id hashing, same as `mailroom user add`)
//
// Messages are realistic 4 KiB mails (headers of a real delivery, text/plain body of
// 70-octet lines, some of them starting with "." so dot-stuffing is exercised), CRLF
// line ends, message n always the same bytes.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "bench/fill_common.hpp"
#include "storage/directory.hpp"
#include "storage/mailbox_store.hpp"

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMessageSize = 4096;

std::string make_message(int n) {
    const std::string id = std::to_string(n);
    std::string m =
        "Return-Path: <sender" + id + "@example.org>\r\n"
        "Received: from client.example.org (client.example.org [192.0.2.10])\r\n"
        "\tby mx.example.test with ESMTPS id " + id + "\r\n"
        "\tfor <reader@example.test>; Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        "From: \"Sender " + id + "\" <sender" + id + "@example.org>\r\n"
        "To: Reader <reader@example.test>\r\n"
        "Subject: Benchmark message number " + id + "\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        "Message-ID: <" + id + ".pop3bench@example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n";
    static const char* const kLines[] = {
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusm",
        "od tempor incididunt ut labore et dolore magna aliqua. Ut enim ad min",
        ".im veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip",
        "ex ea commodo consequat. Duis aute irure dolor in reprehenderit in vo",
        "luptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur ",
    };
    for (int i = 0; m.size() + 72 <= kMessageSize - 2; ++i) {
        m += kLines[(i + n) % 5];
        m += "\r\n";
    }
    m.append(kMessageSize - 2 - m.size(), 'z');
    m += "\r\n";
    return m;
}

int fill_store(const fs::path& user_dir, int count) {
    constexpr int kBatch = 1000;
    return mr::bench::fill_inbox(user_dir, count, kBatch, make_message) ? 0 : 1;
}

int fill_maildir(const fs::path& maildir, int count) {
    std::error_code ec;
    for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(maildir / sub, ec);
    const long pid = static_cast<long>(::getpid());
    for (int n = 0; n < count; ++n) {
        const std::string m = make_message(n);
        const std::string name = std::to_string(1700000000 + n) + ".M" + std::to_string(n) + "P" +
                                 std::to_string(pid) + ".pop3bench,S=" + std::to_string(m.size());
        if (!mr::bench::deliver_to_maildir(maildir, name, m, maildir / "new" / name)) return 1;
    }
    return 0;
}

int add_users(const fs::path& db, int argc, char** argv) {
    std::string password;
    std::getline(std::cin, password);
    auto dir = mr::storage::Directory::open(db);
    if (!dir) {
        std::cerr << "open " << db << ": " << dir.error().message << "\n";
        return 1;
    }
    for (int i = 0; i < argc; ++i) {
        if (auto r = dir->add_user(argv[i], password); !r) {
            std::cerr << "add " << argv[i] << ": " << r.error().message << "\n";
            return 1;
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "store" && argc == 4) return fill_store(argv[2], std::atoi(argv[3]));
    if (mode == "maildir" && argc == 4) return fill_maildir(argv[2], std::atoi(argv[3]));
    if (mode == "users" && argc >= 4) return add_users(argv[2], argc - 3, argv + 3);
    if (mode == "sample" && argc == 3) {  // one message on stdout, to eyeball it
        std::cout << make_message(std::atoi(argv[2]));
        return 0;
    }
    std::cerr << "usage: pop3_fill store USER_DIR COUNT | maildir MAILDIR COUNT |"
                 " users DIRECTORY_DB ADDRESS... (password on stdin) | sample N\n";
    return 2;
}
