// Session: the IMAP4rev1 protocol core, sans-I/O (DESIGN.md "Protocol cores are sans-I/O").
//
// The server glue feeds it the client's bytes and the results of the work it asked for;
// it returns Actions: bytes to send and work to do (check a password, run a store job,
// start TLS, wait, hang up). It never touches a socket, a clock or a file: store work is
// a StoreJob the glue runs on the thread pool against the user's MailboxStore, whose
// result comes back as a continuation run on the loop thread (resume()).
//
// Invariants:
// - States follow RFC 3501 §3 (rfc3501.txt:687): NotAuthenticated, Authenticated,
//   Selected, Logout; every command is checked against its command-table entry
//   (command_table.hpp) first, then answered by its handler (Handlers, session.cpp).
// - While an asynchronous action is outstanding (VerifyPassword, StoreJob, Delay) the
//   session consumes no input: on_input() returns with the rest of the bytes untouched,
//   so pipelined commands wait and are answered in order.
// - Every command gets exactly one tagged reply (OK/NO/BAD), except LOGOUT's BYE path and
//   hang-ups after repeated authentication failures.
// - Unknown user and wrong password get the same reply and the same delay; passwords
//   pass through VerifyPassword only and are wiped; nothing here logs.
// - Mailbox names from the client are decoded and checked by decode_mailbox_name()
//   before any store job sees them: no name can reach outside the user's store, except
//   through the shared namespace (shared_namespace.hpp), where every command first checks
//   the user's RFC 4314 rights in directory.db (mailbox_job, session_acl.cpp); a selected
//   shared mailbox keeps the rights read at SELECT (Selected::rights).
// - Before login the APPEND literal limit is 0: nobody can make the server buffer a
//   message without having logged in.
// - The state is one of the per-state types below (state_); what exists only while a
//   mailbox is selected lives in Selected and is gone with it.
// - In the selected state the session keeps its own message-number → UID map (uids)
//   and the last MODSEQ it reported; other sessions' changes (the store's
//   changes_since(), session_updates.cpp) are reported at the completion of every command
//   in the selected state, just before its tagged reply, and at IDLE ticks (RFC 3501
//   §5.2, rfc3501.txt:1138; §7.4.1, rfc3501.txt:4053). EXPUNGEs found during FETCH,
//   STORE or SEARCH (and their UID forms) are withheld (withheld_expunges) and their
//   messages keep their numbers until the next command that may send them.
// - \Recent: the messages this session claimed (MailboxStore::claim_recent, at SELECT
//   and when new messages appear in a read-write session) are recent; EXAMINE claims
//   nothing, so every message is \Recent in at most one SELECTing session
//   (rfc3501.txt:594). An EXAMINE session sees the unclaimed ones as \Recent too
//   (MailboxStore::peek_recent) and leaves them to the next SELECT. FETCH and STORE
//   show \Recent in FLAGS.
// - Changes this session made itself are not reported back as updates: their MODSEQs
//   are in own_modseqs (STORE answers them itself; .SILENT asked for nothing). A
//   command that may have changed the store ends with a Changed action, so the glue
//   wakes the user's other sessions.
// - CONDSTORE/QRESYNC (RFC 7162) are per connection (condstore_, qresync_): once on, they
//   stay on; every untagged FETCH about changed flags then carries UID and MODSEQ, and
//   with QRESYNC every expunge is reported as VANISHED (Selected::vanished).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/text/acl_rights.hpp"
#include "common/text/sasl.hpp"
#include "common/util/result.hpp"
#include "imapd/proto/command.hpp"
#include "imapd/proto/command_reader.hpp"
#include "imapd/proto/command_table.hpp"
#include "imapd/session/flags.hpp"
#include "imapd/session/protocol_mode.hpp"
#include "imapd/session/shared_namespace.hpp"
#include "imapd/session/search_context.hpp"

namespace mr::storage {
class Directory;
class MailboxStore;
struct Changes;
struct RecentClaim;
}

