// SORT, UID SORT, THREAD and UID THREAD (RFC 5256 §3, rfc5256.txt:183 and :302), with
// SORT=DISPLAY (RFC 5957) and ESORT (RFC 5267 §3.2).
//
// Invariants:
// - The messages are SEARCH's (run_search, search_run.hpp): same view, same keys, same
//   CHARSET rule; their index rows come back from that one listing.
// - Every key is computed once per message (SortEntry), from the cached structure's
//   envelope; THREAD=REFERENCES also reads the References field from the cached header
//   block (the file only for a message whose header is not cached).
// - Ties end in mailbox order (rfc5256.txt:231); REVERSE turns one criterion only.
// - A message whose structure cannot be read sorts with empty strings and its internal
//   date: one damaged message does not fail the command.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/mime/header_parser.hpp"
#include "imapd/render/base_subject.hpp"
#include "imapd/render/sort_keys.hpp"
#include "imapd/render/threads.hpp"
#include "imapd/session/search_run.hpp"
#include "imapd/session/session.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

namespace {

using Key = SortCriterion::Key;

struct SortEntry {
    std::uint32_t position = 0;  // in the view
    std::int64_t arrival = 0;
    std::int64_t sent = 0;
    std::int64_t size = 0;
    std::string subject, from, to, cc, display_from, display_to;
};

bool needs_envelope(const std::vector<SortCriterion>& criteria) {
    return std::any_of(criteria.begin(), criteria.end(),
                       [](const SortCriterion& c) { return c.key != Key::Arrival && c.key != Key::Size; });
}

// `scratch`: one structure reused for every message (deserialize_into keeps its memory).
SortEntry sort_entry(std::uint32_t position, const storage::MessageRecord& rec,
                     const std::vector<SortCriterion>& criteria, mime::MessageStructure& scratch) {
    SortEntry e;
    e.position = position;
    e.arrival = rec.internal_date;
    e.sent = rec.internal_date;
    e.size = rec.rfc822_size >= 0 ? rec.rfc822_size : rec.size;
    if (!needs_envelope(criteria)) return e;
    if (!mime::deserialize_into(rec.structure, scratch)) return e;
    const mime::Envelope& env = scratch.envelope;
    for (const auto& c : criteria) {
        switch (c.key) {
            case Key::Date: e.sent = sent_time(env, rec.internal_date); break;
            case Key::Subject: e.subject = base_subject(env.subject.value_or("")).key; break;
            case Key::From: e.from = address_sort_key(env.from); break;
            case Key::To: e.to = address_sort_key(env.to); break;
            case Key::Cc: e.cc = address_sort_key(env.cc); break;
            case Key::DisplayFrom: e.display_from = display_sort_key(env.from); break;
            case Key::DisplayTo: e.display_to = display_sort_key(env.to); break;
            case Key::Arrival: case Key::Size: break;
        }
    }
    return e;
}

// <0, 0, >0 as a sorts before, with, after b by one criterion (before REVERSE).
int compare(const SortEntry& a, const SortEntry& b, Key key) {
    auto three_way = [](const auto& x, const auto& y) { return x < y ? -1 : (y < x ? 1 : 0); };
    switch (key) {
        case Key::Arrival: return three_way(a.arrival, b.arrival);
        case Key::Date: return three_way(a.sent, b.sent);
        case Key::Size: return three_way(a.size, b.size);
        case Key::Subject: return a.subject.compare(b.subject);
        case Key::From: return a.from.compare(b.from);
        case Key::To: return a.to.compare(b.to);
        case Key::Cc: return a.cc.compare(b.cc);
        case Key::DisplayFrom: return a.display_from.compare(b.display_from);
        case Key::DisplayTo: return a.display_to.compare(b.display_to);
    }
    return 0;
}

void sort_entries(std::vector<SortEntry>& entries, const std::vector<SortCriterion>& criteria) {
    std::sort(entries.begin(), entries.end(), [&](const SortEntry& a, const SortEntry& b) {
        for (const auto& c : criteria) {
            const int r = compare(a, b, c.key);
            if (r != 0) return c.reverse ? r > 0 : r < 0;
        }
        return a.position < b.position;
    });
}

// The References field of a message: from the cached header block, else from its file.
std::string references_of(storage::MailboxStore& store, const std::string& box, const storage::MessageRecord& rec) {
    std::string header = rec.header;
    if (header.empty()) {
        auto sizes = mime::peek_root_sizes(rec.structure);
        if (!sizes) return {};
        auto bytes = store.read_message_range(box, rec, 0, sizes.value().body_start);
        if (!bytes) return {};
        header = std::move(bytes.value());
    }
    mime::HeaderScanner scan(header);
    std::string out;
    while (auto f = scan.next()) {
        if (!mime::header_name_equals(f->name, "References")) continue;
        out = mime::unfold(f->raw_value);
        break;
    }
    return out;
}

ThreadMessage thread_message(std::uint32_t id, const storage::MessageRecord& rec, bool references,
                             storage::MailboxStore& store, const std::string& box, mime::MessageStructure& scratch) {
    ThreadMessage t;
    t.id = id;
    t.sent = rec.internal_date;
    if (!mime::deserialize_into(rec.structure, scratch)) return t;
    const mime::Envelope& env = scratch.envelope;
    t.sent = sent_time(env, rec.internal_date);
    BaseSubject subject = base_subject(env.subject.value_or(""));
    t.subject_key = std::move(subject.key);
    t.reply_or_forward = subject.reply_or_forward;
    if (!references) return t;
    if (env.message_id) {
        auto ids = message_ids(*env.message_id);
        if (!ids.empty()) t.message_id = std::move(ids.front());
    }
    t.references = thread_parents(references_of(store, box, rec), env.in_reply_to.value_or(""));
    return t;
}

}  // namespace

