// What SEARCH shares with SORT and THREAD inside the session: the search itself
// (session_search.cpp) and the ESEARCH response (RFC 4731) their RETURN options ask for.
// Internal to imapd_session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/util/result.hpp"
#include "imapd/proto/command.hpp"
#include "storage/mailbox_index.hpp"

namespace mr::storage {
class MailboxStore;
}

namespace mr::imapd::session {

struct Selected;

// Positions (message number - 1) in `view` of the messages matching `key`, ascending.
// `saved`: the UIDs "$" stands for (Selected::saved_result). `highest`: the largest MODSEQ
// among the matches. With `rows`, their index rows too, in the same order (moved out of
// the listing the search read anyway).
Result<std::vector<std::uint32_t>> run_search(storage::MailboxStore& store, const std::string& box,
                                              const SearchKey& key, const std::vector<std::uint32_t>& view,
                                              const NumberSet& recent, const NumberSet& saved,
                                              std::uint64_t& highest,
                                              std::vector<storage::MessageRecord>* rows = nullptr);

// Whether each of `records` (ascending UIDs, with their structure) matches `key`: the
// update contexts' verdicts on messages that changed (RFC 5267 §4.3). A record's message
// number is its place in `view`, or past its end in UID order when it is not there yet.
std::vector<bool> match_records(storage::MailboxStore& store, const std::string& box, const SearchKey& key,
                                const std::vector<storage::MessageRecord>& records,
                                const std::vector<std::uint32_t>& view, const NumberSet& recent,
                                const NumberSet& saved);

// What RETURN (SAVE) keeps of a result (RFC 5182 §2.1), as UIDs: `positions` in `view`, in
// result order (`sorted`: SORT's order, where MIN and MAX are the first and last).
NumberSet saved_uids(const SearchReturn& ret, const std::vector<std::uint32_t>& positions,
                     const std::vector<std::uint32_t>& view, bool sorted);

// Whether an update context (RFC 5267 §4.3) of the view has this tag.
bool has_context(const Selected& sel, const std::string& tag);
// The RETURN options as answered: UPDATE alone answers ALL.
std::optional<SearchReturn> shown_return(const std::optional<SearchReturn>& ret);

// Whether the search uses MODSEQ (a CONDSTORE enabling command, rfc7162.txt:377).
bool uses_modseq(const SearchKey& key);

// CHARSET of SEARCH, SORT and THREAD: UTF-8 and its subset US-ASCII.
bool supported_charset(const std::string& charset);

// "* ESEARCH (TAG "t") [UID] ..." with what `ret` asks for (RFC 4731 §3.1,
// rfc4731.txt:89; PARTIAL: RFC 5267 §4.4), over `numbers` (sequence numbers or UIDs) in
// result order: ascending for SEARCH, sort order for SORT (RFC 5267 §3.2), where MIN and
// MAX are the first and last and ALL keeps the order. `modseqs`: each number's MODSEQ
// when the search used MODSEQ (RFC 4731 §3.2, rfc4731.txt:194), else empty.
std::string esearch_response(const std::string& tag, bool uid, const SearchReturn& ret,
                             const std::vector<std::uint32_t>& numbers, bool sorted,
                             const std::vector<std::uint64_t>& modseqs);

}  // namespace mr::imapd::session
