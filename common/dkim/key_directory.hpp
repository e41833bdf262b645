// Where the DKIM keys of the hosted domains live, and which of them sign.
//
// Layout: one directory per domain under [dkim] key_dir, one PEM file per selector:
//   <key_dir>/example.org/ed25519-20261207.pem
//   <key_dir>/example.org/rsa-20261207.pem
// Invariants:
//  - A selector is "<ed25519|rsa>-<YYYYMMDD>[b-z]": its algorithm is its prefix, and for one
//    algorithm a later key sorts after an earlier one (a letter is added when a second pair
//    is made on the same day).
//  - Mail is signed with the newest key of each algorithm; older ones stay on disk (and in
//    `mailroom dns`) until the operator removes them, so mail signed before a rotation
//    still verifies while it is in transit.
//  - Key files are created 0640 in directories 0750; the caller gives them their owner
//    (root, with the daemons' group: mailroom/file_safety.hpp).
//  - SignerCache reads a domain's keys once and again only when its directory changes, so
//    `mailroom domain add` and `mailroom dkim rotate` take effect without a restart.
#pragma once

#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/dkim/message_signer.hpp"
#include "common/util/result.hpp"

namespace mr::dkim {

struct KeyFile {
    std::string selector;
    Algorithm algorithm;
    std::filesystem::path path;
};

// The domain's key files, sorted by selector; empty when it has none.
std::vector<KeyFile> list_key_files(const std::filesystem::path& key_dir, std::string_view domain);

// Makes a new Ed25519 and a new RSA-2048 key for `domain`; returns their key files.
Result<std::vector<KeyFile>> create_key_pair(const std::filesystem::path& key_dir, std::string_view domain,
                                             std::time_t now);

// The newest key of each algorithm (Ed25519 first), loaded.
Result<std::vector<Signer>> active_signers(const std::filesystem::path& key_dir, std::string_view domain);

class SignerCache {
public:
    explicit SignerCache(std::filesystem::path key_dir) : key_dir_(std::move(key_dir)) {}

    // Thread-safe. Empty when the domain has no keys (or they cannot be read: logged by
    // the caller from the error).
    Result<std::vector<Signer>> signers(const std::string& domain);

    static constexpr std::chrono::seconds kRecheck{5};

private:
    struct Entry {
        std::filesystem::file_time_type changed;
        std::chrono::steady_clock::time_point checked;  // when `changed` was last read
        std::vector<Signer> signers;
    };
    std::filesystem::path key_dir_;
    std::mutex mutex_;
    std::map<std::string, Entry> entries_;
};

}  // namespace mr::dkim
