// Updates from other sessions, POP3 and deliveries (RFC 3501 §7.4.1, rfc3501.txt:4053;
// IDLE RFC 2177): the store's changes since the last MODSEQ this session reported
// become untagged EXPUNGE / FETCH FLAGS / EXISTS. Sent at NOOP and CHECK and during IDLE
// (the glue calls on_idle_tick() periodically); other commands do not report them yet.
#include <algorithm>
#include <utility>

#include "imapd/session/session.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

namespace {

std::string flags_of(const storage::MessageRecord& m) {
    std::string out = "(";
    auto add = [&](const char* f) {
        if (out.size() > 1) out += ' ';
        out += f;
    };
    if (m.flags & storage::kAnswered) add("\\Answered");
    if (m.flags & storage::kFlagged) add("\\Flagged");
    if (m.flags & storage::kDeleted) add("\\Deleted");
    if (m.flags & storage::kSeen) add("\\Seen");
    if (m.flags & storage::kDraft) add("\\Draft");
    for (const auto& k : m.keywords) add(k.c_str());
    return out + ")";
}

}  // namespace

// A store job that reports what changed, then `finish` (the tagged reply, or nothing
// during IDLE).
Actions Session::poll_updates(std::function<Actions()> finish) {
    return async({StoreJob{[this, box = selected_, since = modseq_, finish = std::move(finish)](storage::MailboxStore& store) {
        auto changes = store.changes_since(box, since);
        return StoreResume([this, changes = std::move(changes), finish]() -> Actions {
            Actions acts;
            if (changes && state_ == State::Selected) {
                const auto& ch = changes.value();
                std::string out = report_expunged(ch.expunged);
                std::size_t added = 0;
                for (const auto& m : ch.changed) {
                    if (uids_.empty() || m.uid > uids_.back()) {
                        uids_.push_back(m.uid);
                        ++added;
                        continue;
                    }
                    auto it = std::lower_bound(uids_.begin(), uids_.end(), m.uid);
                    if (it != uids_.end() && *it == m.uid)
                        out += "* " + std::to_string(it - uids_.begin() + 1) + " FETCH (FLAGS " + flags_of(m) + ")\r\n";
                }
                if (added) out += "* " + std::to_string(uids_.size()) + " EXISTS\r\n";
                modseq_ = std::max(modseq_, ch.highestmodseq);
                if (!out.empty()) acts.push_back({Send{std::move(out)}});
            }
            for (auto& a : finish()) acts.push_back(std::move(a));
            return acts;
        });
    }}});
}

Actions Session::on_idle_tick() {
    if (idle_tag_.empty() || busy_ || state_ != State::Selected) return {};
    return poll_updates([] { return Actions{}; });
}

}  // namespace mr::imapd::session
