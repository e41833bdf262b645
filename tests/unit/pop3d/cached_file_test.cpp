#include "pop3d/server/cached_file.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/text/message_data.hpp"

using mr::pop3d::server::read_if_cached;

namespace {

// A file just written is in the page cache and its name in the dentry cache, so the
// fast path answers (as for RETR after delivery). It is written in the working directory
// (ctest: the build tree), a disk file system like the store's: /tmp may be a tmpfs.
struct ScratchFile {
    explicit ScratchFile(const std::string& bytes)
        : path(std::filesystem::current_path() /
               ("mr_cached_file_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++))) {
        std::ofstream(path, std::ios::binary) << bytes;
    }
    ~ScratchFile() { std::filesystem::remove(path); }
    std::filesystem::path path;
    static inline int counter = 0;
};

}  // namespace

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
    for (const auto& bytes : inputs) {
        CAPTURE(bytes.size());
        ScratchFile f(bytes);
        std::string out = "stale contents of the reused buffer";
        REQUIRE(read_if_cached(f.path.c_str(), mr::text::rfc822_size(bytes), 64 * 1024, out));
        CHECK(out == bytes);
    }
}

TEST_CASE("read_if_cached: refuses what the streaming path must handle") {
    ScratchFile f(std::string(5000, 'y') + "\r\n");
    std::string out;
    CHECK_FALSE(read_if_cached(f.path.c_str(), 5002, 4096, out));  // over the size limit
    // An index that claims less than the file holds: never a truncated message.
    CHECK_FALSE(read_if_cached(f.path.c_str(), 4096, 64 * 1024, out));
    CHECK_FALSE(read_if_cached(f.path.c_str(), 100, 64 * 1024, out));
    CHECK_FALSE(read_if_cached("/nonexistent/mr_cached_file_test", 10, 64 * 1024, out));
}
