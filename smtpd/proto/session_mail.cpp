// Session: the mail transaction (RFC 5321 §3.3, rfc5321.txt:1102): MAIL, RCPT, DATA, BDAT
// (RFC 3030) and the hand-off to the queue.
#include <algorithm>
#include <utility>

#include "common/text/ascii.hpp"
#include "smtpd/proto/header_from.hpp"
#include "smtpd/proto/recipient_policy.hpp"
#include "smtpd/proto/session.hpp"

namespace mr::smtpd {

namespace {

const Reply kNeedMail{503, "5.5.1", "Need MAIL command"};
const Reply kNoRecipients{554, "5.5.1", "No valid recipients"};
const Reply kTooBig{552, "5.3.4", "Message size exceeds fixed maximum message size"};
const Reply kBareLineEnd{554, "5.6.0",
                         "Message refused: bare CR or LF in the data (only CRLF ends a line, RFC 5321 2.3.8)"};
const Reply kLongLine{554, "5.6.0", "Message refused: line longer than 998 octets (RFC 5321 4.5.3.1.6)"};
const Reply kLocalError{451, "4.3.0", "Local error in processing, try again later"};
// Once spooling, bytes go to the glue in appends of at least this much (or the rest at the
// end): few enough round trips, little memory held per session.
constexpr std::size_t kSpoolChunk = 64 * 1024;
// One lookup per address on the thread pool: a From: listing hundreds is not a real author.
constexpr std::size_t kMaxFromAddresses = 20;

}  // namespace

void Session::mail(const Command& cmd, Actions& out) {
    if (helo_.empty()) return reply(out, Reply{503, "5.5.1", "Send EHLO or HELO first"}, cmd.keyword);
    if (tx_) return reply(out, Reply{503, "5.5.1", "Nested MAIL command"}, cmd.keyword);
    if (options_.role == Role::Submission && user_.empty()) {
        // RFC 4954 §6 (rfc4954.txt:623).
        return reply(out, Reply{530, "5.7.0", "Authentication required"}, cmd.keyword);
    }
    auto parsed = parse_mail(cmd.arg, options_.max_message_size);
    if (auto* r = std::get_if<Reply>(&parsed)) return reply(out, *r, cmd.keyword);
    auto& args = std::get<MailArgs>(parsed);
    if (options_.role == Role::Submission) {
        if (args.sender.is_null()) {
            return reply(out, Reply{553, "5.7.1", "Null sender not allowed for submission"}, cmd.keyword);
        }
        busy_ = true;
        out.push_back(CheckSender{user_, args.sender.to_string()});
        pending_mail_ = std::move(args);
        return;
    }
    tx_ = Transaction{};
    tx_->mail = std::move(args);
    junk_ = 0;
    reply(out, Reply{250, "2.1.0", "Sender OK"});
}

Actions Session::on_sender_checked(const Result<bool>& owned) {
    Actions out;
    busy_ = false;
    if (!pending_mail_) return out;
    MailArgs args = std::move(*pending_mail_);
    pending_mail_.reset();
    if (!owned) {
        reply(out, Reply{451, "4.3.0", "Temporary lookup failure, try again later"}, "MAIL");
    } else if (!owned.value()) {
        reply(out, Reply{553, "5.7.1", "Sender address <" + printable(args.sender.to_string(), 256) +
                                           "> not owned by user " + printable(user_, 256)},
              "MAIL");
    } else {
        tx_ = Transaction{};
        tx_->mail = std::move(args);
        junk_ = 0;
        reply(out, Reply{250, "2.1.0", "Sender OK"});
    }
    process(out);
    return out;
}

void Session::rcpt(const Command& cmd, Actions& out) {
    if (!tx_) return reply(out, kNeedMail, cmd.keyword);
    if (tx_->used_bdat) return reply(out, Reply{503, "5.5.1", "RCPT not allowed after BDAT"}, cmd.keyword);
    auto parsed = parse_rcpt(cmd.arg, tx_->mail.smtputf8);
    if (auto* r = std::get_if<Reply>(&parsed)) {
        if (options_.role == Role::Inbound && is_trailing_dot_path(cmd.arg, tx_->mail.smtputf8)) {
            out.push_back(Rejected{"relay"});
            return reply(out, Reply{554, "5.7.1", "Relay access denied (trailing dot)"}, cmd.keyword);
        }
        return reply(out, *r, cmd.keyword);
    }
    auto& args = std::get<RcptArgs>(parsed);
    // RFC 5321 §4.5.3.1.10 (rfc5321.txt:3580): 452 over the limit, earlier recipients kept.
    // The limit is on "the number of RCPT commands" (rfc5321.txt:3574): a repeated address counts.
    if (tx_->accepted_rcpts >= options_.max_recipients) {
        return reply(out, Reply{452, "4.5.3", "Too many recipients"}, cmd.keyword);
    }
    if (options_.role == Role::Inbound) {
        if (auto refusal = relay_trick(args.recipient)) {
            out.push_back(Rejected{"relay"});
            return reply(out, *refusal, cmd.keyword);
        }
    }
    std::string address = args.recipient.to_string();
    // RFC 5321 §4.1.1.3 (rfc5321.txt:1985): "<Postmaster>" without a domain must be accepted.
    if (args.recipient.is_bare_postmaster()) address = "postmaster@" + options_.hostname;
    busy_ = true;
    out.push_back(CheckRecipient{address});
    pending_rcpt_ = std::move(args);
    pending_rcpt_address_ = std::move(address);
}

Actions Session::on_recipient_checked(const Result<RecipientCheck>& check) {
    Actions out;
    busy_ = false;
    if (!pending_rcpt_ || !tx_) return out;
    RcptArgs args = std::move(*pending_rcpt_);
    pending_rcpt_.reset();
    const std::string address = std::move(pending_rcpt_address_);
    const bool authenticated = !user_.empty();
    const std::optional<std::uint64_t> room = check ? check.value().quota_room : std::nullopt;
    if (!check) {
        reply(out, Reply{451, "4.3.0", "Temporary lookup failure, try again later"}, "RCPT");
    } else if (check.value().kind == RecipientKind::Unknown) {
        out.push_back(Rejected{"unknown_user"});
        reply(out, Reply{550, "5.1.1", "<" + printable(address, 256) + ">: no such user here"}, "RCPT");
    } else if (check.value().kind == RecipientKind::Remote && !authenticated) {
        out.push_back(Rejected{"relay"});
        reply(out, relay_denied(), "RCPT");
    } else if (room && *room == 0) {
        // RFC 3463 X.2.2 (rfc3463.txt:374); 452 so the sender retries once mail was read
        // (RFC 5321 §4.2.2, rfc5321.txt:2837: insufficient system storage).
        reply(out, Reply{452, "4.2.2", "<" + printable(address, 256) + ">: Mailbox full"}, "RCPT");
    } else {
        if (room && (!tx_->quota_room || *room < *tx_->quota_room)) {
            tx_->quota_room = room;
            tx_->quota_rcpt = address;
        }
        auto& list = tx_->recipients;
        const bool duplicate = std::any_of(list.begin(), list.end(), [&](const EnvelopeRecipient& r) {
            return text::iequals(r.address, address);
        });
        // A duplicate is delivered once but still counts against the limit.
        if (!duplicate) list.push_back(EnvelopeRecipient{address, std::move(args.notify), std::move(args.orcpt)});
        ++tx_->accepted_rcpts;
        reply(out, Reply{250, "2.1.5", "Recipient OK"});
    }
    process(out);
    return out;
}

// RFC 5321 §4.1.1.4 (rfc5321.txt:1992).
void Session::data(const Command& cmd, Actions& out) {
    if (!tx_) return reply(out, kNeedMail, cmd.keyword);
    // RFC 3030 §2 (rfc3030.txt:221): DATA after BDAT in one transaction is 503.
    if (tx_->used_bdat) return reply(out, Reply{503, "5.5.1", "DATA not allowed after BDAT"}, cmd.keyword);
    if (tx_->recipients.empty()) return reply(out, kNoRecipients, cmd.keyword);
    if (!cmd.arg.empty()) return reply(out, Reply{501, "5.5.4", "DATA takes no argument"}, cmd.keyword);
    unstuffer_.reset(options_.max_message_size);
    message_.clear();
    // SIZE= is only a hint from the client: never reserve more than is kept in memory.
    const std::uint64_t max_reserve = options_.spool_threshold;
    if (tx_->mail.size) message_.reserve(static_cast<std::size_t>(std::min(*tx_->mail.size, max_reserve)));
    data_since_ = now_;
    data_bytes_ = 0;
    mode_ = Mode::Data;
    send(out, "354 End data with <CR><LF>.<CR><LF>\r\n");
}

void Session::finish_data(Actions& out) {
    mode_ = Mode::Command;
    data_since_.reset();
    const std::uint64_t size = unstuffer_.size();
    if (unstuffer_.size_exceeded()) return refuse_message(out, kTooBig, "size", size);
    if (unstuffer_.bare_line_ending()) return refuse_message(out, kBareLineEnd, "bare_line_ending", size);
    if (unstuffer_.longest_line() > kMaxTextLine) return refuse_message(out, kLongLine, "long_line", size);
    accept_message(out, size);
}

// RFC 3030 §2 (rfc3030.txt:140). The chunk's bytes are always consumed, even when the
// command is refused (rfc3030.txt:184), so the byte stream stays in step.
void Session::bdat(const Command& cmd, Actions& out) {
    auto args = parse_bdat(cmd.arg);
    if (!args) return reply(out, Reply{501, "5.5.4", "Syntax: BDAT size [LAST]"}, cmd.keyword);
    chunk_ = BdatChunk{args->size, args->last, std::nullopt};
    if (!tx_) {
        chunk_.refusal = kNeedMail;
    } else if (tx_->recipients.empty()) {
        chunk_.refusal = kNoRecipients;
    } else if (!tx_->used_bdat) {
        tx_->used_bdat = true;
        message_.clear();
        inspector_.reset();
        data_since_ = now_;
        data_bytes_ = 0;
    }
    if (args->size == 0) return finish_bdat(out);
    if (auto r = lines_.expect_raw(args->size); !r) {
        // Cannot happen right after a complete line; refuse rather than lose framing.
        return reply(out, Reply{451, "4.3.0", "Internal framing error"}, cmd.keyword);
    }
    mode_ = Mode::Bdat;
}

void Session::bdat_bytes(std::string_view bytes, bool last, Actions& out) {
    if (!chunk_.refusal && tx_) {
        tx_->received += bytes.size();
        if (tx_->received > options_.max_message_size) {
            tx_->too_big = true;
            message_.clear();
        } else {
            inspector_.feed(bytes);
            message_.append(bytes);
        }
        if (spool_out(out, last && chunk_.last && !tx_->too_big)) {
            if (last) after_spool_ = AfterSpool::FinishBdat;
            return;
        }
    }
    if (last) finish_bdat(out);
}

// Moves message bytes out of memory once the message outgrows the threshold; true when a
// SpoolAppend was asked for (the session is then busy until on_spooled). `final`: the
// data has ended, append whatever is left.
bool Session::spool_out(Actions& out, bool final) {
    if (!tx_) return false;
    if (tx_->header_overflow || tx_->spool_failed) {
        message_.clear();
        return false;
    }
    if (!spooling_) {
        if (message_.size() <= options_.spool_threshold) return false;
        start_spool(out);
        if (!spooling_) message_.clear();
        return spooling_;
    }
    if (message_.empty() || (!final && message_.size() < std::min(kSpoolChunk, options_.spool_threshold + 1))) {
        return false;
    }
    busy_ = true;
    out.push_back(SpoolAppend{std::move(message_), std::nullopt});
    message_ = std::string();
    return true;
}

// The first append: the whole message so far. The header section stays in memory (up to
// the threshold) for the From: check; the glue needs the trace fields and the fix-ups.
void Session::start_spool(Actions& out) {
    const std::string_view m = message_;
    std::size_t end = std::string_view::npos;
    if (m.substr(0, 2) == "\r\n") {
        end = 2;  // no header section at all
    } else if (auto p = m.find("\r\n\r\n"); p != std::string_view::npos) {
        end = p + 4;
    }
    const bool complete = end != std::string_view::npos && end <= options_.spool_threshold;
    if (!complete && options_.check_header_from && !user_.empty()) {
        tx_->header_overflow = true;  // refused at the end; nothing written meanwhile
        return;
    }
    head_ = complete ? std::string(m.substr(0, end)) : std::string();
    SpoolStart start{trace_info(), options_.role == Role::Submission,
                     complete ? find_missing_headers(head_) : MissingHeaders{}};
    spooling_ = true;
    busy_ = true;
    out.push_back(SpoolAppend{std::move(message_), std::move(start)});
    message_ = std::string();
}

Actions Session::on_spooled(const Result<void>& written) {
    Actions out;
    busy_ = false;
    if (!written) {
        out.push_back(LogEvent{"spool_failed", {{"error", written.error().message}}, true});
        if (tx_) tx_->spool_failed = true;
        message_.clear();
    }
    const AfterSpool after = std::exchange(after_spool_, AfterSpool::Nothing);
    if (tx_ && after == AfterSpool::FinishData) finish_data(out);
    if (after == AfterSpool::FinishBdat) finish_bdat(out);
    process(out);
    return out;
}

void Session::finish_bdat(Actions& out) {
    mode_ = Mode::Command;
    if (chunk_.last) data_since_.reset();
    if (chunk_.refusal) {
        // A refused chunk fails the transaction (rfc3030.txt:190); later pipelined chunks
        // then meet "no transaction" and are discarded too.
        reset_transaction();
        reply(out, *chunk_.refusal, "BDAT");
        return;
    }
    const std::uint64_t size = tx_->received;
    if (tx_->too_big) return refuse_message(out, kTooBig, "size", size);
    if (!chunk_.last) {
        reply(out, Reply{250, "2.0.0", std::to_string(chunk_.size) + " octets received"});
        return;
    }
    inspector_.finish();
    if (inspector_.bare_line_ending()) return refuse_message(out, kBareLineEnd, "bare_line_ending", size);
    if (inspector_.longest_line() > kMaxTextLine) return refuse_message(out, kLongLine, "long_line", size);
    accept_message(out, size);
}

void Session::refuse_message(Actions& out, const Reply& r, std::string_view reason, std::uint64_t size) {
    const char* command = tx_ && tx_->used_bdat ? "BDAT" : "DATA";
    log_transaction(out, "rejected", size, "", reason);
    reset_transaction();
    reply(out, r, command);
}

// The message passed the framing checks; the policy checks that need its content run here.
void Session::accept_message(Actions& out, std::uint64_t size) {
    if (tx_->spool_failed) return refuse_message(out, kLocalError, "spool_failed", size);
    // The size as received: deliverd stores a few trace fields more and enforces the quota
    // again then, so a message that fits only without them is caught there.
    if (tx_->quota_room && size > *tx_->quota_room) {
        // RFC 5321 §4.2.2 (rfc5321.txt:2839): 552 exceeded storage allocation; RFC 3463 X.2.2.
        return refuse_message(out, Reply{552, "5.2.2", "<" + printable(tx_->quota_rcpt, 256) +
                                                           ">: Mailbox full, the message exceeds the quota"},
                              "quota", size);
    }
    if (options_.check_header_from && !user_.empty()) {
        if (tx_->header_overflow) {
            return refuse_message(out, Reply{553, "5.7.1", "Header section over " +
                                                               std::to_string(options_.spool_threshold) +
                                                               " octets: the From: field cannot be checked"},
                                  "header_from", size);
        }
        HeaderFrom from = header_from(spooling_ ? head_ : message_);
        if (from.unusable) {
            return refuse_message(out, Reply{553, "5.7.1", "From: header must name only addresses of user " +
                                                               printable(user_, 256)},
                                  "header_from", size);
        }
        if (from.addresses.size() > kMaxFromAddresses) {
            return refuse_message(out, Reply{553, "5.7.1", "Too many addresses in the From: header"}, "header_from",
                                  size);
        }
        // No From: claims no author (RFC 5322 requires one, but refusing is not our job here).
        if (!from.addresses.empty()) {
            enqueue_size_ = size;
            checking_from_ = true;
            busy_ = true;
            out.push_back(CheckHeaderFrom{user_, std::move(from.addresses)});
            return;
        }
    }
    enqueue(out, size);
}

Actions Session::on_header_from_checked(const Result<std::string>& not_owned) {
    Actions out;
    busy_ = false;
    if (!checking_from_ || !tx_) return out;
    checking_from_ = false;
    if (!not_owned) {
        refuse_message(out, Reply{451, "4.3.0", "Temporary lookup failure, try again later"}, "lookup_failure",
                       enqueue_size_);
    } else if (!not_owned.value().empty()) {
        refuse_message(out, Reply{553, "5.7.1", "From: header address <" + printable(not_owned.value(), 256) +
                                                    "> not owned by user " + printable(user_, 256)},
                       "header_from", enqueue_size_);
    } else {
        enqueue(out, enqueue_size_);
    }
    process(out);
    return out;
}

void Session::enqueue(Actions& out, std::uint64_t size) {
    Enqueue e;
    e.envelope.sender = tx_->mail.sender.to_string();
    e.envelope.recipients = tx_->recipients;
    e.envelope.ret = tx_->mail.ret;
    e.envelope.envid = tx_->mail.envid;
    e.message = std::move(message_);
    message_ = std::string();
    e.trace = trace_info();
    e.submission = options_.role == Role::Submission;
    // The spool is the glue's from now on: queued with this entry, not discarded.
    e.spooled = std::exchange(spooling_, false);
    head_.clear();
    head_.shrink_to_fit();
    enqueue_size_ = size;
    busy_ = true;
    out.push_back(std::move(e));
}

Actions Session::on_enqueued(const Result<std::string>& queue_id) {
    Actions out;
    busy_ = false;
    if (!tx_) return out;
    if (queue_id) {
        log_transaction(out, "queued", enqueue_size_, queue_id.value(), "");
        reply(out, Reply{250, "2.0.0", "OK queued as " + queue_id.value()});
    } else {
        log_transaction(out, "tempfail", enqueue_size_, "", queue_id.error().message);
        reply(out, kLocalError, "DATA");
    }
    reset_transaction();
    junk_ = 0;
    process(out);
    return out;
}

Actions Session::on_message_refused(const Reply& refusal) {
    Actions out;
    busy_ = false;
    if (!tx_) return out;
    log_transaction(out, refusal.transient() ? "tempfail" : "refused", enqueue_size_, "", refusal.text);
    reply(out, refusal);
    reset_transaction();
    junk_ = 0;
    process(out);
    return out;
}

TraceInfo Session::trace_info() const {
    return TraceInfo{helo_,       options_.peer_ip, esmtp_, tx_->mail.smtputf8, tls_version_, tls_cipher_, user_,
                     tx_->recipients.size() == 1 ? tx_->recipients.front().address : std::string()};
}

// One line per transaction: from, recipients, size, queue id, result.
void Session::log_transaction(Actions& out, std::string_view result, std::uint64_t size, std::string_view qid,
                              std::string_view detail) {
    if (!tx_) return;
    std::string rcpts;
    for (const auto& r : tx_->recipients) {
        if (!rcpts.empty()) rcpts += ',';
        rcpts += r.address;
    }
    LogEvent e{"transaction",
               {{"from", tx_->mail.sender.to_string()},
                {"rcpts", rcpts},
                {"nrcpt", std::to_string(tx_->recipients.size())},
                {"size", std::to_string(size)},
                {"qid", std::string(qid)},
                {"result", std::string(result)}},
               result != "queued"};
    if (!detail.empty()) e.fields.emplace_back("detail", std::string(detail));
    if (!user_.empty()) e.fields.emplace_back("user", user_);
    out.push_back(std::move(e));
}

}  // namespace mr::smtpd
