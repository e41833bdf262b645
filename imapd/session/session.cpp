// Session core: input framing through CommandReader, the state check of every command
// and the dispatch to the per-state command handlers (session_auth.cpp,
// session_mailboxes.cpp). See session.hpp for the invariants.
#include "imapd/session/session.hpp"

#include <type_traits>
#include <utility>

#include "imapd/proto/command_table.hpp"
#include "imapd/proto/parse_command.hpp"

namespace mr::imapd::session {

namespace {

void append_actions(Actions& out, Actions more) {
    for (auto& a : more) out.push_back(std::move(a));
}

// The command table's name for a state (Logout takes no commands: on_input stops).
struct TableState {
    SessionState operator()(const NotAuthenticated&) const { return SessionState::NotAuthenticated; }
    SessionState operator()(const Authenticated&) const { return SessionState::Authenticated; }
    SessionState operator()(const Selected&) const { return SessionState::Selected; }
    SessionState operator()(const Logout&) const { return SessionState::NotAuthenticated; }
};

struct StateName {
    std::string_view operator()(const NotAuthenticated&) const { return "not_authenticated"; }
    std::string_view operator()(const Authenticated&) const { return "authenticated"; }
    std::string_view operator()(const Selected&) const { return "selected"; }
    std::string_view operator()(const Logout&) const { return "logout"; }
};

}  // namespace

Session::Session(SessionOptions options)
    : options_(std::move(options)), reader_(0, options_.max_command_line) {}

std::string Session::line(std::string_view text) {
    std::string out(text);
    out += "\r\n";
    return out;
}

Actions Session::tagged(const std::string& tag, std::string_view status, std::string_view text) {
    Actions out;
    std::string s = tag.empty() ? std::string("*") : tag;
    s += ' ';
    s += status;
    s += ' ';
    s += text;
    out.push_back({Send{line(s)}});
    return out;
}

// Consecutive BADs end the session (a client speaking another protocol, or garbage).
Actions Session::bad(const std::string& tag, std::string_view text) {
    Actions out = tagged(tag, "BAD", text);
    if (++errors_ >= options_.max_errors) {
        out.push_back({Send{line("* BYE Too many errors")}});
        out.push_back({Close{}});
        state_ = Logout{};
    }
    return out;
}

Actions Session::async(Action a) {
    busy_ = true;
    Actions out;
    out.push_back(std::move(a));
    return out;
}

std::string_view Session::state_name() const { return std::visit(StateName{}, state_); }

const std::string& Session::selected_mailbox() const {
    static const std::string kNone;
    const auto* sel = std::get_if<Selected>(&state_);
    return sel ? sel->mailbox : kNone;
}

const std::string& Session::selected_owner() const {
    static const std::string kNone;
    const auto* sel = std::get_if<Selected>(&state_);
    return sel ? sel->owner : kNone;
}

Actions Session::start() {
    return {{Send{line("* OK [CAPABILITY " + capabilities() + "] " + options_.hostname +
                       " IMAP4rev1 ready")}}};
}

Actions Session::on_input(std::string_view& input) {
    Actions out;
    while (!busy_ && !in<Logout>()) {
        ReaderEvent ev = reader_.next(input);
        if (std::holds_alternative<ReaderNeedMore>(ev)) break;
        append_actions(out, on_event(ev));
        // STARTTLS: nothing after it in the clear may be acted on (rfc3501.txt:1488).
        // COMPRESS: what follows is compressed; the glue inflates it and feeds it again.
        // UNAUTHENTICATE under COMPRESS: what follows is not; likewise.
        for (const auto& a : out) {
            if (std::holds_alternative<StartTls>(a.v)) {
                input = {};
                return out;
            }
            if (std::holds_alternative<StartCompression>(a.v) || std::holds_alternative<EndCompression>(a.v))
                return out;
        }
    }
    return out;
}

Actions Session::on_event(ReaderEvent& ev) {
    if (auto* c = std::get_if<SendContinuation>(&ev)) {
        (void)c;
        return {{Send{line("+ Ready for literal data")}}};
    }
    if (auto* r = std::get_if<CommandRejected>(&ev)) {
        std::string text = r->code.empty() ? r->text : "[" + r->code + "] " + r->text;
        if (r->raw_line) {
            // A SASL response or IDLE's DONE that could not be read: end that exchange.
            sasl_.reset();
            std::string tag = !sasl_tag_.empty() ? std::exchange(sasl_tag_, {}) : std::exchange(idle_tag_, {});
            return bad(tag, text);
        }
        return r->bad ? bad(r->tag, text) : tagged(r->tag, "NO", text);
    }
    if (auto* l = std::get_if<RawLineReady>(&ev)) return on_raw_line(l->line);
    auto& ready = std::get<CommandReady>(ev);
    ParseResult parsed = parse_command(std::move(ready.command));
    if (auto* err = std::get_if<ParseError>(&parsed)) return bad(err->tag, err->reason);
    return on_command(std::get<Command>(parsed));
}

Actions Session::on_command(Command& cmd) {
    const CommandSpec& spec = *cmd.spec;
    const SessionState st = std::visit(TableState{}, state_);
    if (!spec.allowed_in(st)) {
        if (st == SessionState::NotAuthenticated) return bad(cmd.tag, "Log in first");
        if (st == SessionState::Authenticated && spec.allowed_in(SessionState::Selected))
            return bad(cmd.tag, "No mailbox selected");
        return bad(cmd.tag, "Command not valid in this state");
    }
    errors_ = 0;
    begin_command(cmd);
    return complete(dispatch(cmd));
}

// The session's half of the command table (command_table.hpp): one handler per
// CommandArgs type, which is what the entries' parsers produce. std::visit refuses to
// compile if a type has no handler here; the entry's own name tells SELECT from EXAMINE
// and FETCH from UID FETCH where the handler needs it (through the arguments).
struct Session::Handlers {
    Session& s;
    const std::string& tag;

