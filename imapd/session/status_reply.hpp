// The values and the untagged response of STATUS (RFC 3501 §6.3.10, rfc3501.txt:2413),
// shared by the STATUS command and LIST's RETURN (STATUS ...) (RFC 5819 §2).
//
// Invariants:
//  - read_status() runs on a pool thread against the store; status_response() is pure.
//  - Only what the items ask for is read beyond the mailbox's counts: RECENT is not
//    claimed (rfc3501.txt:2438), DELETED counts the messages flagged \Deleted, DELETED-STORAGE their sizes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"
#include "imapd/proto/command.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

struct StatusValues {
    storage::MailboxStatus counts;
    std::uint32_t recent = 0;
    std::uint32_t deleted = 0;
    std::int64_t deleted_storage = 0;  // RFC822.SIZE sum of those (RFC 9208 §4.1.4 allows it)
    std::uint64_t append_limit = 0;  // the session's APPEND limit (RFC 7889 §3.1), set by the caller
};

// `name` is the stored (UTF-8) name. A failure to count RECENT leaves it 0.
Result<StatusValues> read_status(storage::MailboxStore& store, const std::string& name,
                                 const std::vector<StatusItem>& items);

// "* STATUS <wire_name> (<item> <value> ...)\r\n".
std::string status_response(std::string_view wire_name, const std::vector<StatusItem>& items,
                            const StatusValues& values);

}  // namespace mr::imapd::session