Actions Session::cmd_sort(const std::string& tag, const SortCmd& c, Selected& sel) {
    if (!supported_charset(c.charset)) {
        if (c.ret && c.ret->save) sel.saved_result = {};
        return tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Charset not supported");
    }
    const bool modseq = uses_modseq(c.key);
    std::string enabling = modseq ? enable_condstore() : std::string();
    return async({StoreJob{[this, tag, box = sel.mailbox, c, view = sel.uids, recent = sel.recent,
                            saved = sel.saved_result, modseq, enabling](storage::MailboxStore& store) {
        std::uint64_t highest = 0;
        std::vector<storage::MessageRecord> rows;
        auto found = run_search(store, box, c.key, view, recent, saved, highest, &rows);
        std::string out;
        NumberSet to_save;
        if (found) {
            std::vector<SortEntry> entries;
            entries.reserve(rows.size());
            mime::MessageStructure scratch;
            for (std::size_t i = 0; i < rows.size(); ++i)
                entries.push_back(sort_entry(found.value()[i], rows[i], c.criteria, scratch));
            sort_entries(entries, c.criteria);
            std::vector<std::uint32_t> numbers;
            std::vector<std::uint64_t> modseqs;
            numbers.reserve(entries.size());
            for (const auto& e : entries) numbers.push_back(c.uid ? view[e.position] : e.position + 1);
            if (c.ret) {
                if (modseq) {
                    // rows are in mailbox order; the entries' positions find them.
                    std::vector<std::uint64_t> by_position(view.size());
                    for (std::size_t i = 0; i < rows.size(); ++i) by_position[found.value()[i]] = rows[i].modseq;
                    for (const auto& e : entries) modseqs.push_back(by_position[e.position]);
                }
                if (c.ret->save) {
                    std::vector<std::uint32_t> positions;
                    for (const auto& e : entries) positions.push_back(e.position);
                    to_save = saved_uids(*c.ret, positions, view, true);
                }
                if (c.ret->min || c.ret->max || c.ret->all || c.ret->count || c.ret->partial)
                    out = enabling + esearch_response(tag, c.uid, *c.ret, numbers, true, modseqs);
            } else {
                out = enabling + "* SORT";
                for (std::uint32_t n : numbers) out += " " + std::to_string(n);
                if (modseq && !numbers.empty()) out += " (MODSEQ " + std::to_string(highest) + ")";
                out += "\r\n";
            }
        }
        std::optional<NumberSet> saved_now;
        if (c.ret && c.ret->save) saved_now = std::move(to_save);
        return StoreResume([this, tag, error = found ? std::optional<Error>() : found.error(),
                            saved_now = std::move(saved_now), out = std::move(out)]() -> Actions {
            return search_done(tag, error, saved_now, out, "SORT completed");
        });
    }}});
}

Actions Session::cmd_thread(const std::string& tag, const ThreadCmd& c, Selected& sel) {
    if (!supported_charset(c.charset))
        return tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Charset not supported");
    std::string enabling = uses_modseq(c.key) ? enable_condstore() : std::string();
    return async({StoreJob{[this, tag, box = sel.mailbox, c, view = sel.uids, recent = sel.recent,
                            saved = sel.saved_result, enabling](storage::MailboxStore& store) {
        std::uint64_t highest = 0;
        std::vector<storage::MessageRecord> rows;
        auto found = run_search(store, box, c.key, view, recent, saved, highest, &rows);
        const bool references = c.algorithm == ThreadCmd::Algorithm::References;
        if (found && references && !rows.empty()) {
            // The cached header blocks, for References.
            std::vector<std::uint32_t> uids;
            uids.reserve(rows.size());
            for (const auto& r : rows) uids.push_back(r.uid);
            auto with_headers = store.messages_with_headers(box, uids);
            if (with_headers && with_headers.value().size() == rows.size()) rows = std::move(with_headers.value());
        }
        std::string out;
        if (found) {
            std::vector<ThreadMessage> messages;
            messages.reserve(rows.size());
            mime::MessageStructure scratch;
            for (std::size_t i = 0; i < rows.size(); ++i) {
                const std::uint32_t pos = found.value()[i];
                messages.push_back(
                    thread_message(c.uid ? view[pos] : pos + 1, rows[i], references, store, box, scratch));
            }
            out = enabling + "* THREAD " +
                  (references ? thread_references(messages) : thread_ordered_subject(messages));
            if (messages.empty()) out.pop_back();  // "* THREAD" alone (rfc5256.txt:781)
            out += "\r\n";
        }
        return StoreResume([this, tag, error = found ? std::optional<Error>() : found.error(),
                            out = std::move(out)]() -> Actions {
            return search_done(tag, error, std::nullopt, out, "THREAD completed");
        });
    }}});
}

}  // namespace mr::imapd::session