    Actions operator()(CapabilityCmd&) const { return s.cmd_capability(tag); }
    Actions operator()(NoopCmd&) const { return s.tagged(tag, "OK", "NOOP completed"); }
    Actions operator()(LogoutCmd&) const { return s.cmd_logout(tag); }
    Actions operator()(IdCmd& c) const { return s.cmd_id(tag, c); }
    Actions operator()(EnableCmd& c) const { return s.cmd_enable(tag, c); }
    Actions operator()(StartTlsCmd&) const { return s.cmd_starttls(tag); }
    Actions operator()(AuthenticateCmd& c) const { return s.cmd_authenticate(tag, c); }
    Actions operator()(LoginCmd& c) const { return s.cmd_login(tag, c); }
    Actions operator()(NamespaceCmd&) const { return s.cmd_namespace(tag); }
    Actions operator()(ListCmd& c) const { return s.cmd_list(tag, c); }
    Actions operator()(CreateCmd& c) const { return s.cmd_create(tag, c); }
    Actions operator()(DeleteCmd& c) const { return s.cmd_delete(tag, c); }
    Actions operator()(RenameCmd& c) const { return s.cmd_rename(tag, c); }
    Actions operator()(SubscribeCmd& c) const { return s.cmd_subscribe(tag, c); }
    Actions operator()(StatusCmd& c) const { return s.cmd_status(tag, c); }
    Actions operator()(SelectCmd& c) const { return s.cmd_select(tag, c); }
    Actions operator()(AppendCmd& c) const { return s.cmd_append(tag, c); }
    Actions operator()(IdleCmd&) const { return s.cmd_idle(tag); }
    Actions operator()(CheckCmd&) const { return s.tagged(tag, "OK", "CHECK completed"); }
    Actions operator()(CloseCmd&) const { return selected([&](Selected& v) { return s.cmd_close(tag, true, v); }); }
    Actions operator()(UnselectCmd&) const { return selected([&](Selected& v) { return s.cmd_close(tag, false, v); }); }
    Actions operator()(FetchCmd& c) const { return selected([&](Selected& v) { return s.cmd_fetch(tag, c, v); }); }
    Actions operator()(StoreCmd& c) const { return selected([&](Selected& v) { return s.cmd_store(tag, c, v); }); }
    Actions operator()(ExpungeCmd& c) const { return selected([&](Selected& v) { return s.cmd_expunge(tag, c, v); }); }
    Actions operator()(CopyCmd& c) const { return selected([&](Selected& v) { return s.cmd_copy(tag, c, v); }); }
    Actions operator()(SearchCmd& c) const { return selected([&](Selected& v) { return s.cmd_search(tag, c, v); }); }
    Actions operator()(GetQuotaCmd& c) const { return s.cmd_getquota(tag, c); }
    Actions operator()(GetQuotaRootCmd& c) const { return s.cmd_getquotaroot(tag, c); }
    Actions operator()(SetQuotaCmd& c) const { return s.cmd_setquota(tag, c); }
    Actions operator()(CompressCmd& c) const { return s.cmd_compress(tag, c); }
    Actions operator()(SortCmd& c) const { return selected([&](Selected& v) { return s.cmd_sort(tag, c, v); }); }
    Actions operator()(ThreadCmd& c) const { return selected([&](Selected& v) { return s.cmd_thread(tag, c, v); }); }
    Actions operator()(GetAclCmd& c) const { return s.cmd_getacl(tag, c); }
    Actions operator()(SetAclCmd& c) const { return s.cmd_setacl(tag, c); }
    Actions operator()(DeleteAclCmd& c) const { return s.cmd_deleteacl(tag, c); }
    Actions operator()(ListRightsCmd& c) const { return s.cmd_listrights(tag, c); }
    Actions operator()(MyRightsCmd& c) const { return s.cmd_myrights(tag, c); }
    Actions operator()(CancelUpdateCmd& c) const {
        return selected([&](Selected& v) { return s.cmd_cancelupdate(tag, c, v); });
    }
    Actions operator()(NotifyCmd& c) const { return s.cmd_notify(tag, c); }
    Actions operator()(UnauthenticateCmd&) const { return s.cmd_unauthenticate(tag); }

