// MailboxStore: who sees a message as \Recent (RFC 3501 §2.3.2, rfc3501.txt:599: "This
// is the first session to have been notified about this message"). Invariants:
// mailbox_store.hpp.
//
// Why a watermark and not a flag per message: \Recent belongs to one session, and every
// claim is "the messages that arrived since the last claim", so one number per mailbox
// (the first UID nobody has claimed yet) says it all. A claim moves it to uidnext inside
// one BEGIN IMMEDIATE transaction, so two sessions (in any process) can never claim the
// same message. The table imap_recent is part of index schema v4 (mailbox_index.cpp); a
// mailbox without a row there has nothing claimed yet.
#include "storage/mailbox_store.hpp"

namespace mr::storage {

Result<RecentClaim> MailboxStore::claim_recent(std::string_view mailbox) {
    // Normal durability: a claim lost to a power cut only shows a message as \Recent twice.
    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Normal);
    if (!tx) return tx.error();
    auto box = this->mailbox(mailbox);
    if (!box) return box.error();
    auto first = index::first_unclaimed_recent(db_, box->id);
    if (!first) return first.error();
    RecentClaim claim{*first, box->uidnext};
    if (claim.first >= claim.end) return RecentClaim{box->uidnext, box->uidnext};
    if (auto r = index::set_first_unclaimed_recent(db_, box->id, claim.end); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return claim;
}

Result<RecentClaim> MailboxStore::peek_recent(std::string_view mailbox) {
    auto box = this->mailbox(mailbox);
    if (!box) return box.error();
    auto first = index::first_unclaimed_recent(db_, box->id);
    if (!first) return first.error();
    if (*first >= box->uidnext) return RecentClaim{box->uidnext, box->uidnext};
    return RecentClaim{*first, box->uidnext};
}

Result<std::uint32_t> MailboxStore::unclaimed_recent(std::string_view mailbox) {
    auto box = this->mailbox(mailbox);
    if (!box) return box.error();
    auto first = index::first_unclaimed_recent(db_, box->id);
    if (!first) return first.error();
    return index::count_from_uid(db_, box->id, *first);
}

}  // namespace mr::storage
