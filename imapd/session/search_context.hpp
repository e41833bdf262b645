// Search contexts kept up to date (RFC 5267 §4.3: SEARCH/SORT RETURN (UPDATE), CONTEXT=SEARCH
// and CONTEXT=SORT): a context's result as the client last heard it, and the unsolicited
// "* ESEARCH (TAG ...) ADDTO/REMOVEFROM" that move it to a new result. Pure: which messages
// join or leave is decided by the caller (session_contexts.cpp, from the store).
// Internal to imapd_session.
//
// Invariants:
// - `members` is the result in the client's order: mailbox (UID) order for SEARCH, sort
//   order for SORT, each SortEntry's `position` being its UID.
// - SEARCH updates name context position 0 (rfc5267: "Context position may be 0 for SEARCH
//   result additions"), their sets in mailbox order; SORT updates name the 1-based position
//   the first message of each run takes (ADDTO) or held (REMOVEFROM), pairs in the order
//   the client applies them, so that applying them in turn (RFC 5267 §4.3.2) gives the new
//   result.
// - Numbers are UIDs for UID SEARCH/SORT, message numbers otherwise, from `number`, which
//   the caller gives as the client knows them when the response goes out (REMOVEFROM
//   before the EXPUNGE it follows from, ADDTO after the EXISTS).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "imapd/proto/command.hpp"
#include "imapd/session/sort_entry.hpp"

namespace mr::imapd::session {

struct UpdateContext {
    std::string tag;
    bool uid = false;     // UID SEARCH / UID SORT
    bool sorted = false;  // SORT
    std::vector<SortCriterion> criteria;
    SearchKey key;
    std::vector<FetchItem> fetch;    // UPDATE (fetch-att ...) (RFC 5465 §7)
    std::vector<SortEntry> members;  // the result, in the client's order
};

// The number a UID has for the client now (a UID context: the UID itself).
using NumberOf = std::function<std::uint32_t(std::uint32_t uid)>;

// Takes out the members whose UID is in `leaving` (ascending, non-members ignored);
// "* ESEARCH (TAG "t") [UID] REMOVEFROM (...)\r\n", or "" when none was a member.
std::string remove_members(UpdateContext& c, const std::vector<std::uint32_t>& leaving, const NumberOf& number);

// Puts `joining` (non-members; their `position` is their UID) into the result at their
// places; "* ESEARCH (TAG "t") [UID] ADDTO (...)\r\n", or "" when there is none.
std::string add_members(UpdateContext& c, std::vector<SortEntry> joining, const NumberOf& number);

// Whether `uid` is in the result.
bool is_member(const UpdateContext& c, std::uint32_t uid);

// A sequence-set of `numbers` in their order: runs of consecutive ascending numbers as
// "a:b" (rfc3501.txt:5024), so an ascending list is the compact form and a sorted one
// keeps its order (RFC 5267 §3.2).
std::string ordered_set(const std::vector<std::uint32_t>& numbers);

}  // namespace mr::imapd::session
