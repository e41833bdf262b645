// The user's quota on the IMAP paths that add mail to the store: APPEND, COPY and
// UID COPY answer a tagged NO [OVERQUOTA] and change nothing when what they add would
// put the user over quota (RFC 9208 §4.3.1, rfc9208.txt:472; RFC 5530 §3,
// rfc5530.txt:264). MOVE and UID MOVE are not checked: see cmd_copy.
//
// Invariants:
// - The quota is the one directory.db holds when the command runs (QuotaStoreJob), and
//   usage is MailboxStore::total_size() then, so a quota changed by an administrator
//   applies to sessions already open, from their next command.
// - The check runs in the command's own store job, before the store is changed; it is
//   advisory like deliverd's: two writers racing may both pass and end a little over.
// - Nothing is read from the store when there is no quota (the common case).
#include "common/util/quota.hpp"
#include "imapd/session/session.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

Result<bool> Session::over_quota(storage::MailboxStore& store, const Result<std::int64_t>& quota_bytes,
                                 const std::function<Result<std::int64_t>()>& adding) {
    if (!quota_bytes) return quota_bytes.error();
    if (quota_bytes.value() <= 0) return false;
    auto added = adding();
    if (!added) return added.error();
    auto used = store.total_size();
    if (!used) return used.error();
    return util::exceeds_quota(quota_bytes.value(), used.value(), added.value());
}

Actions Session::over_quota_reply(const std::string& tag, std::string_view verb) {
    return tagged(tag, "NO", "[OVERQUOTA] " + std::string(verb) + " failed: mailbox quota exceeded");
}

}  // namespace mr::imapd::session