namespace mr::imapd::session {

struct FetchRun;  // fetch_job.hpp
struct NotifyWatch;  // notify_watch.hpp
struct UpdateExtras;  // context_updates.hpp

// --- actions -------------------------------------------------------------------------
struct Action;
using Actions = std::vector<Action>;

struct Send {
    std::string bytes;  // complete responses, CRLF included
};
struct StartTls {};  // after the Send of the tagged OK: Connection::start_tls(), then on_tls_ready()
// After the Send of COMPRESS's tagged OK: every byte after it, both ways, is compressed
// (RFC 4978 §3, rfc4978.txt:148), the client's unconsumed input included.
struct StartCompression {};
// After the Send of UNAUTHENTICATE's tagged OK with COMPRESS active: both compression
// layers end there, the client's after the command's CRLF (RFC 8437 §4.1), so the
// unconsumed input is uncompressed.
struct EndCompression {};
struct VerifyPassword {
    std::string user;
    std::string password;  // wipe after use
};  // -> on_password_checked, or on_password_busy if the check was refused unrun
// Runs `job` on the thread pool with the logged-in user's store (opened on first use),
// then calls resume() on the loop thread with what it returned.
using StoreResume = std::function<Actions()>;
// `owner`: another account's store (a shared mailbox the session selected after checking
// the user's rights); "" = the user's own.
struct StoreJob {
    std::function<StoreResume(storage::MailboxStore&)> job;
    std::string owner = {};
};
// A StoreJob that also needs the user's quota (directory.db's quota_bytes, 0 = unlimited)
// as it is when the job runs, not as it was at login: an administrator may change it
// while the session is open. The glue reads it on the pool thread, beside the job.
struct QuotaStoreJob {
    std::function<StoreResume(storage::MailboxStore&, const Result<std::int64_t>& quota_bytes)> job;
    std::string owner = {};  // as StoreJob's; the quota is the owner's
};
// What a job about shared mailboxes may reach on the pool thread: the directory's grants
// and other accounts' stores. The glue implements it; tests fake it.
class Accounts {
public:
    virtual ~Accounts() = default;
    // Runs `fn` with directory.db (one connection, shared: keep it short).
    virtual Result<void> directory(const std::function<Result<void>(storage::Directory&)>& fn) = 0;
    // `owner`'s store ("" = the user's own), for the rest of the job. Only for an owner
    // the directory knows (rights checked first): a store is created on first open.
    virtual Result<storage::MailboxStore*> store(const std::string& owner) = 0;
};
// A store job that needs the grants or more than one account's store (LIST, SELECT of a
// shared mailbox, the ACL commands). `owner` names the store it will mostly use.
struct AccountsJob {
    std::function<StoreResume(Accounts&)> job;
    std::string owner = {};
};
struct Delay {
    std::chrono::milliseconds duration{};
};  // wait, then carry on with the following actions
// A failed login, before its tagged NO: the glue counts it (storage/login_failures.hpp)
// and waits the delay the policy gives (common/text/login_policy.hpp) before answering.
struct AuthFailed {
    std::string user;
};
struct LoggedIn {
    std::string user;  // the glue opens this user's store and switches to the idle timeout
};
// UNAUTHENTICATE (RFC 8437): the session is not authenticated any more; the glue lets go
// of the user's store and sessions entry and gives back the per-user connection slot.
struct LoggedOut {};
struct Close {};  // flush and hang up
// This session changed the user's store (flags, messages): the glue wakes the user's
// other sessions so an IDLE one reports it at once.
struct Changed {
    std::string owner = {};  // a shared mailbox's account: its sessions are woken too ("" = none)
};

struct Action {
    std::variant<Send, StartTls, VerifyPassword, StoreJob, QuotaStoreJob, AccountsJob, Delay, AuthFailed, LoggedIn,
                 Close, Changed, StartCompression, EndCompression, LoggedOut>
        v;
};

struct SessionOptions {
    std::string hostname = "localhost";
    bool tls_available = false;  // STARTTLS may be offered
    bool tls_active = false;     // implicit TLS (imaps)
    // Plaintext LOGIN/AUTHENTICATE without TLS: set by the glue for loopback peers when
    // [auth] allow_plaintext_on_loopback is on (RFC 3501 §6.2.3, rfc3501.txt:1664).
    bool insecure_auth_allowed = false;
    std::uint64_t max_message_size = 50 * 1024 * 1024;  // APPEND literal limit after login
    std::size_t max_command_line = kMaxCommandLine;
    unsigned max_failures = 3;    // per session, then hang up
    unsigned max_errors = 50;     // consecutive BAD, then hang up
};

// --- states (RFC 3501 §3, rfc3501.txt:687) ----------------------------------------------
struct NotAuthenticated {};
struct Authenticated {};
// A mailbox is selected: the session's view of it.
struct Selected {
    std::string mailbox;                            // the name in the owner's store
    std::string owner;                              // "" = own; else a shared mailbox's account
    text::AclRights rights = text::AclRights::all();  // the user's, as at SELECT (RFC 4314 §4)
    bool read_only = false;                         // EXAMINE, or no right to change anything
    std::vector<std::uint32_t> uids;                // message number n has UID uids[n - 1]
    std::uint64_t modseq = 0;                       // last MODSEQ reported to the client
    NumberSet recent;                               // UIDs \Recent in this session
    std::vector<std::string> keywords;              // announced in FLAGS, sorted (flags.hpp)
    std::vector<std::uint32_t> withheld_expunges;  // UIDs to report as EXPUNGE
    std::vector<std::uint64_t> own_modseqs;         // this session's changes
    // QRESYNC was enabled (RFC 7162 §3.2.10, rfc7162.txt:1939): expunges are reported as
    // "* VANISHED uids", not "* n EXPUNGE". ENABLE is not allowed while selected, so it
    // is fixed for the life of the view.
    bool vanished = false;
    // The search result SEARCH RETURN (SAVE) kept for "$" (RFC 5182 §2), as UIDs: messages
    // expunged since simply no longer resolve. Empty at SELECT (a new view).
    NumberSet saved_result;
    // SEARCH/SORT RETURN (UPDATE) results kept up to date (RFC 5267 §4.3): they end with
    // the view, or at CANCELUPDATE.
    std::vector<UpdateContext> contexts;

