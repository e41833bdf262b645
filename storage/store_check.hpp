// `mailroom verify`: whether a user's index and Maildir agree. Every index row must name a
// file that exists (found by base name if it was renamed) with the size the row records,
// and every message file in new/ and cur/ must have a row; every folder directory must
// have a mailbox row. Read-only: nothing is repaired (`mailroom reindex` does that).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/util/result.hpp"

namespace mr::storage {

struct StoreCheck {
    std::uint64_t mailboxes = 0;
    std::uint64_t rows = 0;
    std::uint64_t files = 0;
    std::vector<std::string> problems;  // one line each: "<mailbox>: <what is wrong>"
};

Result<StoreCheck> check_user_store(const std::filesystem::path& user_dir);

}  // namespace mr::storage
