// The user's quota in IMAP: the check on the paths that add mail to the store, and the
// QUOTA extension's commands that report it (RFC 9208).
//
// APPEND, COPY and UID COPY answer a tagged NO [OVERQUOTA] and change nothing when what
// they add would put the user over quota (RFC 9208 §4.3.1, rfc9208.txt:472; RFC 5530 §3,
// rfc5530.txt:264). MOVE and UID MOVE are not checked: see cmd_copy.
//
// GETQUOTA and GETQUOTAROOT report that same quota: one quota root, "", covers every
// mailbox of the user (RFC 9208 §3.2, rfc9208.txt:202), with the one resource the quota
// limits, STORAGE in units of 1024 octets (§5.1, rfc9208.txt:541). SETQUOTA is refused:
// quotas are the administrator's (`mailroom user set --quota-mb`), and no QUOTASET is
// advertised (§4.1.3, rfc9208.txt:329).
//
// Invariants:
// - The quota is the one directory.db holds when the command runs (QuotaStoreJob), and
//   usage is MailboxStore::total_size() then, so a quota changed by an administrator
//   applies to sessions already open, from their next command; GETQUOTA reports the
//   figures the next APPEND is judged by.
// - The check runs in the command's own store job, before the store is changed; it is
//   advisory like deliverd's: two writers racing may both pass and end a little over.
// - Nothing is read from the store when there is no quota (the common case); the root ""
//   then has no limits: "* QUOTA "" ()" (§4.2.1, rfc9208.txt:441).
#include "common/util/quota.hpp"
#include "imapd/proto/mailbox_name.hpp"
#include "imapd/render/imap_string.hpp"
#include "imapd/session/session.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

namespace {

// The name of the user's one quota root.
constexpr std::string_view kQuotaRoot = "";

// Usage rounded up, so that a user with any mail never reads as using nothing; the limit
// rounded down (quotas are whole MiB, so this is exact in practice).
std::uint64_t kib_up(std::int64_t bytes) {
    return bytes <= 0 ? 0 : (static_cast<std::uint64_t>(bytes) + 1023) / 1024;
}

// quota-response = "QUOTA" SP quota-root-name SP quota-list (rfc9208.txt:666).
std::string quota_response(std::int64_t quota_bytes, std::int64_t used_bytes) {
    std::string out = "* QUOTA ";
    append_string(out, kQuotaRoot);
    if (quota_bytes <= 0) return out + " ()\r\n";
    out += " (STORAGE " + std::to_string(kib_up(used_bytes)) + ' ' +
           std::to_string(static_cast<std::uint64_t>(quota_bytes) / 1024) + ")\r\n";
    return out;
}

}  // namespace

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

// The QUOTA response of the root, read in a QuotaStoreJob, then `before` and the tagged OK.
Actions Session::report_quota(const std::string& tag, std::string before, std::string_view verb) {
    return async({QuotaStoreJob{[this, tag, before = std::move(before), verb](
                                    storage::MailboxStore& store, const Result<std::int64_t>& quota_bytes) {
        Result<std::string> response = [&]() -> Result<std::string> {
            if (!quota_bytes) return quota_bytes.error();
            if (quota_bytes.value() <= 0) return quota_response(0, 0);
            auto used = store.total_size();
            if (!used) return used.error();
            return quota_response(quota_bytes.value(), used.value());
        }();
        return StoreResume([this, tag, before, verb, response = std::move(response)]() -> Actions {
            if (!response) return store_error(tag, response.error());
            Actions out{{Send{before + response.value()}}};
            for (auto& a : tagged(tag, "OK", std::string(verb) + " completed")) out.push_back(std::move(a));
            return out;
        });
    }}});
}

// RFC 9208 §4.1.1 (rfc9208.txt:245): the root's usage and limits, NO for another root.
Actions Session::cmd_getquota(const std::string& tag, const GetQuotaCmd& c) {
    if (c.root != kQuotaRoot) return tagged(tag, "NO", "[NONEXISTENT] No such quota root");
    return report_quota(tag, {}, "GETQUOTA");
}

// RFC 9208 §4.1.2 (rfc9208.txt:278): every mailbox name, existing or not, is under "".
Actions Session::cmd_getquotaroot(const std::string& tag, const GetQuotaRootCmd& c) {
    if (auto name = mailbox_arg(c.mailbox); !name)
        return tagged(tag, "NO", "[CANNOT] " + name.error().message);
    std::string roots = "* QUOTAROOT ";
    append_astring(roots, c.mailbox);
    roots += ' ';
    append_string(roots, kQuotaRoot);
    roots += "\r\n";
    return report_quota(tag, std::move(roots), "GETQUOTAROOT");
}

// RFC 9208 §4.1.3 (rfc9208.txt:325): "NO - setquota error: can't set that data".
Actions Session::cmd_setquota(const std::string& tag, const SetQuotaCmd& /*c*/) {
    return tagged(tag, "NO", "[NOPERM] Quotas are set by the administrator");
}

}  // namespace mr::imapd::session
