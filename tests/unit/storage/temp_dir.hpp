// A unique directory under the system temp dir, removed with everything in it
// when the test ends.
#pragma once

#include <sodium.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace mr::storage::test {

class TempDir {
public:
    TempDir() {
        if (sodium_init() < 0) std::abort();
        unsigned char random[8];
        randombytes_buf(random, sizeof random);
        char hex[2 * sizeof random + 1];
        sodium_bin2hex(hex, sizeof hex, random, sizeof random);
        path_ = std::filesystem::temp_directory_path() /
                ("mr-storage-test-" + std::to_string(::getpid()) + "-" + hex);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

}  // namespace mr::storage::test
