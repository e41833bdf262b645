// Flag lists from the client (APPEND, STORE) → the store's system-flag bits + keywords.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/util/result.hpp"
#include "storage/maildir.hpp"

namespace mr::imapd::session {

// \Recent cannot be set by a client (rfc3501.txt:597) and other "\" names are not flags
// we know: Syntax (BAD). Everything else is a keyword (the parser checked it is an atom).
inline Result<std::pair<std::uint32_t, std::vector<std::string>>> split_flags(const std::vector<std::string>& flags) {
    std::uint32_t bits = 0;
    std::vector<std::string> keywords;
    for (const auto& f : flags) {
        if (f == "\\Seen") bits |= storage::kSeen;
        else if (f == "\\Answered") bits |= storage::kAnswered;
        else if (f == "\\Flagged") bits |= storage::kFlagged;
        else if (f == "\\Deleted") bits |= storage::kDeleted;
        else if (f == "\\Draft") bits |= storage::kDraft;
        else if (!f.empty() && f[0] == '\\') return Error::syntax("Unknown system flag");
        else keywords.push_back(f);
    }
    return std::pair{bits, std::move(keywords)};
}

}  // namespace mr::imapd::session
