// The command table (see command_table.hpp for what follows from it and its invariants).
#include "imapd/proto/command_table.hpp"

#include <iterator>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/text/ascii.hpp"
#include "imapd/proto/parse_internal.hpp"

namespace mr::imapd {

namespace {

using namespace detail;

constexpr std::uint8_t kNotAuth = static_cast<std::uint8_t>(SessionState::NotAuthenticated);
constexpr std::uint8_t kAuth = static_cast<std::uint8_t>(SessionState::Authenticated);
constexpr std::uint8_t kSelected = static_cast<std::uint8_t>(SessionState::Selected);
constexpr std::uint8_t kAny = kNotAuth | kAuth | kSelected;
constexpr std::uint8_t kLoggedIn = kAuth | kSelected;

template <class T, std::size_t I = 0>
constexpr std::size_t index_of() {
    if constexpr (std::is_same_v<std::variant_alternative_t<I, CommandArgs>, T>) return I;
    else return index_of<T, I + 1>();
}

// Parsers that need only the cursor.
template <Result<CommandArgs> (*F)(ArgCursor&)>
Result<CommandArgs> plain(ArgCursor& in, RawCommand&) {
    return F(in);
}

// Parsers of several entries, told apart by the entry.
template <bool ReadOnly>
Result<CommandArgs> select(ArgCursor& in, RawCommand&) { return parse_select(in, ReadOnly); }
template <bool Subscribe>
Result<CommandArgs> subscribe(ArgCursor& in, RawCommand&) { return parse_subscribe(in, Subscribe); }
template <bool Lsub>
Result<CommandArgs> list(ArgCursor& in, RawCommand&) { return parse_list(in, Lsub); }
template <bool Uid>
Result<CommandArgs> search(ArgCursor& in, RawCommand&) { return parse_search(in, Uid); }
template <bool Uid>
Result<CommandArgs> sort(ArgCursor& in, RawCommand&) { return parse_sort(in, Uid); }
template <bool Uid>
Result<CommandArgs> thread(ArgCursor& in, RawCommand&) { return parse_thread(in, Uid); }
template <bool Uid>
Result<CommandArgs> fetch(ArgCursor& in, RawCommand&) { return parse_fetch(in, Uid); }
template <bool Uid>
Result<CommandArgs> store(ArgCursor& in, RawCommand&) { return parse_store(in, Uid); }
template <bool Uid, bool Move>
Result<CommandArgs> copy(ArgCursor& in, RawCommand&) { return parse_copy(in, Uid, Move); }

template <class T>
Result<CommandArgs> no_args(ArgCursor& in, RawCommand&) {
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{T{}};
}

template <class T>
constexpr CommandSpec cmd(std::string_view name, CommandParser parse, std::uint8_t states, bool has_args,
                          Capability capability = {}) {
    CommandSpec s{name, parse, index_of<T>(), states, has_args};
    s.capability = capability;
    return s;
}

constexpr CommandSpec raw_line_follows(CommandSpec s) {
    s.raw_line_follows = true;
    return s;
}
constexpr CommandSpec conditional(CommandSpec s, Capability c) {
    s.conditional = c;
    return s;
}
// Commands on messages of the selected mailbox, by sequence number.
constexpr CommandSpec by_number(CommandSpec s, bool forbids_expunge) {
    s.uses_sequence_numbers = true;
    s.forbids_expunge = forbids_expunge;
    return s;
}

constexpr CommandSpec withholds_expunge(CommandSpec s) {
    s.withholds_expunge = true;
    return s;
}
constexpr CommandSpec skips_updates(CommandSpec s) {
    s.skips_updates = true;
    return s;
}

constexpr Capability always(std::string_view words) { return {words, Advertise::Always}; }

// The order of entries is the order of CAPABILITY (clients see it; keep it stable).
constexpr CommandSpec kCommands[] = {
    // RFC 3501 §6.1 (rfc3501.txt:1295): any state.
    cmd<CapabilityCmd>("CAPABILITY", no_args<CapabilityCmd>, kAny, false),
    cmd<NoopCmd>("NOOP", no_args<NoopCmd>, kAny, false),
    skips_updates(cmd<LogoutCmd>("LOGOUT", no_args<LogoutCmd>, kAny, false)),
    // §6.2 (rfc3501.txt:1426): not authenticated.
    cmd<StartTlsCmd>("STARTTLS", no_args<StartTlsCmd>, kNotAuth, false, {"STARTTLS", Advertise::TlsOffered}),
    conditional(raw_line_follows(cmd<AuthenticateCmd>("AUTHENTICATE", plain<parse_authenticate>, kNotAuth, true,
                                                      always("SASL-IR"))),
                {"AUTH=PLAIN AUTH=LOGIN", Advertise::PlaintextAuthAllowed}),
    cmd<LoginCmd>("LOGIN", plain<parse_login>, kNotAuth, true, {"LOGINDISABLED", Advertise::PlaintextAuthRefused}),
    // RFC 2971 §3.1 (rfc2971.txt:141): any state.
    cmd<IdCmd>("ID", plain<parse_id>, kAny, true, always("ID")),
    // RFC 5161 §3.1 (rfc5161.txt:125): authenticated state only. UTF8=ACCEPT is enabled
    // by it (RFC 6855 §3, rfc6855.txt:138), as is IMAP4rev2 (kBaseCapabilities).
    cmd<EnableCmd>("ENABLE", plain<parse_enable>, kAuth, true, always("ENABLE UTF8=ACCEPT")),
    // RFC 8437 §3: authenticated or selected.
    skips_updates(cmd<UnauthenticateCmd>("UNAUTHENTICATE", no_args<UnauthenticateCmd>, kLoggedIn, false,
                                         always("UNAUTHENTICATE"))),
    // §6.3 (rfc3501.txt:1715): authenticated or selected; NAMESPACE and IDLE likewise
    // (RFC 2342 §5, RFC 2177 §4 command_auth).
    // SELECT's CONDSTORE and QRESYNC parameters (RFC 7162 §3.1.8, §3.2.5) stand for the
    // whole of RFC 7162: FETCH/STORE modifiers, SEARCH MODSEQ, VANISHED, CLOSED.
    skips_updates(cmd<SelectCmd>("SELECT", select<false>, kLoggedIn, true, always("CONDSTORE QRESYNC"))),
    skips_updates(cmd<SelectCmd>("EXAMINE", select<true>, kLoggedIn, true)),
    // CREATE ... (USE (\Archive)): CREATE-SPECIAL-USE (RFC 6154 §3).
    cmd<CreateCmd>("CREATE", plain<parse_create>, kLoggedIn, true, always("CREATE-SPECIAL-USE")),
    cmd<DeleteCmd>("DELETE", plain<parse_delete>, kLoggedIn, true),
    cmd<RenameCmd>("RENAME", plain<parse_rename>, kLoggedIn, true),
    cmd<SubscribeCmd>("SUBSCRIBE", subscribe<true>, kLoggedIn, true),
    cmd<SubscribeCmd>("UNSUBSCRIBE", subscribe<false>, kLoggedIn, true),
    cmd<ListCmd>("LSUB", list<true>, kLoggedIn, true),
    // STATUS (SIZE): the mailbox's total RFC822.SIZE, STATUS=SIZE (RFC 8438).
    cmd<StatusCmd>("STATUS", plain<parse_status>, kLoggedIn, true, always("STATUS=SIZE")),
    // Several messages in one APPEND, stored all or none: MULTIAPPEND (RFC 3502 §3); all
    // of them together within one message-size limit (CommandReader's APPEND budget).
    // and the size limit of each, the same for every mailbox: APPENDLIMIT (RFC 7889 §2).
    // A message made of TEXT parts and URLs of stored messages: CATENATE (RFC 4469 §5).
    cmd<AppendCmd>("APPEND", parse_append_command, kLoggedIn, true,
                   {"MULTIAPPEND CATENATE APPENDLIMIT=", Advertise::Always, true}),
    skips_updates(raw_line_follows(cmd<IdleCmd>("IDLE", no_args<IdleCmd>, kLoggedIn, false, always("IDLE")))),
    cmd<NamespaceCmd>("NAMESPACE", no_args<NamespaceCmd>, kLoggedIn, false, always("NAMESPACE")),
    // §6.4 (rfc3501.txt:2607): selected; UNSELECT (RFC 3691, RFC 9051 §6.4.2) too; the
    // UID forms (§6.4.8, rfc3501.txt:3332), UID EXPUNGE (RFC 4315 §2.1) and MOVE (RFC 6851 §3).
    cmd<CheckCmd>("CHECK", no_args<CheckCmd>, kSelected, false),
    skips_updates(cmd<CloseCmd>("CLOSE", no_args<CloseCmd>, kSelected, false)),
    cmd<ExpungeCmd>("EXPUNGE", no_args<ExpungeCmd>, kSelected, false),
    cmd<ExpungeCmd>("UID EXPUNGE", plain<parse_uid_expunge>, kSelected, true, always("UIDPLUS")),
    // SEARCH's RETURN options (ESEARCH, RFC 4731 §3.1; SAVE and "$", SEARCHRES, RFC 5182)
    // and OLDER/YOUNGER keys (WITHIN, RFC 5032).
    by_number(cmd<SearchCmd>("SEARCH", search<false>, kSelected, true, always("ESEARCH SEARCHRES WITHIN")), true),
    withholds_expunge(cmd<SearchCmd>("UID SEARCH", search<true>, kSelected, true)),
    // FETCH's BINARY items and APPEND's literal8 (BINARY, RFC 3516); EMAILID/THREADID
    // items, SEARCH keys, MAILBOXID in SELECT and STATUS (OBJECTID, RFC 8474); SAVEDATE
    // item and SEARCH keys (SAVEDATE, RFC 8514).
    by_number(cmd<FetchCmd>("FETCH", fetch<false>, kSelected, true, always("BINARY OBJECTID SAVEDATE")), true),
    withholds_expunge(cmd<FetchCmd>("UID FETCH", fetch<true>, kSelected, true)),
    by_number(cmd<StoreCmd>("STORE", store<false>, kSelected, true), true),
    withholds_expunge(cmd<StoreCmd>("UID STORE", store<true>, kSelected, true)),
    by_number(cmd<CopyCmd>("COPY", copy<false, false>, kSelected, true), false),
    cmd<CopyCmd>("UID COPY", copy<true, false>, kSelected, true),
    by_number(cmd<CopyCmd>("MOVE", copy<false, true>, kSelected, true, always("MOVE")), false),
    cmd<CopyCmd>("UID MOVE", copy<true, true>, kSelected, true),
    // LIST-EXTENDED (RFC 5258 §3: selection and return options, several patterns),
    // CHILDREN (§4), SPECIAL-USE (RFC 6154 §5.1) and LIST-STATUS (RFC 5819 §2) come with
    // LIST.
    cmd<ListCmd>("LIST", list<false>, kLoggedIn, true, always("SPECIAL-USE CHILDREN LIST-EXTENDED LIST-STATUS")),
    skips_updates(cmd<UnselectCmd>("UNSELECT", no_args<UnselectCmd>, kSelected, false, always("UNSELECT"))),
    // RFC 9208 §4.1 (rfc9208.txt:241): authenticated or selected. Usage and limit come from
    // the one quota of the user (directory.db), the STORAGE resource only: there is no
    // message-count limit. SETQUOTA is refused (no QUOTASET): the administrator sets quotas.
    cmd<GetQuotaCmd>("GETQUOTA", plain<parse_getquota>, kLoggedIn, true, always("QUOTA QUOTA=RES-STORAGE")),
    cmd<GetQuotaRootCmd>("GETQUOTAROOT", plain<parse_getquotaroot>, kLoggedIn, true),
    cmd<SetQuotaCmd>("SETQUOTA", plain<parse_setquota>, kLoggedIn, true),
    // RFC 4978 §3 (rfc4978.txt:122): after login (command-auth), once.
    cmd<CompressCmd>("COMPRESS", plain<parse_compress>, kLoggedIn, true, always("COMPRESS=DEFLATE")),
    // RFC 5256 §3 (rfc5256.txt:183, :302): selected state, like SEARCH; EXPUNGE is not sent
    // during SORT or THREAD, and withheld during their UID forms (rfc5256.txt:242). SORT's
    // entry stands for SORT=DISPLAY's keys (RFC 5957) and ESORT's RETURN (RFC 5267 §3.2).
    by_number(cmd<SortCmd>("SORT", sort<false>, kSelected, true, always("SORT SORT=DISPLAY ESORT")), true),
    withholds_expunge(cmd<SortCmd>("UID SORT", sort<true>, kSelected, true)),
    by_number(cmd<ThreadCmd>("THREAD", thread<false>, kSelected, true,
                             always("THREAD=ORDEREDSUBJECT THREAD=REFERENCES")),
              true),
    withholds_expunge(cmd<ThreadCmd>("UID THREAD", thread<true>, kSelected, true)),
    // RFC 4314 §3 (rfc4314 command-auth): authenticated or selected. RIGHTS=texk (§2.1.1):
    // t, e, x and k are rights of their own, not parts of the obsolete d and c.
    cmd<GetAclCmd>("GETACL", plain<parse_getacl>, kLoggedIn, true, always("ACL RIGHTS=texk")),
    cmd<SetAclCmd>("SETACL", plain<parse_setacl>, kLoggedIn, true),
    cmd<DeleteAclCmd>("DELETEACL", plain<parse_deleteacl>, kLoggedIn, true),
    cmd<ListRightsCmd>("LISTRIGHTS", plain<parse_listrights>, kLoggedIn, true),
    cmd<MyRightsCmd>("MYRIGHTS", plain<parse_myrights>, kLoggedIn, true),
    // RFC 5267 §4.3.5 (command-select): CANCELUPDATE ends what SEARCH/SORT RETURN (UPDATE)
    // started; its entry stands for the contexts of both (CONTEXT, UPDATE, PARTIAL).
    cmd<CancelUpdateCmd>("CANCELUPDATE", plain<parse_cancelupdate>, kSelected, true,
                         always("CONTEXT=SEARCH CONTEXT=SORT")),
    // RFC 5465 §8 (command-auth): authenticated or selected.
    cmd<NotifyCmd>("NOTIFY", plain<parse_notify>, kLoggedIn, true, always("NOTIFY")),
};

// Every CommandArgs alternative is produced by some entry: a type without one could
// never be parsed, and its handler would be dead code.
template <std::size_t... I>
constexpr bool every_type_has_an_entry(std::index_sequence<I...>) {
    auto has = [](std::size_t type) {
        for (const auto& e : kCommands) {
            if (e.type == type) return true;
        }
        return false;
    };
    return (has(I) && ...);
}
static_assert(every_type_has_an_entry(std::make_index_sequence<std::variant_size_v<CommandArgs>>{}),
              "a CommandArgs alternative has no entry in kCommands");

constexpr bool names_unique() {
    for (std::size_t i = 0; i < std::size(kCommands); ++i) {
        for (std::size_t j = i + 1; j < std::size(kCommands); ++j) {
            if (kCommands[i].name == kCommands[j].name) return false;
        }
    }
    return true;
}
static_assert(names_unique(), "two entries of kCommands have the same name");

bool shown(Advertise when, const CapabilityContext& ctx, bool conditional_pass) {
    if (!conditional_pass) return when == Advertise::Always;
    if (ctx.logged_in) return false;
    const bool plaintext_ok = ctx.tls_active || ctx.insecure_auth_allowed;
    switch (when) {
        case Advertise::TlsOffered: return ctx.tls_available && !ctx.tls_active;
        case Advertise::PlaintextAuthAllowed: return plaintext_ok;
        case Advertise::PlaintextAuthRefused: return !plaintext_ok;
        case Advertise::Never:
        case Advertise::Always: return false;
    }
    return false;
}

}  // namespace

std::span<const CommandSpec> command_table() { return kCommands; }

const CommandSpec* find_command(std::string_view name, bool uid) {
    for (const auto& e : kCommands) {
        if (e.uid_form() != uid) continue;
        const std::string_view own = uid ? e.name.substr(4) : e.name;
        if (text::iequals(own, name)) return &e;
    }
    return nullptr;
}

std::string capability_list(const CapabilityContext& ctx) {
    std::string out(kBaseCapabilities);
    for (const bool conditional_pass : {false, true}) {
        for (const auto& e : kCommands) {
            for (const Capability& c : {e.capability, e.conditional}) {
                if (c.words.empty() || !shown(c.when, ctx, conditional_pass)) continue;
                out += ' ';
                out += c.words;
                if (c.append_limit) out += std::to_string(ctx.append_limit);
            }
        }
    }
    return out;
}

}  // namespace mr::imapd
