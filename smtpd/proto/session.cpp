// Session: input framing, dispatch, replies and the commands outside a mail transaction.
// MAIL/RCPT/DATA/BDAT are in session_mail.cpp, STARTTLS/AUTH in session_auth.cpp.
#include "smtpd/proto/session.hpp"

#include <algorithm>

#include "common/text/ascii.hpp"
#include "common/text/cross_protocol.hpp"

namespace mr::smtpd {

namespace {

// EHLO/HELO argument: a domain or an address literal (RFC 5321 §4.1.1.1, rfc5321.txt:1717).
// Checked loosely ('_' and UTF-8 are common in the wild) but never lets control bytes,
// spaces or comment delimiters through, since it is copied into the Received: field.
bool plausible_helo(std::string_view name) {
    if (name.empty() || name.size() > 255) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return text::is_alnum(c) || text::is_non_ascii(c) || c == '.' || c == '-' || c == '_' || c == ':' ||
               c == '[' || c == ']';
    });
}

}  // namespace

Session::Session(SessionOptions options)
    : options_(std::move(options)),
      unstuffer_(options_.max_message_size),
      tls_active_(options_.tls_active),
      tls_version_(options_.tls_version),
      tls_cipher_(options_.tls_cipher) {}

void Session::send(Actions& out, std::string bytes) {
    // Replies to pipelined commands leave in one write.
    if (!out.empty()) {
        if (auto* s = std::get_if<Send>(&out.back())) {
            s->bytes += bytes;
            return;
        }
    }
    out.push_back(Send{std::move(bytes)});
}

void Session::close(Actions& out) {
    closed_ = true;
    mode_ = Mode::Blocked;
    out.push_back(Close{});
}

void Session::reply(Actions& out, const Reply& r, std::string_view command) {
    send(out, r.format());
    if (r.code < 400) return;
    out.push_back(LogEvent{"smtp_error",
                           {{"command", printable(command, 16)},
                            {"code", std::to_string(r.code)},
                            {"reply", r.enhanced + " " + r.text}},
                           true});
    if (++errors_ >= options_.max_errors && !closed_) {
        send(out, Reply{421, "4.7.0", options_.hostname + " Too many errors, closing connection"}.format());
        close(out);
    }
}

void Session::reset_transaction() {
    tx_.reset();
    message_.clear();
    message_.shrink_to_fit();
    inspector_.reset();
    // Callers without an Actions list (STARTTLS) reset too: the SpoolDiscard leaves with the
    // next flush_spool_discard (end of process()).
    if (spooling_) discard_spool_ = true;
    spooling_ = false;
    head_.clear();
    head_.shrink_to_fit();
    after_spool_ = AfterSpool::Nothing;
    data_since_.reset();
    data_bytes_ = 0;
}

void Session::flush_spool_discard(Actions& out) {
    if (!discard_spool_) return;
    discard_spool_ = false;
    out.push_back(SpoolDiscard{});
}

// RFC 5321 §4.2 / §3.1 (rfc5321.txt:2588): the greeting.
Actions Session::start() {
    Actions out;
    send(out, "220 " + options_.hostname + " ESMTP mailroom\r\n");
    return out;
}

Actions Session::start_refused(std::string reason) {
    Actions out;
    refusal_ = std::move(reason);
    send(out, Reply{554, "5.7.1", refusal_}.format());
    out.push_back(LogEvent{"refused_at_greeting", {{"reason", refusal_}}, true});
    return out;
}

Actions Session::on_bytes(std::string_view bytes, Clock::time_point now) {
    if (now > now_) now_ = now;
    return on_bytes(bytes);
}

Actions Session::on_bytes(std::string_view bytes) {
    Actions out;
    if (closed_ || mode_ == Mode::Blocked) return out;
    if (data_since_) data_bytes_ += bytes.size();
    if (check_data_pace(out)) return out;
    input_.append(bytes);
    process(out);
    return out;
}

Actions Session::on_tick(Clock::time_point now) {
    Actions out;
    if (now > now_) now_ = now;
    if (closed_) return out;
    check_data_pace(out);
    return out;
}

std::optional<Clock::time_point> Session::next_data_check() const {
    if (!data_since_ || closed_) return std::nullopt;
    Clock::time_point at = *data_since_ + options_.data_deadline;
    if (options_.data_min_rate > 0) {
        // When the average would fall below the minimum if nothing more arrived.
        const std::chrono::milliseconds covered(data_bytes_ * 1000 / options_.data_min_rate + 1);
        at = std::min(at, *data_since_ + std::max<Clock::duration>(options_.data_rate_grace, covered));
    }
    return at;
}