    // Message numbers or UIDs ("$": the saved result, in either form) → (seq, uid) of messages in the view.
    Result<std::vector<std::pair<std::uint32_t, std::uint32_t>>> resolve(const SequenceSet& set, bool uid) const;
    // "* n EXPUNGE" for each removed UID (or one "* VANISHED" for them all, when
    // `vanished`), renumbering the view as it goes.
    std::string report_expunged(const std::vector<std::uint32_t>& removed);
    std::string recent_response() const;  // "* n RECENT\r\n"
};
struct Logout {};
using State = std::variant<NotAuthenticated, Authenticated, Selected, Logout>;

class Session {
public:
    explicit Session(SessionOptions options);

    Actions start();  // the greeting
    // Consumes a prefix of `input`: all of it, unless an asynchronous action was emitted
    // (then the rest waits until the action's result came back and the glue calls again).
    Actions on_input(std::string_view& input);
    Actions on_tls_ready();
    Actions on_password_checked(const Result<bool>& verdict);
    // The server refused to run the check (too many at once, password_checker.hpp): a
    // temporary failure, not a wrong password, so no failure is counted and no delay added.
    Actions on_password_busy();
    // The password was right but the user already has its maximum of logged-in connections
    // from this address (the glue's connection limits): the login is refused and the session
    // stays unauthenticated; not a failed login either.
    Actions on_login_limited();
    Actions resume(const StoreResume& next);
    Actions on_timeout();
    // During IDLE in the selected state: look for changes and report them (the glue
    // calls it periodically and on a wake-up); nothing otherwise.
    Actions on_idle_tick();
    // During IDLE: an untagged "* OK Still here" (the glue's keepalive timer), so that the
    // connection is never silent for long (NAT and firewall timeouts); nothing otherwise.
    Actions on_idle_keepalive();
    // Another session or a delivery changed the store (the glue's wake-up): during IDLE as
    // on_idle_tick(); between commands, with NOTIFY on or update contexts open, the changes
    // are reported at once (RFC 5465 §3.1, RFC 5267 §4.3.2); otherwise nothing.
    Actions on_wake();
    bool idling() const { return !idle_tag_.empty(); }

    bool busy() const { return busy_; }
    bool logged_out() const { return std::holds_alternative<Logout>(state_); }
    std::string_view state_name() const;
    const std::string& user() const { return user_; }
    // Empty when no mailbox is selected.
    const std::string& selected_mailbox() const;
    // The selected shared mailbox's account ("" when none or the user's own): its sessions'
    // changes must wake this one (SessionRegistry).
    const std::string& selected_owner() const;
    // The CAPABILITY list for the current state and connection (without "* CAPABILITY").
    std::string capabilities() const;

private:
    template <class T>
    bool in() const { return std::holds_alternative<T>(state_); }
    // The selected mailbox's view; null in the other states.
    Selected* selected() { return std::get_if<Selected>(&state_); }

    Actions on_event(ReaderEvent& ev);
    Actions on_command(Command& cmd);
    Actions on_raw_line(std::string_view line);
    Actions dispatch(Command& cmd);
    struct Handlers;  // one per command type, session.cpp

