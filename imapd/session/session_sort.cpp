// SORT, UID SORT, THREAD and UID THREAD (RFC 5256 §3, rfc5256.txt:183 and :302), with
// SORT=DISPLAY (RFC 5957) and ESORT (RFC 5267 §3.2).
//
// Invariants:
// - The messages are SEARCH's (run_search, search_run.hpp): same view, same keys, same
//   CHARSET rule; for SEARCH ALL, every message of the view that is still in the store
//   or was sorted before.
// - Every key is computed once per message and UIDVALIDITY in the process (sort_cache.hpp),
//   from the cached structure's envelope; THREAD=REFERENCES also reads the References
//   field from the cached header block (the file only for a message whose header is not
//   cached), once.
// - Ties end in mailbox order (rfc5256.txt:231); REVERSE turns one criterion only.
// - A message whose structure cannot be read sorts with empty strings and its internal
//   date: one damaged message does not fail the command.
#include <algorithm>
#include <charconv>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/stat.h>

#include "common/mime/header_parser.hpp"
#include "imapd/render/base_subject.hpp"
#include "imapd/render/sort_keys.hpp"
#include "imapd/render/threads.hpp"
#include "imapd/session/search_run.hpp"
#include "imapd/session/session.hpp"
#include "imapd/session/sort_cache.hpp"
#include "imapd/session/sort_entry.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

namespace {

// SEARCH ALL (or an AND of ALLs): every message of the view, no listing needed.
bool matches_everything(const SearchKey& key) {
    if (key.kind == SearchKey::Kind::All) return true;
    return key.kind == SearchKey::Kind::And &&
           std::all_of(key.children.begin(), key.children.end(), matches_everything);
}

// Keeps what the index row of a message gives (`keys`: its envelope's keys too) in the
// cache, next to what was there. `scratch`: one structure reused for every message
// (deserialize_into keeps its memory).
std::uint32_t cache_row(SortCacheBox& cache, const storage::MessageRecord& rec, bool keys,
                        mime::MessageStructure& scratch) {
    std::uint32_t slot = cache.slot(rec.uid);
    if (slot != SortCacheBox::kAbsent && (!keys || cache.at(slot).keyed)) return slot;
    CachedMessage m = slot == SortCacheBox::kAbsent ? CachedMessage{} : cache.at(slot);
    static_cast<SortFields&>(m) = sort_fields(rec, keys, scratch);
    if (keys) m.keyed = true;
    return cache.add(rec.uid, std::move(m));
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

// THREAD=REFERENCES' part of `m`, from the row with its header block.
void add_threading(CachedMessage& m, storage::MailboxStore& store, const std::string& box,
                   const storage::MessageRecord& rec, mime::MessageStructure& scratch) {
    m.threaded = true;
    if (!mime::deserialize_into(rec.structure, scratch)) return;
    const mime::Envelope& env = scratch.envelope;
    if (env.message_id) {
        auto ids = message_ids(*env.message_id);
        if (!ids.empty()) m.message_id = std::move(ids.front());
    }
    m.references = thread_parents(references_of(store, box, rec), env.in_reply_to.value_or(""));
}

// The messages SORT or THREAD works on, each as its slot in `cache` (filled where missing)
// and its position in the view, in mailbox order. The search is SEARCH's (run_search);
// for SEARCH ALL the view is the answer and only messages the cache lacks are read.
// `want_modseqs`: each match's MODSEQ too; `keys`: the envelope's keys are needed.
struct Matches {
    std::vector<std::uint32_t> slots, positions;
    std::uint64_t highest = 0;
    std::vector<std::uint64_t> modseqs;  // with `want_modseqs`, per match
};
Result<Matches> find_matches(storage::MailboxStore& store, const std::string& box, const SearchKey& key,
                             const std::vector<std::uint32_t>& view, const NumberSet& recent, const NumberSet& saved,
                             bool want_modseqs, bool keys, SortCacheBox& cache) {
    Matches m;
    mime::MessageStructure scratch;
    if (matches_everything(key) && !want_modseqs) {
        std::vector<std::uint32_t> missing;
        for (std::uint32_t uid : view) {
            const std::uint32_t slot = cache.slot(uid);
            if (slot == SortCacheBox::kAbsent || (keys && !cache.at(slot).keyed)) missing.push_back(uid);
        }
        if (!missing.empty()) {
            auto rows = store.messages(box, missing);
            if (!rows) return rows.error();
            for (const auto& rec : rows.value()) cache_row(cache, rec, keys, scratch);
        }
        m.slots.reserve(view.size());
        m.positions.reserve(view.size());
        for (std::size_t i = 0; i < view.size(); ++i) {
            const std::uint32_t slot = cache.slot(view[i]);
            if (slot == SortCacheBox::kAbsent) continue;  // expunged before it could be read
            m.slots.push_back(slot);
            m.positions.push_back(static_cast<std::uint32_t>(i));
        }
        return m;
    }
    std::vector<storage::MessageRecord> rows;
    auto found = run_search(store, box, key, view, recent, saved, m.highest, &rows);
    if (!found) return found.error();
    m.positions = std::move(found.value());
    m.slots.reserve(rows.size());
    for (const auto& rec : rows) {
        m.slots.push_back(cache_row(cache, rec, keys, scratch));
        if (want_modseqs) m.modseqs.push_back(rec.modseq);
    }
    return m;
}

// Fills THREAD=REFERENCES' part of the matches that lack it, from their header blocks.
Result<void> fill_threading(storage::MailboxStore& store, const std::string& box,
                            const std::vector<std::uint32_t>& view, const Matches& m, SortCacheBox& cache) {
    std::vector<std::uint32_t> uids;
    for (std::size_t i = 0; i < m.slots.size(); ++i)
        if (!cache.at(m.slots[i]).threaded) uids.push_back(view[m.positions[i]]);
    if (uids.empty()) return {};
    auto rows = store.messages_with_headers(box, uids);
    if (!rows) return rows.error();
    mime::MessageStructure scratch;
    for (const auto& rec : rows.value()) {
        const std::uint32_t slot = cache.slot(rec.uid);
        if (slot != SortCacheBox::kAbsent) add_threading(cache.at(slot), store, box, rec, scratch);
    }
    return {};
}

// The cache's box of a mailbox.
Result<std::shared_ptr<SortCacheBox>> cache_box(storage::MailboxStore& store, const std::string& box) {
    auto record = store.mailbox(box);
    if (!record) return record.error();
    struct stat st {};
    if (::stat((store.user_dir() / storage::index::kFileName).c_str(), &st) != 0) st.st_ino = 0;
    return sort_cache().box(store.user_dir(), static_cast<std::uint64_t>(st.st_ino), box, record.value().uidvalidity);
}

bool same_criteria(const std::vector<SortCriterion>& a, const std::vector<SortCriterion>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const SortCriterion& x, const SortCriterion& y) {
        return x.key == y.key && x.reverse == y.reverse;
    });
}

