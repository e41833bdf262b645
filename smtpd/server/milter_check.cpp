#include "smtpd/server/milter_check.hpp"

#include "common/log/log.hpp"
#include "common/milter/header_edits.hpp"
#include "common/mime/header_parser.hpp"
#include "smtpd/server/mail_auth.hpp"

namespace mr::smtpd::server {

namespace {

constexpr unsigned kThreads = 4;
constexpr std::size_t kMaxQueued = 1024;

// A milter's reply text on one printable line.
std::string reply_text(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 400)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u > 0x7e) ? '?' : c;
    }
    return out;
}

Reply refusal(const milter::Outcome& o) {
    const bool reject = o.verdict == milter::Outcome::Verdict::Reject;
    Reply r = reject ? Reply{550, "5.7.1", "Message rejected by a content filter"}
                     : Reply{451, "4.7.1", "Message deferred by a content filter, try again later"};
    if (o.reply) {
        r.code = o.reply->code;
        r.enhanced = o.reply->enhanced.empty() ? (o.reply->code >= 500 ? "5.7.1" : "4.7.1") : o.reply->enhanced;
        if (!o.reply->text.empty()) r.text = reply_text(o.reply->text);
    }
    return r;
}

const char* verdict_name(milter::Outcome::Verdict v) {
    switch (v) {
    case milter::Outcome::Verdict::Accept: return "accept";
    case milter::Outcome::Verdict::Reject: return "reject";
    case milter::Outcome::Verdict::TempFail: return "tempfail";
    case milter::Outcome::Verdict::Discard: return "discard";
    }
    return "?";
}

// Applies one server's header changes; false (and `error`) when they could not be. A
// spooled message's new header block goes to `spooled_head`.
bool apply_edits(MilterRequest& request, const std::string& head, bool head_complete,
                 const std::vector<milter::HeaderEdit>& edits, std::string& spooled_head, std::string& error) {
    if (edits.empty()) return true;
    if (!head_complete) {
        error = "header changes not applied: no end of header found";
        return false;
    }
    std::string changed = milter::apply_header_edits(head, edits);
    if (request.spool) {
        if (auto r = request.spool->replace_prefix(changed, head.size()); !r) {
            error = "header changes not applied: " + r.error().message;
            return false;
        }
        spooled_head = std::move(changed);
        return true;
    }
    request.message = changed + request.message.substr(head.size());
    return true;
}

}  // namespace

MilterVerdict check_with_milters(const MilterSettings& settings, MilterRequest request) {
    MilterVerdict v;
    const auto note = [&v](const std::string& what) { v.summary += (v.summary.empty() ? "" : " ") + what; };
    // A spooled message already read: its head as the file now begins (each server's
    // changes included), its body unchanged.
    std::string copied_head = request.copy != nullptr ? request.copy->head : std::string();
    for (std::size_t i = 0; i < settings.servers.size(); ++i) {
        const std::string& name = settings.names[i];
        std::string head;
        bool head_complete = true;
        milter::MessageBytes bytes;
        if (request.spool && request.copy != nullptr) {
            head = copied_head;
            bytes.body = request.copy->body;
        } else if (request.spool) {
            auto h = spool_head(*request.spool);
            if (!h) {
                v.error = h.error().message;
                break;  // our own failure: the message is queued as it is
            }
            head = std::move(*h);
            mime::HeaderScanner scan(head);
            while (scan.next()) {
            }
            head_complete = scan.has_empty_line() || head.size() == request.spool->size();
            bytes.file = request.spool->path();
            bytes.body_offset = head.size();
        } else {
            head = mime::header_section(request.message);
            bytes.body = std::string_view(request.message).substr(head.size());
        }
        bytes.header = head;

        auto outcome = milter::run_conversation(settings.servers[i], settings.timeout, request.transaction, bytes);
        if (!outcome) {
            v.error = name + ": " + outcome.error().message;
            if (settings.accept_when_down) {
                note(name + "=unavailable,accepted");
                continue;
            }
            note(name + "=unavailable");
            v.action = MilterVerdict::Action::TempFail;
            v.reply = Reply{451, "4.7.1", "Cannot check the message now, try again later"};
            return v;
        }
        std::string word = name + "=" + verdict_name(outcome->verdict);
        if (outcome->step != "eom") word += "@" + outcome->step;
        if (!outcome->edits.empty()) word += "+" + std::to_string(outcome->edits.size()) + "h";
        if (outcome->quarantine) word += "+quarantine";
        if (outcome->unrequested > 0) word += "+ignored" + std::to_string(outcome->unrequested);
        note(word);
        switch (outcome->verdict) {
        case milter::Outcome::Verdict::Reject:
        case milter::Outcome::Verdict::TempFail:
            v.action = outcome->verdict == milter::Outcome::Verdict::Reject ? MilterVerdict::Action::Reject
                                                                            : MilterVerdict::Action::TempFail;
            v.reply = refusal(*outcome);
            return v;
        case milter::Outcome::Verdict::Discard: v.action = MilterVerdict::Action::Discard; return v;
        case milter::Outcome::Verdict::Accept: break;
        }
        if (outcome->quarantine) v.action = MilterVerdict::Action::Junk;
        std::string error;
        if (!apply_edits(request, head, head_complete, outcome->edits, copied_head, error)) {
            v.error = name + ": " + error;
        }
    }
    if (!request.spool) v.message = std::move(request.message);
    return v;
}

std::shared_ptr<MilterChecker> MilterChecker::create(const config::Config& cfg) {
    if (cfg.milter.servers.empty()) return nullptr;
    MilterSettings s;
    for (const auto& spec : cfg.milter.servers) {
        auto address = milter::parse_server_address(spec);
        if (!address) {
            log::error("milter_config", {{"server", spec}, {"error", address.error().message}});
            continue;
        }
        s.names.push_back(spec);
        s.servers.push_back(std::move(*address));
    }
    s.timeout = std::chrono::milliseconds(cfg.milter.timeout_ms);
    s.accept_when_down = cfg.milter.default_action == "accept";
    return std::make_shared<MilterChecker>(std::move(s));
}

MilterChecker::MilterChecker(MilterSettings settings)
    : settings_(std::move(settings)), workers_(std::make_unique<net::WorkerThreads>(kThreads, kMaxQueued)) {}

MilterChecker::~MilterChecker() { stop(); }

void MilterChecker::stop() { workers_->stop(); }

bool MilterChecker::check(net::Loop& loop, std::weak_ptr<void> alive, MilterRequest request,
                          std::function<void(MilterVerdict)> done) {
    auto req = std::make_shared<MilterRequest>(std::move(request));
    return workers_->submit(
        loop, std::move(alive), [this, req]() { return check_with_milters(settings_, std::move(*req)); },
        std::move(done));
}

}  // namespace mr::smtpd::server