    // session_auth.cpp: any state and not authenticated.
    Actions cmd_capability(const std::string& tag);
    Actions cmd_logout(const std::string& tag);
    Actions cmd_starttls(const std::string& tag);
    Actions cmd_login(const std::string& tag, LoginCmd& c);
    Actions cmd_authenticate(const std::string& tag, AuthenticateCmd& c);
    Actions cmd_id(const std::string& tag, const IdCmd& c);
    Actions cmd_enable(const std::string& tag, const EnableCmd& c);

    // session_rev2.cpp: IMAP4rev2 and UTF8=ACCEPT (protocol_mode.hpp), UNAUTHENTICATE.
    // ENABLE of IMAP4rev2 or UTF8=ACCEPT: the name for ENABLED when `cap` is one of them
    // and was not on yet, else "".
    std::string enable_protocol(std::string_view cap);
    Actions cmd_unauthenticate(const std::string& tag);
    // A mailbox argument decoded from the session's name form (mailbox_name.hpp) and checked.
    Result<std::string> mailbox_arg(std::string_view wire) const {
        return decode_mailbox_name(wire, mode_.names());
    }
    Actions sasl_step(text::SaslStep step);
    Actions auth_failure(std::string_view reply, std::string user);
    Actions check_password(const std::string& tag, std::string user, std::string password);

    // session_mailboxes.cpp: authenticated state.
    Actions cmd_namespace(const std::string& tag);
    Actions cmd_list(const std::string& tag, const ListCmd& c);
    Actions cmd_create(const std::string& tag, const CreateCmd& c);
    Actions cmd_delete(const std::string& tag, const DeleteCmd& c);
    Actions cmd_rename(const std::string& tag, const RenameCmd& c);
    Actions cmd_subscribe(const std::string& tag, const SubscribeCmd& c);
    Actions cmd_status(const std::string& tag, const StatusCmd& c);
    Actions cmd_select(const std::string& tag, const SelectCmd& c);
    Actions cmd_append(const std::string& tag, AppendCmd& c);
    Actions cmd_idle(const std::string& tag);

    // session_acl.cpp: RFC 4314 ACL and the shared namespace.
    Actions cmd_getacl(const std::string& tag, const GetAclCmd& c);
    Actions cmd_setacl(const std::string& tag, const SetAclCmd& c);
    Actions cmd_deleteacl(const std::string& tag, const DeleteAclCmd& c);
    Actions cmd_listrights(const std::string& tag, const ListRightsCmd& c);
    Actions cmd_myrights(const std::string& tag, const MyRightsCmd& c);
    // A client mailbox name (in the session's name form: mailbox_arg) → the owner's store
    // name; the reply to send when it names no mailbox.
    Result<MailboxRef> mailbox_ref(std::string_view wire) const;
    // Runs `work` on `ref`'s store with the user's rights on it, after checking that they
    // include every right of `needed` (RFC 4314 §4): without "l" (and without the needed
    // ones) the mailbox does not exist for the user (NONEXISTENT), with "l" it is NOPERM.
    // The user's own mailboxes: every right, a plain StoreJob. The last store is the
    // user's own (the same one for their own mailboxes): what a grantee keeps of another's
    // mailbox, its subscription, is there.
    using RightsWork = std::function<StoreResume(storage::MailboxStore&, text::AclRights, storage::MailboxStore&)>;
    Actions mailbox_job(const std::string& tag, const MailboxRef& ref, std::string_view needed, RightsWork work);
    // `ref`'s rights check alone (on the pool thread, inside an AccountsJob): nullopt when
    // they suffice, else the reply.
    // The ACL commands' first step (pool thread): the mailbox's owner address and the user's
    // rights, or the reply that ends the command (a right of `needed` missing, no mailbox).
    struct AclTarget {
        std::string owner;
        text::AclRights rights;
    };
    std::optional<StoreResume> acl_target(const std::string& tag, Accounts& a, const MailboxRef& ref,
                                          std::string_view needed, AclTarget& out);
    StoreResume fail_later(const std::string& tag, const Error& e);  // store_error, on the loop thread
    // Another account's quota (directory.db, 0 = unlimited): APPEND and COPY into its mailboxes.
    static Result<std::int64_t> quota_of(Accounts& a, const std::string& owner);
    // CREATE/DELETE/RENAME (session_mailboxes.cpp): `work` on `ref`'s store once the user has
    // `needed` on `rights_name` (of the same owner), then again with the directory, for the
    // grants to follow the mailbox; "tag OK [ok_code] ok_text" (ok_code: what `work` left
    // there, if anything) or the error.
    struct AlsoNeeded {  // a second rights check (RENAME: "k" on the new name's parent)
        std::string rights;
        std::string name;
    };
    Actions changing_job(const std::string& tag, const MailboxRef& ref, std::string_view needed,
                         const std::string& rights_name, std::string ok_text,
                         std::function<Result<void>(storage::MailboxStore&, storage::Directory*)> work,
                         std::optional<AlsoNeeded> also = std::nullopt,
                         std::shared_ptr<const std::string> ok_code = nullptr);  // store_error, on the loop thread
    std::optional<StoreResume> refuse_without(const std::string& tag, Accounts& accounts, const MailboxRef& ref,
                                              std::string_view needed, text::AclRights& rights);

