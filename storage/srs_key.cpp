#include "storage/srs_key.hpp"

#include <sodium.h>

#include "storage/atomic_file.hpp"

namespace mr::storage {

namespace {

Result<std::string> checked(Result<std::string> bytes, const std::filesystem::path& path) {
    if (bytes && bytes->size() != kSrsKeyBytes) {
        return Error::internal(path.string() + " has " + std::to_string(bytes->size()) + " bytes, want " +
                               std::to_string(kSrsKeyBytes));
    }
    return bytes;
}

}  // namespace

Result<std::string> load_or_create_srs_key(const std::filesystem::path& data_dir) {
    const auto path = data_dir / std::string(kSrsKeyFile);
    auto existing = read_file(path);
    if (existing || existing.error().kind != ErrorKind::Refused) return checked(std::move(existing), path);
    if (sodium_init() < 0) return Error::internal("libsodium failed to initialise");
    std::string key(kSrsKeyBytes, '\0');
    randombytes_buf(key.data(), key.size());
    auto written = write_file_atomically(data_dir, kSrsKeyFile, key);
    if (written) return key;
    // Another daemon may have linked its key first: that one is the key.
    auto theirs = read_file(path);
    if (theirs) return checked(std::move(theirs), path);
    return written.error();
}

}  // namespace mr::storage