// The client's time for one message: the idle timeout alone lets a client keep a session
// (and its message) for ever by sending a byte now and then. Time spent waiting for our
// own work (busy: a spool append) is not checked.
bool Session::check_data_pace(Actions& out) {
    if (!data_since_ || closed_ || busy_) return false;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now_ - *data_since_);
    std::string reason;
    if (elapsed >= options_.data_deadline) {
        reason = "deadline";
    } else if (options_.data_min_rate > 0 && elapsed >= options_.data_rate_grace &&
               data_bytes_ * 1000 < options_.data_min_rate * static_cast<std::uint64_t>(elapsed.count())) {
        reason = "min_rate";
    }
    if (reason.empty()) return false;
    // RFC 3463 X.4.2 (rfc3463.txt:469): "Bad connection"; 421 closes (RFC 5321 §3.8).
    send(out, Reply{421, "4.4.2", options_.hostname + " Data timeout, closing connection"}.format());
    out.push_back(LogEvent{"data_timeout",
                           {{"reason", reason},
                            {"ms", std::to_string(elapsed.count())},
                            {"octets", std::to_string(data_bytes_)},
                            {"bdat", tx_ && tx_->used_bdat ? "true" : "false"}},
                           true});
    reset_transaction();
    flush_spool_discard(out);
    close(out);
    return true;
}

void Session::process(Actions& out) {
    while (!busy_ && !closed_ && mode_ != Mode::Blocked && input_pos_ < input_.size()) {
        std::string_view view(input_.data() + input_pos_, input_.size() - input_pos_);
        if (mode_ == Mode::Data) {
            const auto status = unstuffer_.feed(view, message_);
            input_pos_ = input_.size() - view.size();
            const bool done = status == text::DotUnstuffer::Status::Done;
            if (spool_out(out, done)) {
                if (done) after_spool_ = AfterSpool::FinishData;
            } else if (done) {
                finish_data(out);
            }
            continue;
        }
        const text::LineEvent event = lines_.next(view);
        input_pos_ = input_.size() - view.size();
        if (std::holds_alternative<text::NeedMore>(event)) break;
        if (const auto* line = std::get_if<text::Line>(&event)) {
            handle_line(*line, out);
        } else if (std::holds_alternative<text::LineTooLong>(event)) {
            handle_too_long(out);
        } else if (const auto* chunk = std::get_if<text::RawChunk>(&event)) {
            bdat_bytes(chunk->bytes, chunk->last, out);
        }  // RefusedLine: kCommandLines refuses nothing
    }
    flush_spool_discard(out);
    if (input_pos_ >= input_.size()) {
        input_.clear();
        input_pos_ = 0;
        if (input_.capacity() > 64 * 1024) input_.shrink_to_fit();
    } else if (input_pos_ > 64 * 1024) {
        input_.erase(0, input_pos_);
        input_pos_ = 0;
    }
}

void Session::handle_too_long(Actions& out) {
    if (mode_ == Mode::Sasl) {
        sasl_.reset();
        mode_ = Mode::Command;
        reply(out, Reply{500, "5.5.6", "Authentication exchange line is too long"}, "AUTH");
        return;
    }
    reply(out, Reply{500, "5.5.2", "Line too long"}, "?");
}

void Session::handle_line(const text::Line& line, Actions& out) {
    if (mode_ == Mode::Sasl) {
        sasl_step(sasl_->step(line.text), out);
        return;
    }
    if (line.bare_cr) {
        reply(out, Reply{500, "5.5.2", "Bare CR in command line"}, "?");
        return;
    }
    const Command cmd = parse_command(line.text);
    if (line.text.size() > kMaxCommandLine && cmd.verb != Verb::Auth) {
        reply(out, Reply{500, "5.5.2", "Line too long"}, cmd.keyword);
        return;
    }
    if (line.text.empty()) {
        reply(out, Reply{500, "5.5.2", "Empty command"}, "");
        return;
    }
    dispatch(cmd, out);
}

bool Session::count_junk(Actions& out) {
    if (++junk_ <= options_.max_commands_without_transaction) return true;
    send(out, Reply{421, "4.7.0", options_.hostname + " Too many commands without a transaction"}.format());
    out.push_back(LogEvent{"too_many_commands", {{"count", std::to_string(junk_)}}, true});
    close(out);
    return false;
}