    // session_selected.cpp: selected state.
    // Handlers of selected-state commands get the view; Handlers checks it is there.
    Actions cmd_fetch(const std::string& tag, const FetchCmd& c, Selected& sel);
    // FETCH's two steps per round trip (fetch_job.hpp, FetchRun): a store job, then its result.
    Action fetch_step(std::shared_ptr<FetchRun> run);
    Actions fetch_step_done(const std::shared_ptr<FetchRun>& run);
    Actions cmd_store(const std::string& tag, const StoreCmd& c, Selected& sel);
    Actions cmd_expunge(const std::string& tag, const ExpungeCmd& c, Selected& sel);
    Actions cmd_copy(const std::string& tag, const CopyCmd& c, Selected& sel);
    // COPY/MOVE into another account's store (session_acl.cpp).
    Actions copy_across(const std::string& tag, const CopyCmd& c, Selected& sel, const MailboxRef& dest);
    Actions cmd_close(const std::string& tag, bool expunge, Selected& sel);  // session_mailboxes.cpp
    // session_search.cpp
    Actions cmd_search(const std::string& tag, const SearchCmd& c, Selected& sel);
    // The end of SEARCH, SORT and THREAD on the loop thread: keep RETURN (SAVE)'s result
    // (`saved`; set even when the search failed, RFC 5182 §2.1), then the response and OK.
    // `context`: RETURN (UPDATE)'s result to keep up to date (session_contexts.cpp).
    Actions search_done(const std::string& tag, const std::optional<Error>& error,
                        const std::optional<NumberSet>& saved, const std::string& out, std::string_view ok_text,
                        std::optional<UpdateContext> context = std::nullopt);
    // session_contexts.cpp (RFC 5267 §4.3): "* NO [NOUPDATE ...]" when the context cannot
    // be kept, else "" (and it is kept).
    std::string open_context(UpdateContext context);
    Actions cmd_cancelupdate(const std::string& tag, const CancelUpdateCmd& c, Selected& sel);
    // session_notify.cpp (RFC 5465).
    Actions cmd_notify(const std::string& tag, const NotifyCmd& c);
    // A store job that compares the user's mailboxes with what NOTIFY last told the client
    // and reports the difference (`report` false: takes the new state silently), then
    // `finish`'s actions.
    Actions poll_mailboxes(std::function<Actions()> finish, bool report);
    // Between commands, during IDLE or at the end of a command: the updates of the selected
    // mailbox NOTIFY and the contexts ask for, then the other mailboxes.
    Actions push_updates(std::function<Actions()> finish, bool allow_expunge);
    // NOTIFICATIONOVERFLOW (RFC 5465 §5.8): notifications off, as after NOTIFY NONE.
    std::string notify_overflow();
    // session_sort.cpp
    Actions cmd_sort(const std::string& tag, const SortCmd& c, Selected& sel);
    Actions cmd_thread(const std::string& tag, const ThreadCmd& c, Selected& sel);
    // session_updates.cpp
    // A store job that reports the changes since the view's MODSEQ, then `finish`'s actions.
    // Served without a store job when the command's last store job already read the
    // changes for the view as it is now (prefetch_updates).
    Actions poll_updates(std::function<Actions()> finish, bool allow_expunge);
    // While a command that reports updates waits for a store job: that job also reads the
    // changes since the view's MODSEQ, right after its own work, so that the report
    // before the tagged reply usually needs no second trip to the thread pool.
    void prefetch_updates(Actions& acts);
    Actions report_updates(const Result<storage::Changes>& changes, std::optional<storage::RecentClaim> claimed,
                           bool allow_expunge, const std::function<Actions()>& finish,
                           const UpdateExtras* extras = nullptr);
    struct PrefetchedUpdates;  // session_updates.cpp
    // Called with a command's actions and again with each continuation's: once the
    // command is complete, adds the Changed action and the updates before its tagged reply.
    Actions complete(Actions acts);
    void begin_command(const Command& cmd);
    // A CONDSTORE enabling command (rfc7162.txt:370) is running: from now on FETCH
    // responses carry MODSEQ. The first one with a mailbox selected owes the client its
    // HIGHESTMODSEQ (rfc7162.txt:403): that line, or "".
    std::string enable_condstore();
    // A change this session made itself, not to be reported back (if still selected).
    void note_own_change(std::uint64_t modseq) {
        if (Selected* sel = selected()) sel->own_modseqs.push_back(modseq);
    }
    // A store job whose continuation only answers "tag OK text" or the error.
    Actions simple_job(const std::string& tag, std::string ok_text,
                       std::function<Result<void>(storage::MailboxStore&)> work, std::string owner = {});

