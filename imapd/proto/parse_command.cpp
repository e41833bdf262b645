// command = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF
// (rfc3501.txt:4665): the tag and the name here, the entry's parser from the command
// table (command_table.cpp); the small grammars here too. The big grammars live in
// parse_mailbox_commands.cpp, parse_fetch.cpp and parse_search.cpp.
#include "imapd/proto/parse_command.hpp"

#include <string>
#include <utility>

#include "imapd/proto/command_table.hpp"
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
    // sequence-set =/ seq-last-command; seq-last-command = "$" (RFC 5182 §3): the whole set.
    if (in.eat('$')) {
        if (is_sequence_char(in.peek()) || in.peek() == '$') return syntax_error("$ alone, not in a list or range");
        return SequenceSet::saved_result();
    }
    const std::string_view text = in.take_while(is_sequence_char);
    if (text.empty()) return syntax_error("sequence set");
    return SequenceSet::parse(text);
}

}  // namespace detail

namespace {

Result<CommandArgs> one_mailbox(ArgCursor& in, std::string& out) {
    auto m = in.mailbox("mailbox name");
    if (!m) return m.error();
    out = std::move(*m);
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{};
}

}  // namespace

namespace detail {
// RFC 9051 §9 (rfc9051.txt:6341): AUTHENTICATE SP auth-type [SP initial-resp],
// initial-resp = (base64 / "=") (rfc9051.txt:6596); SASL-IR, RFC 4959.
Result<CommandArgs> parse_authenticate(ArgCursor& in) {
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
Result<CommandArgs> parse_login(ArgCursor& in) {
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

namespace {

// "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"
// (RFC 7162 §7, rfc7162.txt:2598), with "QRESYNC" read.
Result<QresyncParams> qresync_param(ArgCursor& in) {
    QresyncParams q;
    if (auto r = in.sp(); !r) return r.error();
    if (auto r = in.expect('(', "( after QRESYNC"); !r) return r.error();
    auto validity = in.nz_number("UIDVALIDITY");
    if (!validity) return validity.error();
    q.uidvalidity = *validity;
    if (auto r = in.sp(); !r) return r.error();
    auto modseq = parse_mod_sequence(in);
    if (!modseq) return modseq.error();
    if (*modseq == 0) return Error::syntax("QRESYNC mod-sequence must be positive");
    q.modseq = *modseq;
    bool more = in.eat(' ');
    if (more && in.peek() != '(') {
        auto known = parse_sequence_set(in);
        if (!known) return known.error();
        if (known->uses_star()) return Error::syntax("* is not allowed in known UIDs");  // rfc7162.txt:2609
        q.known_uids = std::move(*known);
        more = in.eat(' ');
    }
    if (more) {
        // seq-match-data: checked for syntax only (see QresyncParams).
        if (auto r = in.expect('(', "( before sequence match data"); !r) return r.error();
        if (auto set = parse_sequence_set(in); !set) return set.error();
        if (auto r = in.sp(); !r) return r.error();
        if (auto set = parse_sequence_set(in); !set) return set.error();
        if (auto r = in.expect(')', ") after sequence match data"); !r) return r.error();
    }
    if (auto r = in.expect(')', ") after QRESYNC parameters"); !r) return r.error();
    return q;
}

}  // namespace

// select = "SELECT" SP mailbox [select-params]; select-params = SP "(" select-param
// *(SP select-param) ")" (RFC 4466 §2.1, rfc4466.txt:652); the select-params of
// RFC 7162: CONDSTORE and QRESYNC (rfc7162.txt:2598).
Result<CommandArgs> parse_select(ArgCursor& in, bool read_only) {
    SelectCmd cmd;
    cmd.read_only = read_only;
    auto m = in.mailbox("mailbox name");
    if (!m) return m.error();
    cmd.mailbox = std::move(*m);
    if (in.eat(' ')) {
        if (auto r = in.expect('(', "( before SELECT parameters"); !r) return r.error();
        do {
            if (in.eat_keyword("CONDSTORE")) {
                cmd.condstore = true;
            } else if (in.eat_keyword("QRESYNC")) {
                if (cmd.qresync) return Error::syntax("QRESYNC given twice");
                auto q = qresync_param(in);
                if (!q) return q.error();
                cmd.qresync = std::move(*q);
            } else {
                return syntax_error("SELECT parameter CONDSTORE or QRESYNC");
            }
        } while (in.eat(' '));
        if (auto r = in.expect(')', ") after SELECT parameters"); !r) return r.error();
    }
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

Result<CommandArgs> parse_delete(ArgCursor& in) {
    DeleteCmd cmd;
    if (auto r = one_mailbox(in, cmd.mailbox); !r) return r;
    return CommandArgs{std::move(cmd)};
}

Result<CommandArgs> parse_subscribe(ArgCursor& in, bool subscribe) {
    SubscribeCmd cmd;
    cmd.subscribe = subscribe;
    if (auto r = one_mailbox(in, cmd.mailbox); !r) return r;
    return CommandArgs{std::move(cmd)};
}

// rename = "RENAME" SP mailbox SP mailbox (rfc3501.txt:4908).
Result<CommandArgs> parse_rename(ArgCursor& in) {
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
Result<CommandArgs> parse_id(ArgCursor& in) {
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
Result<CommandArgs> parse_enable(ArgCursor& in) {
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
Result<CommandArgs> parse_copy(ArgCursor& in, bool uid, bool move) {
    CopyCmd cmd;
    cmd.uid = uid;
    cmd.move = move;
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
Result<CommandArgs> parse_uid_expunge(ArgCursor& in) {
    ExpungeCmd cmd;
    auto set = parse_sequence_set(in);
    if (!set) return set.error();
    cmd.uids = std::move(*set);
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

Result<CommandArgs> parse_append_command(ArgCursor& in, RawCommand& raw) {
    std::vector<LiteralSpan> literals;
    auto args = parse_append(in, literals);
    if (!args) return args;
    auto& messages = std::get<AppendCmd>(*args).messages;
    for (std::size_t i = 0; i + 1 < literals.size(); ++i)
        messages[i].message.assign(raw.bytes, literals[i].offset, literals[i].size);
    // The last message is the command's last octets: keep them, drop what precedes.
    const LiteralSpan& last = literals.back();
    raw.bytes.resize(last.offset + last.size);
    raw.bytes.erase(0, last.offset);
    messages.back().message = std::move(raw.bytes);
    return args;
}

}  // namespace detail

namespace {

Result<CommandArgs> run(const CommandSpec& e, ArgCursor& in, RawCommand& raw) {
    if (e.has_args) {
        if (!in.eat(' ')) return Error::syntax("Missing arguments");
    } else if (!in.at_end()) {
        return Error::syntax("Unexpected arguments");
    }
    return e.parse(in, raw);
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

    const CommandSpec* entry = nullptr;
    if (text::iequals(*name, "UID")) {
        if (!in.eat(' ')) return ParseError{tag, "Missing UID command", false};
        auto sub = in.atom("UID command");
        if (!sub || !(entry = find_command(*sub, true))) return ParseError{tag, "Unknown UID command", true};
    } else {
        entry = find_command(*name, false);
        if (!entry) return ParseError{tag, "Unknown command", true};
    }
    auto args = run(*entry, in, raw);
    if (!args) return ParseError{tag, args.error().message, false};
    return Command{tag, std::move(*args), entry};
}

std::string_view command_name(const Command& cmd) { return cmd.spec ? cmd.spec->name : std::string_view("?"); }

}  // namespace mr::imapd