void Session::dispatch(const Command& cmd, Actions& out) {
    if (!refusal_.empty() && cmd.verb != Verb::Quit) {
        reply(out, Reply{503, "5.5.1", "Bad sequence of commands: " + refusal_}, cmd.keyword);
        count_junk(out);
        return;
    }
    switch (cmd.verb) {
        case Verb::Mail: mail(cmd, out); return;
        case Verb::Rcpt: rcpt(cmd, out); return;
        case Verb::Data: data(cmd, out); return;
        case Verb::Bdat: bdat(cmd, out); return;
        case Verb::Starttls: starttls(cmd, out); return;
        case Verb::Auth: auth(cmd, out); return;
        case Verb::Quit:  // RFC 5321 §4.1.1.10 (rfc5321.txt:2207)
            send(out, Reply{221, "2.0.0", options_.hostname + " Bye"}.format());
            close(out);
            return;
        default: break;
    }
    if (!count_junk(out)) return;
    switch (cmd.verb) {
        case Verb::Ehlo:
        case Verb::Helo: ehlo(cmd, out); return;
        case Verb::Rset:  // RFC 5321 §4.1.1.5 (rfc5321.txt:2081)
            if (!cmd.arg.empty()) return reply(out, Reply{501, "5.5.4", "RSET takes no argument"}, cmd.keyword);
            reset_transaction();
            return reply(out, Reply{250, "2.0.0", "OK"});
        case Verb::Noop:  // RFC 5321 §4.1.1.9: the argument is ignored
            return reply(out, Reply{250, "2.0.0", "OK"});
        case Verb::Vrfy:  // RFC 5321 §3.5.3 (rfc5321.txt:1389): 252, revealing nothing
            if (cmd.arg.empty()) return reply(out, Reply{501, "5.5.4", "Syntax: VRFY address"}, cmd.keyword);
            return reply(out, Reply{252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"});
        case Verb::Expn:
            return reply(out, Reply{502, "5.5.1", "EXPN not available"}, cmd.keyword);
        case Verb::Help:
            return reply(out, Reply{214, "2.0.0", "See RFC 5321 (https://www.rfc-editor.org/rfc/rfc5321)"});
        default: break;
    }
    if (text::is_http_verb(cmd.keyword)) {
        send(out, Reply{500, "5.5.1", "This is an SMTP server"}.format());
        out.push_back(LogEvent{"http_request", {}, true});
        close(out);
        return;
    }
    reply(out, Reply{500, "5.5.1", "Command unrecognized"}, cmd.keyword);
}

// RFC 5321 §4.1.1.1 (rfc5321.txt:1783); RFC 1869 extensions listed one per line.
void Session::ehlo(const Command& cmd, Actions& out) {
    if (!plausible_helo(cmd.arg)) {
        return reply(out, Reply{501, "5.5.4", cmd.arg.empty() ? "Syntax: EHLO hostname" : "Invalid domain name"},
                     cmd.keyword);
    }
    // An EHLO in the middle of a session resets it like RSET (rfc5321.txt:1747).
    reset_transaction();
    helo_ = std::string(cmd.arg);
    esmtp_ = cmd.verb == Verb::Ehlo;
    if (!esmtp_) {
        send(out, "250 " + options_.hostname + "\r\n");
        return;
    }
    std::vector<std::string> lines = {
        options_.hostname + " Hello " + printable(helo_, 64) + " [" + options_.peer_ip + "]",
        "PIPELINING",
        "SIZE " + std::to_string(options_.max_message_size),
        "8BITMIME",
        "ENHANCEDSTATUSCODES",
        "SMTPUTF8",
        "CHUNKING",
        "DSN",
    };
    if (options_.tls_available && !tls_active_) lines.emplace_back("STARTTLS");
    // RFC 4954 §4: AUTH is only offered where a plaintext mechanism may be used.
    if (options_.role == Role::Submission && auth_allowed() && user_.empty()) lines.emplace_back("AUTH PLAIN LOGIN");
    lines.emplace_back("HELP");
    send(out, format_multiline(250, lines));
}

// RFC 5321 §4.5.3.2.7 (rfc5321.txt:3668): the server closes with 421 on timeout.
Actions Session::on_timeout() {
    Actions out;
    if (closed_) return out;
    send(out, Reply{421, "4.4.2", options_.hostname + " Timeout exceeded, closing connection"}.format());
    out.push_back(LogEvent{"timeout", {{"in_data", in_data() ? "true" : "false"}}, true});
    close(out);
    return out;
}

Actions Session::on_shutdown() {
    Actions out;
    if (closed_) return out;
    send(out, Reply{421, "4.3.2", options_.hostname + " Service shutting down"}.format());
    close(out);
    return out;
}

}  // namespace mr::smtpd