    // session_quota.cpp: whether storing what `adding` measures would put the user over
    // `quota_bytes` (RFC 9208 §4.3.1 OVERQUOTA). Pool thread, inside a QuotaStoreJob;
    // usage and `adding` are read from the store only when there is a quota.
    static Result<bool> over_quota(storage::MailboxStore& store, const Result<std::int64_t>& quota_bytes,
                                   const std::function<Result<std::int64_t>()>& adding);
    Actions over_quota_reply(const std::string& tag, std::string_view verb);
    // RFC 9208 QUOTA (session_quota.cpp): the QUOTA response after `before`, then OK.
    Actions report_quota(const std::string& tag, std::string before, std::string_view verb);
    Actions cmd_getquota(const std::string& tag, const GetQuotaCmd& c);
    Actions cmd_getquotaroot(const std::string& tag, const GetQuotaRootCmd& c);
    Actions cmd_setquota(const std::string& tag, const SetQuotaCmd& c);
    // RFC 4978 COMPRESS (session_compress.cpp).
    Actions cmd_compress(const std::string& tag, const CompressCmd& c);

    Actions tagged(const std::string& tag, std::string_view status, std::string_view text);
    Actions bad(const std::string& tag, std::string_view text);
    Actions store_error(const std::string& tag, const Error& e);
    Actions bad_name(const std::string& tag, const Error& e);  // mailbox_ref() failed
    static std::string line(std::string_view text);
    Actions async(Action a);

    SessionOptions options_;
    CommandReader reader_;
    State state_ = NotAuthenticated{};
    bool busy_ = false;
    unsigned failures_ = 0;
    unsigned errors_ = 0;
    std::string user_;
    ProtocolMode mode_;  // ENABLE IMAP4rev2 / UTF8=ACCEPT
    // RFC 7162 §3.1 (rfc7162.txt:388): once a CONDSTORE enabling command ran, every
    // untagged FETCH about changed flags carries UID and MODSEQ (rfc7162.txt:1422).
    bool condstore_ = false;
    bool qresync_ = false;  // ENABLE QRESYNC (implies condstore_)
    bool compressing_ = false;  // COMPRESS DEFLATE was accepted
    // Inside AUTHENTICATE: the exchange and its tag.
    std::optional<text::SaslServer> sasl_;
    std::string sasl_tag_;
    std::string pending_tag_;  // LOGIN/AUTHENTICATE being verified
    std::string pending_user_;
    std::string idle_tag_;  // inside IDLE
    // The command in progress, for complete().
    struct InProgress {
        bool active = false;
        std::string tag;
        bool updates = false;        // report other sessions' changes before the tagged reply
        bool allow_expunge = true;   // not FETCH, STORE, SEARCH
        bool changes_store = false;  // ends with Changed
        std::string changed_owner;   // the shared account it changed, if any (Changed::owner)
        bool names_change = false;   // CREATE, DELETE, RENAME, (UN)SUBSCRIBE
    };
    InProgress in_progress_;
    std::shared_ptr<PrefetchedUpdates> prefetched_;  // from the command's last store job
    // NOTIFY SET (RFC 5465): what to watch and what was told; null before NOTIFY and after
    // NOTIFY NONE. Mailboxes this session changed itself are taken silently at the end of
    // the command (RFC 5465 §5, rfc5465.txt:428).
    std::shared_ptr<NotifyWatch> notify_;
};

}  // namespace mr::imapd::session
