// IMAP commands as typed values: what parse_command() makes of a RawCommand.
//
// Invariants:
//  - A Command owns all its data (no views into the RawCommand it came from).
//  - Only syntax is decided here. What a command means in the current state (allowed
//    before login?, does the mailbox exist?, is the charset supported?) is the
//    session's business; so is decoding mailbox names from modified UTF-7
//    (mutf7_decode) and checking them (validate_mailbox_name).
//  - Mailbox arguments are as sent (mUTF-7), except that any case of "INBOX" is
//    "INBOX" (rfc3501.txt:4823).
//  - Flags are as sent, except that the system flags of RFC 3501 §2.3.2
//    (rfc3501.txt:567) are in their canonical spelling ("\seen" → "\Seen"); "\Recent"
//    and other "\" flags are kept for the session to refuse.
//  - Keywords of the grammar (command names, FETCH items, SEARCH keys, ...) are
//    case-insensitive (rfc3501.txt:4502).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/text/acl_rights.hpp"
#include "imapd/proto/fetch_section.hpp"
#include "imapd/proto/imap_date.hpp"
#include "imapd/proto/sequence_set.hpp"

namespace mr::imapd {

// --- Any state (RFC 3501 §6.1, rfc3501.txt:1295) ---
struct CapabilityCmd {};
struct NoopCmd {};
struct LogoutCmd {};
// RFC 2971 §3.1: ID ("name" "value" ...) or ID NIL.
struct IdCmd {
    // nullopt: "ID NIL". Values may be NIL (nullopt).
    std::optional<std::vector<std::pair<std::string, std::optional<std::string>>>> params;
};
// RFC 5161 §3.1: ENABLE capability...
struct EnableCmd {
    std::vector<std::string> capabilities;  // as sent (compare case-insensitively)
};

// RFC 8437 §3: back to the not-authenticated state (authenticated or selected).
struct UnauthenticateCmd {};

// --- Not authenticated (§6.2) ---
struct StartTlsCmd {};
// RFC 3501 §6.2.2; SASL-IR initial response (RFC 4959, RFC 9051 §6.2.2 initial-resp).
struct AuthenticateCmd {
    std::string mechanism;                        // auth-type atom, as sent
    std::optional<std::string> initial_response;  // base64 or "=" (empty response)
};
struct LoginCmd {
    std::string user;
    std::string password;
};

// --- Authenticated (§6.3) ---
// RFC 7162 §3.2.5 (rfc7162.txt:1432): SELECT/EXAMINE (QRESYNC (uidvalidity modseq
// [known-uids] [seq-match-data])). The seq-match-data is read and dropped: the store
// remembers every expunge, so it never needs the client's hint.
struct QresyncParams {
    std::uint32_t uidvalidity = 0;
    std::uint64_t modseq = 0;
    std::optional<SequenceSet> known_uids;
};
// SELECT and EXAMINE (read_only), with the select-params of RFC 4466 §2.1.
struct SelectCmd {
    std::string mailbox;
    bool read_only = false;
    bool condstore = false;  // RFC 7162 §3.1.8 (CONDSTORE)
    std::optional<QresyncParams> qresync;
};
struct CreateCmd {
    std::string mailbox;
    // RFC 6154 §3 CREATE ... (USE (\Drafts ...)): attributes as sent, e.g. "\Drafts".
    std::vector<std::string> special_use;
};
struct DeleteCmd {
    std::string mailbox;
};
struct RenameCmd {
    std::string from;
    std::string to;
};
// SUBSCRIBE and UNSUBSCRIBE (subscribe == false).
struct SubscribeCmd {
    std::string mailbox;
    bool subscribe = true;
};

enum class StatusItem {
    Messages, Recent, UidNext, UidValidity, Unseen, HighestModSeq, Size, Deleted, AppendLimit, DeletedStorage,
    MailboxId  // RFC 8474 §4.3
};

// LIST (RFC 3501 §6.3.8, LIST-EXTENDED RFC 5258 §3) and LSUB (§6.3.9).
struct ListCmd {
    bool lsub = false;
    std::string reference;
    std::vector<std::string> patterns;  // one, or several with LIST-EXTENDED "(p1 p2)"
    // Selection options (RFC 5258 §3.1; SPECIAL-USE: RFC 6154 §5.1).
    bool select_subscribed = false;
    bool select_remote = false;
    bool select_recursive_match = false;
    bool select_special_use = false;
    // Return options (RFC 5258 §3.2; SPECIAL-USE: RFC 6154 §5.1; STATUS: RFC 5819).
    bool return_subscribed = false;
    bool return_children = false;
    bool return_special_use = false;
    std::vector<StatusItem> return_status;
    // True when any LIST-EXTENDED syntax was used (the reply format depends on it).
    bool extended = false;
};

struct StatusCmd {
    std::string mailbox;
    std::vector<StatusItem> items;
};

// One part of CATENATE (RFC 4469 §5): cat-part = text-literal / url.
struct CatenatePart {
    bool is_url = false;
    std::string data;  // TEXT: the literal's octets; URL: the IMAP URL as sent
};

// One message of APPEND: append-message = append-opts SP append-data (RFC 3502 §6).
struct AppendItem {
    std::vector<std::string> flags;
    std::optional<ImapDateTime> internal_date;
    std::string message;  // the literal's octets; empty with CATENATE
    bool message_was_synchronizing = true;
    // append-data =/ "CATENATE" SP "(" cat-part *(SP cat-part) ")" (RFC 4469 §5): the
    // message is these parts joined, made by the session (URLs name stored messages).
    std::vector<CatenatePart> catenate;
    // Sent as UTF8 (~{n}...): utf8-literal, RFC 6855 §4 (rfc6855.txt:215).
    bool utf8 = false;
};
// APPEND of one message, or of several with MULTIAPPEND (RFC 3502 §6.3.11).
struct AppendCmd {
    std::string mailbox;
    std::vector<AppendItem> messages;  // at least one, in the order sent
};

// IDLE (RFC 2177 §3) and NAMESPACE (RFC 2342 §5).
struct IdleCmd {};
struct NamespaceCmd {};
// RFC 9208 §4.1: GETQUOTA quota-root, GETQUOTAROOT mailbox, SETQUOTA quota-root
// (resource limit ...). Root names and resource names are as sent.
struct GetQuotaCmd {
    std::string root;
};
struct GetQuotaRootCmd {
    std::string mailbox;
};
struct SetQuotaCmd {
    std::string root;
    std::vector<std::pair<std::string, std::uint64_t>> limits;
};
// RFC 4978 §3: COMPRESS mechanism (only DEFLATE exists; the session judges the name).
struct CompressCmd {
    std::string mechanism;
};

// RFC 4314 §3: the ACL commands. Mailboxes and identifiers are as sent (astring); SETACL's
// rights are checked by the parser (common/text/acl_rights.hpp), so a bad right is BAD.
struct GetAclCmd {
    std::string mailbox;
};
struct SetAclCmd {
    std::string mailbox;
    std::string identifier;
    text::AclChange change;
};
struct DeleteAclCmd {
    std::string mailbox;
    std::string identifier;
};
struct ListRightsCmd {
    std::string mailbox;
    std::string identifier;
};
struct MyRightsCmd {
    std::string mailbox;
};

// --- Selected (§6.4) ---
struct CheckCmd {};
struct CloseCmd {};
struct UnselectCmd {};  // RFC 3691
// EXPUNGE, or UID EXPUNGE <uid-set> (RFC 4315 §2.1).
struct ExpungeCmd {
    std::optional<SequenceSet> uids;
};

// One FETCH item (rfc3501.txt:4751). The macros ALL, FAST and FULL are expanded.
struct FetchItem {
    enum class Kind {
        Envelope, Flags, InternalDate, Rfc822, Rfc822Header, Rfc822Size, Rfc822Text,
        Body, BodyStructure, Uid, BodySection, ModSeq,
        EmailId, ThreadId,   // RFC 8474 §5 (OBJECTID)
        SaveDate,            // RFC 8514 §4 (SAVEDATE)
        Binary, BinarySize   // RFC 3516 §4.2 (BINARY): section.part and partial only
    };
    Kind kind = Kind::Flags;
    BodySection section;  // BodySection, Binary, BinarySize
};

// Whether fetching the item sets \Seen (rfc3501.txt:3156 for BODY[], not BODY.PEEK; RFC 3516
// §4.2 BINARY likewise).
inline bool fetch_item_sets_seen(const FetchItem& i) {
    using K = FetchItem::Kind;
    return ((i.kind == K::BodySection || i.kind == K::Binary) && !i.section.peek) || i.kind == K::Rfc822 ||
           i.kind == K::Rfc822Text;
}

// One SEARCH key (rfc3501.txt:4957). Children: Not 1, Or 2, And (parenthesised list,
// and the implicit AND of the top level) 1 or more.
struct SearchKey {
    enum class Kind {
        All, Answered, Bcc, Before, Body, Cc, Deleted, Draft, Flagged, From, Header,
        Keyword, Larger, New, Not, Old, On, Or, Recent, Seen, SentBefore, SentOn,
        SentSince, Since, Smaller, Subject, Text, To, Uid, Unanswered, Undeleted, Undraft,
        Unflagged, Unkeyword, Unseen, SequenceSet, And,
        ModSeq,  // RFC 7162 §3.1.5
        Older, Younger,  // RFC 5032 §3 (WITHIN): `size` is the interval in seconds
        SavedBefore, SavedOn, SavedSince, SaveDateSupported,  // RFC 8514 §4.2
        EmailId, ThreadId  // RFC 8474 §6: `value` is the objectid
    };
    Kind kind = Kind::All;
    std::string header;      // Header: field name
    std::string value;       // Bcc/Body/Cc/From/Header/Subject/Text/To: the string;
                             // Keyword/Unkeyword: the keyword
    ImapDate date;           // Before/On/Since/SentBefore/SentOn/SentSince/Saved*
    std::uint64_t size = 0;  // Larger/Smaller
    std::uint64_t modseq = 0;  // ModSeq: messages with a MODSEQ at least this
    SequenceSet set;         // Uid / SequenceSet
    std::vector<SearchKey> children;
};

// search-return-opts of ESEARCH (RFC 4731 §3.1) and ESORT (RFC 5267 §3.2); with them the
// answer is "* ESEARCH (TAG ...)", without them "* SEARCH" / "* SORT".
struct SearchReturn {
    bool min = false;
    bool max = false;
    bool all = false;
    bool count = false;
    // SEARCHRES (RFC 5182 §2): keep the result for "$"; alone, no ESEARCH response.
    bool save = false;
    // RFC 5267 §4.4 PARTIAL first:last (1-based positions in the result, first <= last).
    std::optional<std::pair<std::uint32_t, std::uint32_t>> partial;
    // RFC 5267 §4.3 UPDATE: keep the result up to date with unsolicited ESEARCH ADDTO and
    // REMOVEFROM until CANCELUPDATE or the mailbox is closed. CONTEXT (§4.2) is only a
    // hint, read and dropped.
    bool update = false;
    // UPDATE (fetch-att ...) (RFC 5465 §7): FETCH data for each new message added.
    std::vector<FetchItem> update_fetch;
    // RETURN () is RETURN (ALL) (RFC 4731 §3.1); the parser sets `all` then.
};

struct SearchCmd {
    bool uid = false;
    std::optional<std::string> charset;  // as sent; the session answers BADCHARSET
    SearchKey key;                       // Kind::And of the top-level keys
    std::optional<SearchReturn> ret;     // RETURN (...): answer with ESEARCH
};

// SORT and UID SORT (RFC 5256 §3, rfc5256.txt:183; criteria rfc5256.txt:252,
// SORT=DISPLAY RFC 5957 §4).
struct SortCriterion {
    enum class Key { Arrival, Cc, Date, From, Size, Subject, To, DisplayFrom, DisplayTo };
    Key key = Key::Arrival;
    bool reverse = false;
};
struct SortCmd {
    bool uid = false;
    std::vector<SortCriterion> criteria;
    std::string charset;  // mandatory for SORT (rfc5256.txt:201)
    SearchKey key;
    std::optional<SearchReturn> ret;  // ESORT (RFC 5267 §3.2)
};

// THREAD and UID THREAD (RFC 5256 §3, rfc5256.txt:302).
struct ThreadCmd {
    enum class Algorithm { OrderedSubject, References };
    bool uid = false;
    Algorithm algorithm = Algorithm::References;
    std::string charset;
    SearchKey key;
};

struct FetchCmd {
    bool uid = false;
    SequenceSet set;
    std::vector<FetchItem> items;
    // Fetch modifiers (RFC 4466 §2.4): CHANGEDSINCE (RFC 7162 §3.1.4.1) and VANISHED
    // (§3.2.6, UID FETCH only, with CHANGEDSINCE; the session checks QRESYNC is enabled).
    std::optional<std::uint64_t> changed_since;
    bool vanished = false;
};

struct StoreCmd {
    enum class Mode { Replace, Add, Remove };  // FLAGS, +FLAGS, -FLAGS
    bool uid = false;
    SequenceSet set;
    Mode mode = Mode::Replace;
    bool silent = false;
    std::vector<std::string> flags;
    std::optional<std::uint64_t> unchanged_since;  // RFC 7162 §3.1.3 store modifier
};

// CANCELUPDATE "tag" ... (RFC 5267 §4.3.5): the tags of the searches whose updates stop.
struct CancelUpdateCmd {
    std::vector<std::string> tags;
};

// COPY and MOVE (RFC 6851), plain or UID.
struct CopyCmd {
    bool uid = false;
    bool move = false;
    SequenceSet set;
    std::string mailbox;
};

// NOTIFY (RFC 5465 §8): NOTIFY NONE, or NOTIFY SET [STATUS] event-group ... The grammar's
// rules on combinations (MessageNew with MessageExpunge, fetch attributes only for the
// selected mailbox, ...) are the parser's; which events the server supports is the
// session's (BADEVENT).
struct NotifyEvents {
    bool message_new = false;
    bool message_expunge = false;
    bool flag_change = false;
    bool mailbox_name = false;
    bool subscription_change = false;
    std::vector<FetchItem> fetch;          // MessageNew (fetch-att ...): selected only
    std::vector<std::string> unsupported;  // other event names, as sent (upper case)
    bool any() const {
        return message_new || message_expunge || flag_change || mailbox_name || subscription_change ||
               !unsupported.empty();
    }
};
struct NotifyGroup {
    enum class Filter { Selected, SelectedDelayed, Inboxes, Personal, Subscribed, Subtree, Mailboxes };
    Filter filter = Filter::Selected;
    std::vector<std::string> mailboxes;  // Subtree, Mailboxes: as sent (mUTF-7)
    NotifyEvents events;                 // none set: the group's events are NONE
};
struct NotifyCmd {
    bool none = false;    // NOTIFY NONE
    bool status = false;  // SET STATUS: a STATUS now for each mailbox with message events
    std::vector<NotifyGroup> groups;
};

using CommandArgs =
    std::variant<CapabilityCmd, NoopCmd, LogoutCmd, IdCmd, EnableCmd, StartTlsCmd,
                 AuthenticateCmd, LoginCmd, SelectCmd, CreateCmd, DeleteCmd, RenameCmd,
                 SubscribeCmd, ListCmd, StatusCmd, AppendCmd, IdleCmd, NamespaceCmd, CheckCmd,
                 CloseCmd, UnselectCmd, ExpungeCmd, SearchCmd, FetchCmd, StoreCmd, CopyCmd,
                 GetQuotaCmd, GetQuotaRootCmd, SetQuotaCmd, CompressCmd,
                 SortCmd, ThreadCmd, GetAclCmd, SetAclCmd, DeleteAclCmd, ListRightsCmd, MyRightsCmd,
                 CancelUpdateCmd, NotifyCmd, UnauthenticateCmd>;

struct CommandSpec;  // command_table.hpp

struct Command {
    std::string tag;
    CommandArgs args;
    const CommandSpec* spec = nullptr;  // its entry in the command table; never null once parsed
};

// What the client sent could not be parsed: answer "<tag> BAD <reason>" (or "* BAD"
// when the tag is empty).
struct ParseError {
    std::string tag;     // empty when the line had no valid tag
    std::string reason;  // human-readable, never echoes client bytes
    bool unknown_command = false;
};

}  // namespace mr::imapd