void append_number(std::string& out, std::uint32_t n) {
    char buf[12];
    buf[0] = ' ';
    auto end = std::to_chars(buf + 1, buf + sizeof buf, n).ptr;
    out.append(buf, static_cast<std::size_t>(end - buf));
}

}  // namespace

Actions Session::cmd_sort(const std::string& tag, const SortCmd& c, Selected& sel) {
    if (!supported_charset(c.charset)) {
        if (c.ret && c.ret->save) sel.saved_result = {};
        return tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Charset not supported");
    }
    if (c.ret && c.ret->update && has_context(sel, tag)) return bad(tag, "Tag reuse");
    const bool modseq = uses_modseq(c.key);
    std::string enabling = modseq ? enable_condstore() : std::string();
    SortCmd shown = c;
    shown.ret = shown_return(c.ret);
    return async({StoreJob{[this, tag, box = sel.mailbox, c = std::move(shown), view = sel.uids, recent = sel.recent,
                            saved = sel.saved_result, modseq, enabling](storage::MailboxStore& store) {
        auto cache = cache_box(store, box);
        Result<Matches> found = cache ? Result<Matches>(Matches{}) : Result<Matches>(cache.error());
        std::string out;
        NumberSet to_save;
        std::vector<SortEntry> members;  // RETURN (UPDATE)'s context, in sort order
        if (cache) {
            SortCacheBox& cached = *cache.value();
            std::lock_guard lock(cached.mutex);
            // SEARCH ALL (no MODSEQ then): the order of a view sorted before is known.
            const bool whole_view = matches_everything(c.key);
            auto& last = cached.last_sort;
            std::vector<std::uint32_t> positions;
            if (whole_view && last && last->view == view && same_criteria(last->criteria, c.criteria)) {
                positions = last->positions;
            } else {
                found = find_matches(store, box, c.key, view, recent, saved, modseq && c.ret,
                                     needs_envelope(c.criteria), cached);
                if (found) positions = cached.sorted(found.value().slots, found.value().positions, c.criteria);
                if (found && whole_view) last = SortCacheBox::SortAnswer{c.criteria, view, positions};
            }
            if (found) {
                const Matches& m = found.value();
                std::vector<std::uint32_t> numbers;
                numbers.reserve(positions.size());
                for (std::uint32_t p : positions) numbers.push_back(c.uid ? view[p] : p + 1);
                if (c.ret) {
                    std::vector<std::uint64_t> modseqs;
                    if (modseq) {
                        // m's modseqs are in mailbox order; the positions find them.
                        std::vector<std::uint64_t> by_position(view.size());
                        for (std::size_t i = 0; i < m.positions.size(); ++i) by_position[m.positions[i]] = m.modseqs[i];
                        for (std::uint32_t p : positions) modseqs.push_back(by_position[p]);
                    }
                    if (c.ret->save) to_save = saved_uids(*c.ret, positions, view, true);
                    if (c.ret->update) {
                        // The cache holds the keys of every message sorted (`keyed` when
                        // the criteria need the envelope); the UID breaks ties now.
                        members.reserve(positions.size());
                        for (std::uint32_t p : positions) {
                            const std::uint32_t slot = cached.slot(view[p]);
                            if (slot == SortCacheBox::kAbsent) continue;
                            SortEntry e;
                            static_cast<SortFields&>(e) = cached.at(slot);
                            e.position = view[p];
                            members.push_back(std::move(e));
                        }
                    }
                    if (c.ret->min || c.ret->max || c.ret->all || c.ret->count || c.ret->partial)
                        out = enabling + esearch_response(tag, c.uid, *c.ret, numbers, true, modseqs);
                } else {
                    out = enabling + "* SORT";
                    out.reserve(out.size() + numbers.size() * 8 + 32);
                    for (std::uint32_t n : numbers) append_number(out, n);
                    if (modseq && !numbers.empty()) out += " (MODSEQ " + std::to_string(m.highest) + ")";
                    out += "\r\n";
                }
            }
        }
        std::optional<NumberSet> saved_now;
        if (c.ret && c.ret->save) saved_now = std::move(to_save);
        std::optional<UpdateContext> context;
        if (found && c.ret && c.ret->update)
            context = UpdateContext{tag, c.uid, true, c.criteria, c.key, c.ret->update_fetch, std::move(members)};
        return StoreResume([this, tag, error = found ? std::optional<Error>() : found.error(),
                            saved_now = std::move(saved_now), out = std::move(out),
                            context = std::move(context)]() mutable -> Actions {
            return search_done(tag, error, saved_now, out, "SORT completed", std::move(context));
        });
    }, sel.owner}});
}

