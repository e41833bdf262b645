// storage/message_reader.hpp: the listing with RFC822 sizes, chunked reads by the listed
// name (also after a rename by another client), and the page-cache fast path.
#include "storage/message_reader.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "storage/mailbox_store.hpp"
#include "common/text/message_data.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using mr::storage::CachedReadBuffers;
using mr::storage::list_with_sizes;
using mr::storage::MessageReader;
using mr::storage::read_if_cached;
using mr::text::rfc822_size;
using mr::storage::test::TempDir;

namespace {

// A file just written is in the page cache and its name in the dentry cache, so the
// fast path answers (as for RETR after delivery). It is written under the working
// directory (ctest: the build tree), a disk file system like the store's: /tmp may be a
// tmpfs.
struct ScratchDir {
    ScratchDir()
        : path(std::filesystem::current_path() /
               ("mr_message_reader_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++))) {
        std::filesystem::create_directories(path);
    }
    ~ScratchDir() { std::filesystem::remove_all(path); }
    void write(const std::string& name, const std::string& bytes) const {
        std::ofstream(path / name, std::ios::binary) << bytes;
    }
    std::filesystem::path path;
    static inline int counter = 0;
};

std::string read_all(MessageReader& reader) {
    std::string all;
    for (;;) {
        auto chunk = reader.read();
        REQUIRE(chunk.ok());
        all += chunk->bytes;
        if (chunk->eof) return all;
    }
}

}  // namespace

TEST_CASE("list_with_sizes: UID order, RFC822 sizes; MessageReader reads by the listed name") {
    TempDir dir;
    const auto user = dir / "dave";
    const std::string bare_lf = "Subject: a\n\nbare lf\n";
    const std::string big = "Subject: b\r\n\r\n" + std::string(200 * 1024, 'x') + "\r\n";
    {
        auto store = mr::storage::MailboxStore::open(user);
        REQUIRE(store.ok());
        REQUIRE(store->append("INBOX", bare_lf).ok());
        REQUIRE(store->append("INBOX", big).ok());
    }
    auto listing = list_with_sizes(user, "INBOX");
    REQUIRE(listing.ok());
    CHECK(listing->uidvalidity != 0);
    REQUIRE(listing->messages.size() == 2);
    CHECK(listing->messages[0].uid < listing->messages[1].uid);
    CHECK(listing->messages[0].size == static_cast<std::uint64_t>(rfc822_size(bare_lf)));
    CHECK(listing->messages[1].size == big.size());

    MessageReader reader;
    REQUIRE(reader.open(user, "INBOX", listing->messages[1].file).ok());
    CHECK(read_all(reader) == big);  // several chunks, the last one marked

    // Another client renamed the file (flags in its name): found by its base name.
    auto store = mr::storage::MailboxStore::open(user);
    REQUIRE(store.ok());
    const std::uint32_t uid = listing->messages[0].uid;
    REQUIRE(store->set_flags("INBOX", std::span(&uid, 1), mr::storage::FlagOp::Add, mr::storage::kSeen).ok());
    MessageReader renamed;
    REQUIRE(renamed.open(user, "INBOX", listing->messages[0].file).ok());
    CHECK(read_all(renamed) == bare_lf);

    // Expunged since the listing: refused, not an internal error.
    REQUIRE(store->remove("INBOX", std::span(&uid, 1)).ok());
    MessageReader gone;
    auto opened = gone.open(user, "INBOX", listing->messages[0].file);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().kind == mr::ErrorKind::Refused);

    CHECK_FALSE(list_with_sizes(user, "NoSuchBox").ok());
}

TEST_CASE("read_if_cached: whole files, with and without the fstat check") {
    const std::string page_of_crlf = [] {
        std::string s;
        while (s.size() < 4096) s += "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrs\r\n";
        s.resize(4094);
        return s + "\r\n";  // exactly one 4 KiB page, CRLF throughout
    }();
    const std::string page_of_lf = [] {
        std::string s(4095, 'x');
        return s + "\n";  // one page with a bare LF: RETR sends one octet more
    }();
    const std::string inputs[] = {"", "a\r\n", "bare\nlf\n", page_of_crlf, page_of_lf, page_of_crlf + "tail\r\n"};
    ScratchDir d;
    int n = 0;
    CachedReadBuffers buffers;
    for (const auto& bytes : inputs) {
        CAPTURE(bytes.size());
        const std::string name = "m" + std::to_string(n++);
        d.write(name, bytes);
        buffers.bytes = "stale contents of the reused buffer";
        const auto size = static_cast<std::uint64_t>(rfc822_size(bytes));
        REQUIRE(read_if_cached(d.path, "INBOX", name, size, 64 * 1024, buffers));
        CHECK(buffers.bytes == bytes);
    }
}

TEST_CASE("read_if_cached: refuses what the streaming path must handle") {
    ScratchDir d;
    d.write("m", std::string(5000, 'y') + "\r\n");
    CachedReadBuffers b;
    CHECK_FALSE(read_if_cached(d.path, "INBOX", "m", 5002, 4096, b));  // over the size limit
    // An index that claims less than the file holds: never a truncated message.
    CHECK_FALSE(read_if_cached(d.path, "INBOX", "m", 4096, 64 * 1024, b));
    CHECK_FALSE(read_if_cached(d.path, "INBOX", "m", 100, 64 * 1024, b));
    CHECK_FALSE(read_if_cached(d.path, "INBOX", "missing", 10, 64 * 1024, b));
}