    // The state check (on_command, from the command's table entry) has made sure a mailbox
    // is selected; this hands its view over, and refuses like the check if it is not.
    template <class F>
    Actions selected(F handler) const {
        Selected* view = s.selected();
        if (!view) return s.bad(tag, "No mailbox selected");
        return handler(*view);
    }
};

namespace {

template <class H, class V>
struct HandlesEvery;
template <class H, class... T>
struct HandlesEvery<H, std::variant<T...>> {
    static constexpr bool value = (std::is_invocable_r_v<Actions, const H&, T&> && ...);
};

}  // namespace

Actions Session::dispatch(Command& cmd) {
    static_assert(HandlesEvery<Handlers, CommandArgs>::value,
                  "every command of the table (every CommandArgs type) needs a handler in Session::Handlers");
    return std::visit(Handlers{*this, cmd.tag}, cmd.args);
}

Actions Session::cmd_idle(const std::string& tag) {
    // RFC 2177 §3 (rfc2177.txt:85): "+ idling", then wait for DONE; updates come from
    // on_idle_tick().
    idle_tag_ = tag;
    reader_.expect_raw_line();
    return {{Send{line("+ idling")}}};
}

Actions Session::on_raw_line(std::string_view raw) {
    if (sasl_) {
        if (raw == "*") {
            sasl_.reset();
            return tagged(std::exchange(sasl_tag_, {}), "BAD", "AUTHENTICATE cancelled");
        }
        return sasl_step(sasl_->step(raw));
    }
    std::string tag = std::exchange(idle_tag_, {});
    if (raw.size() == 4 && (raw[0] | 0x20) == 'd' && (raw[1] | 0x20) == 'o' && (raw[2] | 0x20) == 'n' &&
        (raw[3] | 0x20) == 'e')
        return tagged(tag, "OK", "IDLE terminated");
    return bad(tag, "Expected DONE");
}

Actions Session::resume(const StoreResume& next) {
    busy_ = false;
    return complete(next());
}

Actions Session::on_timeout() {
    state_ = Logout{};
    return {{Send{line("* BYE Autologout; idle for too long")}}, {Close{}}};
}

Actions Session::on_tls_ready() {
    options_.tls_active = true;
    reader_.reset();
    return {};
}

}  // namespace mr::imapd::session
