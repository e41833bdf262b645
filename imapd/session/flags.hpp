// Message flags between the IMAP client and the store: the five system flags of RFC 3501
// §2.3.2 (rfc3501.txt:580) are bits in the store (storage/maildir.hpp), every other flag
// is a keyword string. This file is the one table of the two spellings.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/util/result.hpp"
#include "storage/maildir.hpp"

namespace mr::imapd::session {

struct SystemFlag {
    std::uint32_t bit;
    std::string_view name;
};
// In the order every flag-list is written (the order of RFC 3501's FLAGS example).
inline constexpr std::array<SystemFlag, 5> kSystemFlags = {{{storage::kAnswered, "\\Answered"},
                                                            {storage::kFlagged, "\\Flagged"},
                                                            {storage::kDeleted, "\\Deleted"},
                                                            {storage::kSeen, "\\Seen"},
                                                            {storage::kDraft, "\\Draft"}}};

// Flag lists from the client (APPEND, STORE) → the store's system-flag bits + keywords.
// \Recent cannot be set by a client (rfc3501.txt:597) and other "\" names are not flags
// we know: Syntax (BAD). Everything else is a keyword (the parser checked it is an atom).
inline Result<std::pair<std::uint32_t, std::vector<std::string>>> split_flags(const std::vector<std::string>& flags) {
    std::uint32_t bits = 0;
    std::vector<std::string> keywords;
    for (const auto& f : flags) {
        bool system = false;
        for (const auto& s : kSystemFlags) {
            if (f == s.name) {
                bits |= s.bit;
                system = true;
            }
        }
        if (system) continue;
        if (!f.empty() && f[0] == '\\') return Error::syntax("Unknown system flag");
        keywords.push_back(f);
    }
    return std::pair{bits, std::move(keywords)};
}

// flag-list = "(" [flag *(SP flag)] ")" (rfc3501.txt:4783) of system-flag bits and
// keywords, as FETCH FLAGS and unsolicited flag updates write it; `recent` adds \Recent,
// which is the session's, not the store's (session.hpp). Keywords are atoms the store has
// validated, written as they are.
inline void append_flag_list(std::string& out, std::uint32_t bits, const std::vector<std::string>& keywords,
                             bool recent = false) {
    out += '(';
    bool first = true;
    auto add = [&](std::string_view f) {
        if (!first) out += ' ';
        first = false;
        out += f;
    };
    for (const auto& s : kSystemFlags) {
        if (bits & s.bit) add(s.name);
    }
    if (recent) add("\\Recent");
    for (const auto& k : keywords) add(k);
    out += ')';
}

// The flags a mailbox's messages may carry (RFC 3501 §7.2.6, rfc3501.txt:3944): the system
// flags and `keywords` (the ones the session announced). "* FLAGS (...)" and the
// PERMANENTFLAGS response code of SELECT; a read-only mailbox has no permanent flags.
inline std::string flags_response(const std::vector<std::string>& keywords) {
    std::string out = "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft";
    for (const auto& k : keywords) out += " " + k;
    return out + ")\r\n";
}
inline std::string permanent_flags_response(const std::vector<std::string>& keywords, bool read_only) {
    if (read_only) return "* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n";
    std::string out = "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft";
    for (const auto& k : keywords) out += " " + k;
    return out + " \\*)] Limited\r\n";
}

// A client learns a mailbox's keywords from FLAGS only, so a keyword must be announced
// before a FETCH or STORE response first shows it (clients such as imaptest check it).
// Adds the keywords of `shown` missing from `known` (sorted, unique) and returns FLAGS and
// PERMANENTFLAGS listing them all; "" when none was new.
inline std::string announce_keywords(std::vector<std::string>& known, const std::vector<std::string>& shown,
                                     bool read_only) {
    bool added = false;
    for (const auto& k : shown) {
        auto it = std::lower_bound(known.begin(), known.end(), k);
        if (it != known.end() && *it == k) continue;
        known.insert(it, k);
        added = true;
    }
    if (!added) return {};
    return flags_response(known) + permanent_flags_response(known, read_only);
}

}  // namespace mr::imapd::session
