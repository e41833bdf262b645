// Session core: input framing through CommandReader, the state check of every command
// and the dispatch to the per-state command handlers (session_auth.cpp,
// session_mailboxes.cpp). See session.hpp for the invariants.
#include "imapd/session/session.hpp"

#include <utility>

#include "imapd/proto/parse_command.hpp"

namespace mr::imapd::session {

namespace {

void append_actions(Actions& out, Actions more) {
    for (auto& a : more) out.push_back(std::move(a));
}

SessionState rules_state(bool selected, bool authenticated) {
    if (selected) return SessionState::Selected;
    return authenticated ? SessionState::Authenticated : SessionState::NotAuthenticated;
}

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
        state_ = State::Logout;
    }
    return out;
}

Actions Session::async(Action a) {
    busy_ = true;
    Actions out;
    out.push_back(std::move(a));
    return out;
}

std::string_view Session::state_name() const {
    switch (state_) {
        case State::NotAuthenticated: return "not_authenticated";
        case State::Authenticated: return "authenticated";
        case State::Selected: return "selected";
        case State::Logout: return "logout";
    }
    return "?";
}

Actions Session::start() {
    return {{Send{line("* OK [CAPABILITY " + capabilities() + "] " + options_.hostname +
                       " IMAP4rev1 ready")}}};
}

Actions Session::on_input(std::string_view& input) {
    Actions out;
    while (!busy_ && state_ != State::Logout) {
        ReaderEvent ev = reader_.next(input);
        if (std::holds_alternative<ReaderNeedMore>(ev)) break;
        append_actions(out, on_event(ev));
        // STARTTLS: nothing after it in the clear may be acted on (rfc3501.txt:1488).
        for (const auto& a : out) {
            if (std::holds_alternative<StartTls>(a.v)) {
                input = {};
                return out;
            }
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
    const CommandRules rules = command_rules(cmd.args);
    const SessionState st = rules_state(state_ == State::Selected, state_ != State::NotAuthenticated);
    if (!allowed_in(rules, st)) {
        if (state_ == State::NotAuthenticated) return bad(cmd.tag, "Log in first");
        if (st == SessionState::Authenticated && (rules.states & static_cast<std::uint8_t>(SessionState::Selected)))
            return bad(cmd.tag, "No mailbox selected");
        return bad(cmd.tag, "Command not valid in this state");
    }
    errors_ = 0;
    begin_command(cmd);
    return complete(dispatch(cmd));
}

Actions Session::dispatch(Command& cmd) {
    const std::string& tag = cmd.tag;
    return std::visit(
        [&](auto& c) -> Actions {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, CapabilityCmd>) return cmd_capability(tag);
            else if constexpr (std::is_same_v<T, NoopCmd>) return tagged(tag, "OK", "NOOP completed");
            else if constexpr (std::is_same_v<T, LogoutCmd>) return cmd_logout(tag);
            else if constexpr (std::is_same_v<T, IdCmd>) return cmd_id(tag, c);
            else if constexpr (std::is_same_v<T, EnableCmd>) return cmd_enable(tag, c);
            else if constexpr (std::is_same_v<T, StartTlsCmd>) return cmd_starttls(tag);
            else if constexpr (std::is_same_v<T, AuthenticateCmd>) return cmd_authenticate(tag, c);
            else if constexpr (std::is_same_v<T, LoginCmd>) return cmd_login(tag, c);
            else if constexpr (std::is_same_v<T, NamespaceCmd>) return cmd_namespace(tag);
            else if constexpr (std::is_same_v<T, ListCmd>) return cmd_list(tag, c);
            else if constexpr (std::is_same_v<T, CreateCmd>) return cmd_create(tag, c);
            else if constexpr (std::is_same_v<T, DeleteCmd>) return cmd_delete(tag, c);
            else if constexpr (std::is_same_v<T, RenameCmd>) return cmd_rename(tag, c);
            else if constexpr (std::is_same_v<T, SubscribeCmd>) return cmd_subscribe(tag, c);
            else if constexpr (std::is_same_v<T, StatusCmd>) return cmd_status(tag, c);
            else if constexpr (std::is_same_v<T, SelectCmd>) return cmd_select(tag, c);
            else if constexpr (std::is_same_v<T, AppendCmd>) return cmd_append(tag, c);
            else if constexpr (std::is_same_v<T, IdleCmd>) return cmd_idle(tag);
            else if constexpr (std::is_same_v<T, CheckCmd>) return tagged(tag, "OK", "CHECK completed");
            else if constexpr (std::is_same_v<T, CloseCmd>) return cmd_close(tag, true);
            else if constexpr (std::is_same_v<T, UnselectCmd>) return cmd_close(tag, false);
            else if constexpr (std::is_same_v<T, FetchCmd>) return cmd_fetch(tag, c);
            else if constexpr (std::is_same_v<T, StoreCmd>) return cmd_store(tag, c);
            else if constexpr (std::is_same_v<T, ExpungeCmd>) return cmd_expunge(tag, c);
            else if constexpr (std::is_same_v<T, CopyCmd>) return cmd_copy(tag, c);
            else if constexpr (std::is_same_v<T, SearchCmd>) return cmd_search(tag, c);
            // Every command of the variant has its handler above.
            else return tagged(tag, "NO", "[CANNOT] " + std::string(command_name(cmd.args)) +
                                              " is not implemented");
        },
        cmd.args);
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
    state_ = State::Logout;
    return {{Send{line("* BYE Autologout; idle for too long")}}, {Close{}}};
}

Actions Session::on_tls_ready() {
    options_.tls_active = true;
    reader_.reset();
    return {};
}

}  // namespace mr::imapd::session