Actions Session::cmd_thread(const std::string& tag, const ThreadCmd& c, Selected& sel) {
    if (!supported_charset(c.charset))
        return tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Charset not supported");
    std::string enabling = uses_modseq(c.key) ? enable_condstore() : std::string();
    return async({StoreJob{[this, tag, box = sel.mailbox, c, view = sel.uids, recent = sel.recent,
                            saved = sel.saved_result, enabling](storage::MailboxStore& store) {
        const bool references = c.algorithm == ThreadCmd::Algorithm::References;
        auto cache = cache_box(store, box);
        Result<Matches> found = cache ? Result<Matches>(Matches{}) : Result<Matches>(cache.error());
        std::string out;
        if (cache) {
            SortCacheBox& cached = *cache.value();
            std::lock_guard lock(cached.mutex);
            const bool whole_view = matches_everything(c.key);
            const auto& last = cached.last_thread;
            if (whole_view && last && last->references == references && last->uid == c.uid && last->view == view) {
                out = enabling + "* THREAD " + last->text + "\r\n";
                if (last->text.empty()) out = enabling + "* THREAD\r\n";  // rfc5256.txt:781
                return StoreResume([this, tag, out = std::move(out)]() -> Actions {
                    return search_done(tag, std::nullopt, std::nullopt, out, "THREAD completed");
                });
            }
            found = find_matches(store, box, c.key, view, recent, saved, false, true, cached);
            if (found && references) {
                if (auto filled = fill_threading(store, box, view, found.value(), cached); !filled)
                    found = filled.error();
            }
            if (found) {
                const Matches& m = found.value();
                std::vector<ThreadMessage> messages;
                messages.reserve(m.slots.size());
                for (std::size_t i = 0; i < m.slots.size(); ++i) {
                    const CachedMessage& e = cached.at(m.slots[i]);
                    ThreadMessage t;
                    t.id = c.uid ? view[m.positions[i]] : m.positions[i] + 1;
                    t.sent = e.keys.sent;
                    t.subject_key = e.keys.subject;
                    t.reply_or_forward = e.keys.reply_or_forward;
                    if (references) {
                        t.message_id = e.message_id;
                        t.references = e.references;
                    }
                    messages.push_back(std::move(t));
                }
                std::string text = references ? thread_references(messages) : thread_ordered_subject(messages);
                out = enabling + "* THREAD " + text;
                if (messages.empty()) out.pop_back();  // "* THREAD" alone (rfc5256.txt:781)
                out += "\r\n";
                if (whole_view) cached.last_thread = SortCacheBox::ThreadAnswer{references, c.uid, view, std::move(text)};
            }
        }
        return StoreResume([this, tag, error = found ? std::optional<Error>() : found.error(),
                            out = std::move(out)]() -> Actions {
            return search_done(tag, error, std::nullopt, out, "THREAD completed");
        });
    }, sel.owner}});
}

}  // namespace mr::imapd::session
