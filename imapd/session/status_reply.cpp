// STATUS values and response; see status_reply.hpp.
#include "imapd/session/status_reply.hpp"

#include <algorithm>

#include "imapd/render/imap_string.hpp"
#include "storage/maildir.hpp"

namespace mr::imapd::session {

namespace {

bool wants(const std::vector<StatusItem>& items, StatusItem item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

}  // namespace

Result<StatusValues> read_status(storage::MailboxStore& store, const std::string& name,
                                 const std::vector<StatusItem>& items) {
    auto st = store.status(name);
    if (!st) return st.error();
    StatusValues v;
    v.counts = st.value();
    if (wants(items, StatusItem::Recent)) {
        if (auto r = store.unclaimed_recent(name)) v.recent = r.value();
    }
    if (wants(items, StatusItem::Deleted) || wants(items, StatusItem::DeletedStorage)) {
        auto msgs = store.messages(name);
        if (msgs) {
            for (const auto& m : msgs.value()) {
                if (!(m.flags & storage::kDeleted)) continue;
                ++v.deleted;
                v.deleted_storage += m.rfc822_size;
            }
        }
    }
    return v;
}

std::string status_response(std::string_view wire_name, const std::vector<StatusItem>& items,
                            const StatusValues& v) {
    const auto& s = v.counts;
    std::string text;
    for (auto item : items) {
        if (!text.empty()) text += ' ';
        switch (item) {
            case StatusItem::Messages: text += "MESSAGES " + std::to_string(s.messages); break;
            case StatusItem::Recent: text += "RECENT " + std::to_string(v.recent); break;
            case StatusItem::UidNext: text += "UIDNEXT " + std::to_string(s.uidnext); break;
            case StatusItem::UidValidity: text += "UIDVALIDITY " + std::to_string(s.uidvalidity); break;
            case StatusItem::Unseen: text += "UNSEEN " + std::to_string(s.unseen); break;
            case StatusItem::HighestModSeq: text += "HIGHESTMODSEQ " + std::to_string(s.highestmodseq); break;
            case StatusItem::Size: text += "SIZE " + std::to_string(s.size); break;
            case StatusItem::Deleted: text += "DELETED " + std::to_string(v.deleted); break;
            case StatusItem::DeletedStorage: text += "DELETED-STORAGE " + std::to_string(v.deleted_storage); break;
            case StatusItem::MailboxId: text += "MAILBOXID (" + s.object_id + ")"; break;
            case StatusItem::AppendLimit: text += "APPENDLIMIT " + std::to_string(v.append_limit); break;
        }
    }
    std::string out = "* STATUS ";
    append_string(out, wire_name, QuotedText::Utf8);  // UTF-8 only in NameForm::Utf8
    out += " (" + text + ")\r\n";
    return out;
}

}  // namespace mr::imapd::session
