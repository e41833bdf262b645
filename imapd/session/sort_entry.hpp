// One message's SORT keys (RFC 5256 §3, rfc5256.txt:252; SORT=DISPLAY RFC 5957 §4) and the
// order they give: what the sort cache keeps per message (sort_cache.hpp) and what a SORT
// RETURN (UPDATE) context (RFC 5267 §4.3, search_context.hpp) keeps to place a message that
// joins its result. Internal to imapd_session.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/mime/message_structure.hpp"
#include "imapd/proto/command.hpp"
#include "imapd/render/sort_keys.hpp"
#include "storage/mailbox_index.hpp"

namespace mr::imapd::session {

// What SORT compares of one message: ARRIVAL and SIZE from its index row, the others from
// its envelope (message_sort_keys), only when the criteria need them.
struct SortFields {
    std::int64_t arrival = 0;  // internal date
    std::int64_t size = 0;     // RFC822.SIZE
    MessageSortKeys keys;
};

struct SortEntry : SortFields {
    // The tie-breaker, in mailbox order: the position in the view for SORT, the UID in an
    // update context (the two orders agree).
    std::uint32_t position = 0;
};

// Whether `criteria` compare anything of the envelope (not ARRIVAL and SIZE alone).
bool needs_envelope(const std::vector<SortCriterion>& criteria);

// The fields of `rec`; with `envelope` its envelope's keys too (a structure that cannot be
// read sorts with empty strings and its internal date). `scratch`: one structure reused
// for every message (deserialize_into keeps its memory).
SortFields sort_fields(const storage::MessageRecord& rec, bool envelope, mime::MessageStructure& scratch);

// The entry of `rec` at `position`, with the keys `criteria` need, computed once.
SortEntry sort_entry(std::uint32_t position, const storage::MessageRecord& rec,
                     const std::vector<SortCriterion>& criteria, mime::MessageStructure& scratch);

// <0, 0, >0 as `a` sorts before, with, after `b` by one criterion (before REVERSE).
int compare_by(const SortFields& a, const SortFields& b, SortCriterion::Key key);

// Whether `a` sorts before `b`: criterion by criterion (REVERSE turns one), ties in mailbox
// order (rfc5256.txt:231).
bool sorts_before(const SortEntry& a, const SortEntry& b, const std::vector<SortCriterion>& criteria);

}  // namespace mr::imapd::session
