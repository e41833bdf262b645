// The mailboxes every new store starts with: INBOX and special-use ones (RFC 6154 §2,
// rfc6154.txt:144). The one list: opening a store creates them in an index that has no
// mailbox at all (MailboxStore::open), and a rebuild without a readable old index creates
// them and gives a folder of one of these names its special-use attribute (reindex.cpp).
//
// Pure data, no I/O: both users include it, neither calls into the other for it.
#pragma once

#include <array>
#include <string_view>

namespace mr::storage {

struct DefaultMailbox {
    std::string_view name;
    std::string_view special_use;  // empty for INBOX
};

inline constexpr std::array<DefaultMailbox, 6> kDefaultMailboxes = {{{"INBOX", ""},
                                                                     {"Sent", "\\Sent"},
                                                                     {"Drafts", "\\Drafts"},
                                                                     {"Trash", "\\Trash"},
                                                                     {"Junk", "\\Junk"},
                                                                     {"Archive", "\\Archive"}}};

// "\\Sent" for "Sent" etc.; empty for other names.
constexpr std::string_view default_special_use(std::string_view name) {
    for (const auto& d : kDefaultMailboxes) {
        if (name == d.name) return d.special_use;
    }
    return {};
}

}  // namespace mr::storage
