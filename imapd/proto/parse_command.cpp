// Command dispatch and the small grammars: command = tag SP (command-any /
// command-auth / command-nonauth / command-select) CRLF (rfc3501.txt:4665). The big
// grammars live in parse_mailbox_commands.cpp, parse_fetch.cpp and parse_search.cpp.
#include "imapd/proto/parse_command.hpp"

#include <string>
#include <utility>

#include "imapd/proto/parse_internal.hpp"

namespace mr::imapd {

namespace detail {

Result<std::string> parse_flag(ArgCursor& in) {
    if (in.eat('\\')) {
        auto name = in.atom("flag name after \\");
        if (!name) return name.error();
        // System flags in their canonical spelling (rfc3501.txt:4767).
        static constexpr std::string_view kSystem[] = {"Answered", "Flagged", "Deleted",
                                                       "Seen", "Draft", "Recent"};
        for (auto f : kSystem) {
            if (text::iequals(*name, f)) return "\\" + std::string(f);
        }
        return "\\" + std::string(*name);
    }
    auto keyword = in.atom("flag");
    if (!keyword) return keyword.error();
    return std::string(*keyword);
}

Result<std::vector<std::string>> parse_flag_list(ArgCursor& in) {
    std::vector<std::string> flags;
    if (auto r = in.expect('(', "flag list"); !r) return r.error();
    if (in.eat(')')) return flags;
    while (true) {
        auto f = parse_flag(in);
        if (!f) return f.error();
        flags.push_back(std::move(*f));
        if (in.eat(')')) return flags;
        if (auto r = in.sp(); !r) return syntax_error("SP or ) in flag list");
    }
}

namespace {
bool is_sequence_char(char c) { return text::is_digit(c) || c == ',' || c == ':' || c == '*'; }
}  // namespace

Result<SequenceSet> parse_sequence_set(ArgCursor& in) {
    const std::string_view text = in.take_while(is_sequence_char);
    if (text.empty()) return syntax_error("sequence set");
    return SequenceSet::parse(text);
}

}  // namespace detail

namespace {

using detail::parse_sequence_set;
using Parser = Result<CommandArgs> (*)(ArgCursor&);

template <class T>
Result<CommandArgs> no_args(ArgCursor& in) {
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{T{}};
}

Result<CommandArgs> one_mailbox(ArgCursor& in, std::string& out) {
    auto m = in.mailbox("mailbox name");
    if (!m) return m.error();
    out = std::move(*m);
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{};
}

// RFC 9051 §9 (rfc9051.txt:6341): AUTHENTICATE SP auth-type [SP initial-resp],
// initial-resp = (base64 / "=") (rfc9051.txt:6596); SASL-IR, RFC 4959.
Result<CommandArgs> authenticate(ArgCursor& in) {
    AuthenticateCmd cmd;
    auto mech = in.atom("SASL mechanism");
    if (!mech) return mech.error();
    cmd.mechanism = std::string(*mech);
    if (in.eat(' ')) {
        auto ir = in.atom("initial response");
        if (!ir) return ir.error();
        for (char c : *ir) {
            if (!text::is_alnum(c) && c != '+' && c != '/' && c != '=')
                return Error::syntax("Initial response is not base64");
        }
        cmd.initial_response = std::string(*ir);
    }
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

// login = "LOGIN" SP userid SP password (rfc3501.txt:4804).
Result<CommandArgs> login(ArgCursor& in) {
    LoginCmd cmd;
    auto user = in.astring("user name");
    if (!user) return user.error();
    if (auto r = in.sp(); !r) return r.error();
    auto pass = in.astring("password");
    if (!pass) return pass.error();
    if (auto r = in.end(); !r) return r.error();
    cmd.user = std::move(*user);
    cmd.password = std::move(*pass);
    return CommandArgs{std::move(cmd)};
}

template <bool ReadOnly>
Result<CommandArgs> select(ArgCursor& in) {
    SelectCmd cmd;
    cmd.read_only = ReadOnly;
    if (auto r = one_mailbox(in, cmd.mailbox); !r) return r;
    return CommandArgs{std::move(cmd)};
}

Result<CommandArgs> delete_mailbox(ArgCursor& in) {
    DeleteCmd cmd;
    if (auto r = one_mailbox(in, cmd.mailbox); !r) return r;
    return CommandArgs{std::move(cmd)};
}

template <bool Subscribe>
Result<CommandArgs> subscribe(ArgCursor& in) {
    SubscribeCmd cmd;
    cmd.subscribe = Subscribe;
    if (auto r = one_mailbox(in, cmd.mailbox); !r) return r;
    return CommandArgs{std::move(cmd)};
}

// rename = "RENAME" SP mailbox SP mailbox (rfc3501.txt:4908).
Result<CommandArgs> rename(ArgCursor& in) {
    RenameCmd cmd;
    auto from = in.mailbox("mailbox name");
    if (!from) return from.error();
    if (auto r = in.sp(); !r) return r.error();
    auto to = in.mailbox("new mailbox name");
    if (!to) return to.error();
    if (auto r = in.end(); !r) return r.error();
    cmd.from = std::move(*from);
    cmd.to = std::move(*to);
    return CommandArgs{std::move(cmd)};
}

// RFC 2971 §4 (rfc2971.txt:245): id_params_list ::= "(" #(string SPACE nstring) ")" / nil.
Result<CommandArgs> id(ArgCursor& in) {
    IdCmd cmd;
    if (in.eat_keyword("NIL")) {
        if (auto r = in.end(); !r) return r.error();
        return CommandArgs{std::move(cmd)};
    }
    if (auto r = in.expect('(', "( or NIL"); !r) return r.error();
    cmd.params.emplace();
    if (!in.eat(')')) {
        while (true) {
            auto field = in.string("ID field name");
            if (!field) return field.error();
            if (auto r = in.sp(); !r) return r.error();
            auto value = in.nstring("ID field value");
            if (!value) return value.error();
            cmd.params->emplace_back(std::move(*field), std::move(*value));
            if (in.eat(')')) break;
            if (auto r = in.sp(); !r) return syntax_error("SP or ) in ID list");
        }
    }
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

// RFC 5161 §4 (rfc5161.txt:207): "ENABLE" 1*(SP capability).
Result<CommandArgs> enable(ArgCursor& in) {
    EnableCmd cmd;
    do {
        auto cap = in.atom("capability");
        if (!cap) return cap.error();
        cmd.capabilities.emplace_back(*cap);
    } while (in.eat(' '));
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

// copy = "COPY" SP sequence-set SP mailbox (rfc3501.txt:4685); move (RFC 6851 §5,
// rfc6851.txt:320).
template <bool Uid, bool Move>
Result<CommandArgs> copy(ArgCursor& in) {
    CopyCmd cmd;
    cmd.uid = Uid;
    cmd.move = Move;
    auto set = parse_sequence_set(in);
    if (!set) return set.error();
    cmd.set = std::move(*set);
    if (auto r = in.sp(); !r) return r.error();
    auto m = in.mailbox("mailbox name");
    if (!m) return m.error();
    cmd.mailbox = std::move(*m);
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

// uid-expunge = "UID" SP "EXPUNGE" SP sequence-set (RFC 4315 §4, rfc4315.txt:298).
Result<CommandArgs> uid_expunge(ArgCursor& in) {
    ExpungeCmd cmd;
    auto set = parse_sequence_set(in);
    if (!set) return set.error();
    cmd.uids = std::move(*set);
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

Result<CommandArgs> fetch(ArgCursor& in) { return detail::parse_fetch(in, false); }
Result<CommandArgs> uid_fetch(ArgCursor& in) { return detail::parse_fetch(in, true); }
Result<CommandArgs> store(ArgCursor& in) { return detail::parse_store(in, false); }
Result<CommandArgs> uid_store(ArgCursor& in) { return detail::parse_store(in, true); }
Result<CommandArgs> search(ArgCursor& in) { return detail::parse_search(in, false); }
Result<CommandArgs> uid_search(ArgCursor& in) { return detail::parse_search(in, true); }
Result<CommandArgs> list(ArgCursor& in) { return detail::parse_list(in, false); }
Result<CommandArgs> lsub(ArgCursor& in) { return detail::parse_list(in, true); }

struct Entry {
    std::string_view name;
    bool has_args;  // an SP and arguments follow the name
    Parser parse;
};

// Every command of RFC 3501 and of the extensions the server implements. APPEND is
// handled apart (its literal is moved, not copied).
constexpr Entry kCommands[] = {
    {"CAPABILITY", false, no_args<CapabilityCmd>},
    {"NOOP", false, no_args<NoopCmd>},
    {"LOGOUT", false, no_args<LogoutCmd>},
    {"ID", true, id},
    {"ENABLE", true, enable},
    {"STARTTLS", false, no_args<StartTlsCmd>},
    {"AUTHENTICATE", true, authenticate},
    {"LOGIN", true, login},
    {"SELECT", true, select<false>},
    {"EXAMINE", true, select<true>},
    {"CREATE", true, detail::parse_create},
    {"DELETE", true, delete_mailbox},
    {"RENAME", true, rename},
    {"SUBSCRIBE", true, subscribe<true>},
    {"UNSUBSCRIBE", true, subscribe<false>},
    {"LIST", true, list},
    {"LSUB", true, lsub},
    {"STATUS", true, detail::parse_status},
    {"IDLE", false, no_args<IdleCmd>},
    {"NAMESPACE", false, no_args<NamespaceCmd>},
    {"CHECK", false, no_args<CheckCmd>},
    {"CLOSE", false, no_args<CloseCmd>},
    {"UNSELECT", false, no_args<UnselectCmd>},
    {"EXPUNGE", false, no_args<ExpungeCmd>},
    {"SEARCH", true, search},
    {"FETCH", true, fetch},
    {"STORE", true, store},
    {"COPY", true, copy<false, false>},
    {"MOVE", true, copy<false, true>},
};

// uid = "UID" SP (copy / fetch / search / store) (rfc3501.txt:5070), + MOVE (RFC 6851)
// and EXPUNGE (RFC 4315).
constexpr Entry kUidCommands[] = {
    {"FETCH", true, uid_fetch},
    {"STORE", true, uid_store},
    {"SEARCH", true, uid_search},
    {"COPY", true, copy<true, false>},
    {"MOVE", true, copy<true, true>},
    {"EXPUNGE", true, uid_expunge},
};

template <std::size_t N>
const Entry* find(const Entry (&table)[N], std::string_view name) {
    for (const auto& e : table) {
        if (text::iequals(e.name, name)) return &e;
    }
    return nullptr;
}

Result<CommandArgs> run(const Entry& e, ArgCursor& in) {
    if (e.has_args) {
        if (!in.eat(' ')) return Error::syntax("Missing arguments");
    } else if (!in.at_end()) {
        return Error::syntax("Unexpected arguments");
    }
    return e.parse(in);
}

}  // namespace

ParseResult parse_command(RawCommand raw) {
    ArgCursor in(raw);
    const std::string tag(command_tag(raw.bytes));
    if (tag.empty()) return ParseError{"", "Missing or invalid tag", false};
    auto tag_atom = in.astring_atom("tag");
    if (!tag_atom || tag_atom->size() != tag.size()) return ParseError{"", "Missing or invalid tag", false};
    if (!in.eat(' ')) return ParseError{tag, "Missing command", false};
    auto name = in.atom("command name");
    if (!name) return ParseError{tag, "Missing command", false};

    if (text::iequals(*name, "APPEND")) {
        if (!in.eat(' ')) return ParseError{tag, "Missing arguments", false};
        LiteralSpan message;
        auto args = detail::parse_append(in, message);
        if (!args) return ParseError{tag, args.error().message, false};
        auto& append = std::get<AppendCmd>(*args);
        append.message_was_synchronizing = message.synchronizing;
        // The message is the command's last octets: keep them, drop what precedes.
        raw.bytes.resize(message.offset + message.size);
        raw.bytes.erase(0, message.offset);
        append.message = std::move(raw.bytes);
        return Command{tag, std::move(*args)};
    }

    const Entry* entry = nullptr;
    if (text::iequals(*name, "UID")) {
        if (!in.eat(' ')) return ParseError{tag, "Missing UID command", false};
        auto sub = in.atom("UID command");
        if (!sub || !(entry = find(kUidCommands, *sub))) return ParseError{tag, "Unknown UID command", true};
    } else {
        entry = find(kCommands, *name);
        if (!entry) return ParseError{tag, "Unknown command", true};
    }
    auto args = run(*entry, in);
    if (!args) return ParseError{tag, args.error().message, false};
    return Command{tag, std::move(*args)};
}

std::string_view command_name(const CommandArgs& args) {
    struct Namer {
        std::string_view operator()(const CapabilityCmd&) const { return "CAPABILITY"; }
        std::string_view operator()(const NoopCmd&) const { return "NOOP"; }
        std::string_view operator()(const LogoutCmd&) const { return "LOGOUT"; }
        std::string_view operator()(const IdCmd&) const { return "ID"; }
        std::string_view operator()(const EnableCmd&) const { return "ENABLE"; }
        std::string_view operator()(const StartTlsCmd&) const { return "STARTTLS"; }
        std::string_view operator()(const AuthenticateCmd&) const { return "AUTHENTICATE"; }
        std::string_view operator()(const LoginCmd&) const { return "LOGIN"; }
        std::string_view operator()(const SelectCmd& c) const { return c.read_only ? "EXAMINE" : "SELECT"; }
        std::string_view operator()(const CreateCmd&) const { return "CREATE"; }
        std::string_view operator()(const DeleteCmd&) const { return "DELETE"; }
        std::string_view operator()(const RenameCmd&) const { return "RENAME"; }
        std::string_view operator()(const SubscribeCmd& c) const { return c.subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE"; }
        std::string_view operator()(const ListCmd& c) const { return c.lsub ? "LSUB" : "LIST"; }
        std::string_view operator()(const StatusCmd&) const { return "STATUS"; }
        std::string_view operator()(const AppendCmd&) const { return "APPEND"; }
        std::string_view operator()(const IdleCmd&) const { return "IDLE"; }
        std::string_view operator()(const NamespaceCmd&) const { return "NAMESPACE"; }
        std::string_view operator()(const CheckCmd&) const { return "CHECK"; }
        std::string_view operator()(const CloseCmd&) const { return "CLOSE"; }
        std::string_view operator()(const UnselectCmd&) const { return "UNSELECT"; }
        std::string_view operator()(const ExpungeCmd& c) const { return c.uids ? "UID EXPUNGE" : "EXPUNGE"; }
        std::string_view operator()(const SearchCmd& c) const { return c.uid ? "UID SEARCH" : "SEARCH"; }
        std::string_view operator()(const FetchCmd& c) const { return c.uid ? "UID FETCH" : "FETCH"; }
        std::string_view operator()(const StoreCmd& c) const { return c.uid ? "UID STORE" : "STORE"; }
        std::string_view operator()(const CopyCmd& c) const {
            if (c.move) return c.uid ? "UID MOVE" : "MOVE";
            return c.uid ? "UID COPY" : "COPY";
        }
    };
    return std::visit(Namer{}, args);
}

}  // namespace mr::imapd
