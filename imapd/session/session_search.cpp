// SEARCH and UID SEARCH (RFC 3501 §6.4.4, rfc3501.txt:2723; response §7.2.5,
// rfc3501.txt:3927).
//
// Invariants:
// - The search runs over the session's view (Selected::uids): messages another session added and
//   this one has not been told about yet have no number and are not searched; messages
//   expunged meanwhile (their EXPUNGE withheld) no longer match anything.
// - Cheap keys first: a first pass decides every message it can from the index row alone
//   (flags, keywords, UID, sequence number, internal date, \Recent). Only the messages it
//   leaves undecided get their cached structure deserialized (SENT*, LARGER, SMALLER) and
//   only those whose keys still need content have their bytes read (MessageMatcher).
// - Sequence sets are resolved once against the view ("*" is the last message, or the
//   highest UID for UID; ranges in either order, rfc3501.txt:5017); numbers past the end
//   simply match nothing.
// - BEFORE/ON/SINCE compare the internal date's UTC day, disregarding time
//   (rfc3501.txt:2811); SENT* use the Date: header and, without a usable one, the
//   internal date (as Dovecot does).
// - A message whose structure or file cannot be read matches no content key: one damaged
//   message does not fail the whole search.
// - OLDER/YOUNGER (WITHIN, RFC 5032) compare the internal date with the time the search
//   runs (read on the store job's thread, the one clock this file reads).
// - CHARSET: UTF-8 and US-ASCII (a subset) only; others get NO [BADCHARSET (...)]
//   (rfc3501.txt:2773).
#include <algorithm>
#include <ctime>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/mime/message_structure.hpp"
#include "common/text/ascii.hpp"
#include "imapd/render/message_search.hpp"
#include "imapd/session/search_context.hpp"
#include "imapd/session/search_run.hpp"
#include "imapd/session/session.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

namespace {

using Kind = SearchKey::Kind;
enum class Tri { No, Yes, Maybe };

Tri tri(bool b) { return b ? Tri::Yes : Tri::No; }

// A SearchKey with its sets resolved and its strings prepared (search_form), once per command.
struct Node {
    Kind kind = Kind::All;
    NumberSet set;                       // SequenceSet (message numbers) / Uid
    std::optional<SearchString> needle;  // string keys
    std::string header;                  // Header: field name
    std::string keyword;                 // Keyword / Unkeyword; EmailId / ThreadId: the id
    std::int64_t day = 0;                // Before/On/Since: days since the epoch;
                                         // Older/Younger: the instant (epoch seconds) between
    CivilDate civil;                     // Sent*
    std::uint64_t size = 0;              // Larger / Smaller; ModSeq: the MODSEQ
    std::vector<Node> children;
};

// Per command: the view's size and highest UID, the time, the saved result ("$").
struct Context {
    std::uint32_t count = 0;
    std::uint32_t max_uid = 0;
    std::int64_t now = 0;
    const NumberSet* saved = nullptr;
};

Node compile(const SearchKey& k, const Context& ctx) {
    Node n;
    n.kind = k.kind;
    const std::uint32_t count = ctx.count, max_uid = ctx.max_uid;
    const std::int64_t now = ctx.now;
    if ((k.kind == Kind::SequenceSet || k.kind == Kind::Uid) && k.set.is_saved_result()) {
        n.kind = Kind::Uid;  // "$" names the saved messages by UID (RFC 5182 §2.1)
        n.set = *ctx.saved;
        return n;
    }
    switch (k.kind) {
        case Kind::SequenceSet: n.set = k.set.resolve(count); break;
        case Kind::Uid: n.set = k.set.resolve(max_uid); break;
        case Kind::Bcc: case Kind::Body: case Kind::Cc: case Kind::From: case Kind::Header:
        case Kind::Subject: case Kind::Text: case Kind::To:
            n.needle.emplace(k.value);
            n.header = k.header;
            break;
        case Kind::Keyword: case Kind::Unkeyword: case Kind::EmailId: case Kind::ThreadId: n.keyword = k.value; break;
        case Kind::Before: case Kind::On: case Kind::Since:
        case Kind::SavedBefore: case Kind::SavedOn: case Kind::SavedSince: n.day = k.date.days_since_epoch(); break;
        case Kind::SentBefore: case Kind::SentOn: case Kind::SentSince:
            n.civil = CivilDate{k.date.year, k.date.month, k.date.day};
            n.day = k.date.days_since_epoch();
            break;
        case Kind::Larger: case Kind::Smaller: n.size = k.size; break;
        case Kind::ModSeq: n.size = k.modseq; break;
        case Kind::Older: case Kind::Younger: n.day = now - static_cast<std::int64_t>(k.size); break;
        default: break;
    }
    for (const auto& c : k.children) n.children.push_back(compile(c, ctx));
    return n;
}

std::int64_t utc_day(std::int64_t t) { return t >= 0 ? t / 86400 : -((-t + 86399) / 86400); }

bool has_keyword(const storage::MessageRecord& m, std::string_view keyword) {
    for (const auto& k : m.keywords)
        if (text::iequals(k, keyword)) return true;
    return false;
}

// One message: its index row, number, \Recent, and (lazily) structure and bytes.
class Subject {
public:
    Subject(storage::MailboxStore& store, const std::string& box, const storage::MessageRecord& rec,
            std::uint32_t seq, bool recent)
        : store_(store), box_(box), rec_(rec), seq_(seq), recent_(recent) {}

    // The verdict from the index row alone; Maybe when content is needed.
    Tri row(const Node& n) const {
        const std::uint32_t f = rec_.flags;
        switch (n.kind) {
            case Kind::All: return Tri::Yes;
            case Kind::Answered: return tri(f & storage::kAnswered);
            case Kind::Deleted: return tri(f & storage::kDeleted);
            case Kind::Draft: return tri(f & storage::kDraft);
            case Kind::Flagged: return tri(f & storage::kFlagged);
            case Kind::Seen: return tri(f & storage::kSeen);
            case Kind::Unanswered: return tri(!(f & storage::kAnswered));
            case Kind::Undeleted: return tri(!(f & storage::kDeleted));
            case Kind::Undraft: return tri(!(f & storage::kDraft));
            case Kind::Unflagged: return tri(!(f & storage::kFlagged));
            case Kind::Unseen: return tri(!(f & storage::kSeen));
            case Kind::Recent: return tri(recent_);
            case Kind::New: return tri(recent_ && !(f & storage::kSeen));  // rfc3501.txt:2856
            case Kind::Old: return tri(!recent_);
            case Kind::Keyword: return tri(has_keyword(rec_, n.keyword));
            case Kind::Unkeyword: return tri(!has_keyword(rec_, n.keyword));
            case Kind::SequenceSet: return tri(n.set.contains(seq_));
            case Kind::Uid: return tri(n.set.contains(rec_.uid));
            case Kind::ModSeq: return tri(rec_.modseq >= n.size);  // rfc7162.txt:1047
            case Kind::Before: return tri(utc_day(rec_.internal_date) < n.day);
            case Kind::On: return tri(utc_day(rec_.internal_date) == n.day);
            case Kind::Since: return tri(utc_day(rec_.internal_date) >= n.day);
            // RFC 8514 §4.2: as BEFORE/ON/SINCE, on the save date; every mailbox has one.
            case Kind::SavedBefore: return tri(utc_day(rec_.save_date) < n.day);
            case Kind::SavedOn: return tri(utc_day(rec_.save_date) == n.day);
            case Kind::SavedSince: return tri(utc_day(rec_.save_date) >= n.day);
            case Kind::SaveDateSupported: return Tri::Yes;
            // RFC 8474 §6: exactly the given id (case-sensitive, rfc8474.txt:498); a row
            // without a THREADID yet matches none.
            case Kind::EmailId: return tri(rec_.email_id == n.keyword);
            case Kind::ThreadId: return tri(!rec_.thread_id.empty() && rec_.thread_id == n.keyword);
            // RFC 5032 §3: internal date at least / less than the interval ago, so the
            // two are each other's complement (as Dovecot counts them).
            case Kind::Older: return tri(rec_.internal_date <= n.day);
            case Kind::Younger: return tri(rec_.internal_date > n.day);
            case Kind::Not: {
                const Tri t = row(n.children.front());
                return t == Tri::Maybe ? t : tri(t == Tri::No);
            }
            case Kind::Or: {
                bool maybe = false;
                for (const auto& c : n.children) {
                    const Tri t = row(c);
                    if (t == Tri::Yes) return t;
                    maybe = maybe || t == Tri::Maybe;
                }
                return maybe ? Tri::Maybe : Tri::No;
            }
            case Kind::And: {
                bool maybe = false;
                for (const auto& c : n.children) {
                    const Tri t = row(c);
                    if (t == Tri::No) return t;
                    maybe = maybe || t == Tri::Maybe;
                }
                return maybe ? Tri::Maybe : Tri::Yes;
            }
            default: return Tri::Maybe;  // content keys
        }
    }

    // The full verdict: decided keys from the row, the others from the content, cheap
    // children of AND/OR before expensive ones.
    bool full(const Node& n) {
        const Tri t = row(n);
        if (t != Tri::Maybe) return t == Tri::Yes;
        switch (n.kind) {
            case Kind::Not: return !full(n.children.front());
            case Kind::Or:
                for (const auto& c : n.children)
                    if (row(c) == Tri::Maybe && full(c)) return true;
                return false;
            case Kind::And:
                for (const auto& c : n.children)
                    if (row(c) == Tri::Maybe && !full(c)) return false;
                return true;
            default: return content(n);
        }
    }

private:
    bool content(const Node& n) {
        const mime::MessageStructure* s = structure();
        if (!s) return false;
        switch (n.kind) {
            case Kind::Larger: return larger(*s, n.size);
            case Kind::Smaller: return smaller(*s, n.size);
            case Kind::SentBefore: return sent_before(*s, n.civil).value_or(utc_day(rec_.internal_date) < n.day);
            case Kind::SentOn: return sent_on(*s, n.civil).value_or(utc_day(rec_.internal_date) == n.day);
            case Kind::SentSince: return sent_since(*s, n.civil).value_or(utc_day(rec_.internal_date) >= n.day);
            default: break;
        }
        MessageMatcher* m = matcher();
        if (!m) return false;
        const SearchString& needle = *n.needle;
        switch (n.kind) {
            case Kind::Header: return m->header(n.header, needle);
            case Kind::From: return m->from(needle);
            case Kind::To: return m->to(needle);
            case Kind::Cc: return m->cc(needle);
            case Kind::Bcc: return m->bcc(needle);
            case Kind::Subject: return m->subject(needle);
            case Kind::Body: return m->body(needle);
            case Kind::Text: return m->text(needle);
            default: return false;
        }
    }

    const mime::MessageStructure* structure() {
        if (!structure_tried_) {
            structure_tried_ = true;
            if (auto s = mime::deserialize(rec_.structure)) structure_.emplace(std::move(s.value()));
        }
        return structure_ ? &*structure_ : nullptr;
    }

    MessageMatcher* matcher() {
        if (!bytes_tried_) {
            bytes_tried_ = true;
            auto bytes = store_.read_message(box_, rec_.uid);
            if (bytes && structure()) {
                bytes_ = std::move(bytes.value());
                matcher_.emplace(bytes_, *structure_);
            }
        }
        return matcher_ ? &*matcher_ : nullptr;
    }

    storage::MailboxStore& store_;
    const std::string& box_;
    const storage::MessageRecord& rec_;
    std::uint32_t seq_;
    bool recent_;
    bool structure_tried_ = false;
    bool bytes_tried_ = false;
    std::optional<mime::MessageStructure> structure_;
    std::string bytes_;
    std::optional<MessageMatcher> matcher_;  // views of bytes_ and *structure_
};

}  // namespace

Result<std::vector<std::uint32_t>> run_search(storage::MailboxStore& store, const std::string& box,
                                              const SearchKey& key, const std::vector<std::uint32_t>& view,
                                              const NumberSet& recent, const NumberSet& saved,
                                              std::uint64_t& highest,
                                              std::vector<storage::MessageRecord>* matched_rows) {
    auto rows = store.messages(box);
    if (!rows) return rows.error();
    const auto count = static_cast<std::uint32_t>(view.size());
    // WITHIN's intervals count back from when the search runs.
    const Node root = compile(key, Context{count, view.empty() ? 0 : view.back(),
                                           static_cast<std::int64_t>(std::time(nullptr)), &saved});
    std::vector<std::uint32_t> out;
    std::size_t pos = 0;  // rows and view are both in ascending UID order
    for (auto& rec : rows.value()) {
        while (pos < view.size() && view[pos] < rec.uid) ++pos;
        if (pos == view.size()) break;  // the rest arrived after the view was taken
        if (view[pos] != rec.uid) continue;
        bool match = false;
        {
            Subject subject(store, box, rec, static_cast<std::uint32_t>(pos + 1), recent.contains(rec.uid));
            match = subject.full(root);
        }
        if (match) {
            out.push_back(static_cast<std::uint32_t>(pos));
            highest = std::max(highest, rec.modseq);
            if (matched_rows) matched_rows->push_back(std::move(rec));
        }
    }
    return out;
}

std::vector<bool> match_records(storage::MailboxStore& store, const std::string& box, const SearchKey& key,
                                const std::vector<storage::MessageRecord>& records,
                                const std::vector<std::uint32_t>& view, const NumberSet& recent,
                                const NumberSet& saved) {
    const auto count = static_cast<std::uint32_t>(view.size());
    std::uint32_t past_end = count;
    const Node root = compile(key, Context{count, view.empty() ? 0 : view.back(),
                                           static_cast<std::int64_t>(std::time(nullptr)), &saved});
    std::vector<bool> out;
    out.reserve(records.size());
    for (const auto& rec : records) {
        auto it = std::lower_bound(view.begin(), view.end(), rec.uid);
        const std::uint32_t seq = it != view.end() && *it == rec.uid ? static_cast<std::uint32_t>(it - view.begin() + 1)
                                                                     : ++past_end;
        Subject subject(store, box, rec, seq, recent.contains(rec.uid));
        out.push_back(subject.full(root));
    }
    return out;
}

bool uses_modseq(const SearchKey& k) {
    return k.kind == Kind::ModSeq || std::any_of(k.children.begin(), k.children.end(), uses_modseq);
}

bool supported_charset(const std::string& charset) {
    return text::iequals(charset, "UTF-8") || text::iequals(charset, "US-ASCII");
}

NumberSet saved_uids(const SearchReturn& ret, const std::vector<std::uint32_t>& positions,
                     const std::vector<std::uint32_t>& view, bool sorted) {
    if (positions.empty()) return {};
    std::vector<std::uint32_t> uids;
    // RFC 5182 §2.1: with MIN and/or MAX but neither ALL nor COUNT, only those are saved.
    if ((ret.min || ret.max) && !ret.all && !ret.count && !ret.partial) {
        const auto [lo, hi] = std::minmax_element(positions.begin(), positions.end());
        if (ret.min) uids.push_back(view[sorted ? positions.front() : *lo]);
        if (ret.max) uids.push_back(view[sorted ? positions.back() : *hi]);
    } else {
        for (std::uint32_t p : positions) uids.push_back(view[p]);
    }
    return NumberSet::from_numbers(uids);
}

std::string esearch_response(const std::string& tag, bool uid, const SearchReturn& ret,
                             const std::vector<std::uint32_t>& numbers, bool sorted,
                             const std::vector<std::uint64_t>& modseqs) {
    // search-correlator: tag-string is a string (RFC 4466 §2.6.2); tags hold neither '"'
    // nor '\\' (rfc3501.txt:5061), so quoting is enough.
    std::string out = "* ESEARCH (TAG \"" + tag + "\")";
    if (uid) out += " UID";
    std::size_t min_at = 0, max_at = 0;  // positions in `numbers`
    if (!numbers.empty()) {
        if (sorted) {
            max_at = numbers.size() - 1;
        } else {
            const auto [lo, hi] = std::minmax_element(numbers.begin(), numbers.end());
            min_at = static_cast<std::size_t>(lo - numbers.begin());
            max_at = static_cast<std::size_t>(hi - numbers.begin());
        }
        if (ret.min) out += " MIN " + std::to_string(numbers[min_at]);
        if (ret.max) out += " MAX " + std::to_string(numbers[max_at]);
        if (ret.all) out += " ALL " + ordered_set(numbers);
    }
    if (ret.count) out += " COUNT " + std::to_string(numbers.size());
    if (ret.partial) {
        // RFC 5267 §4.4: the positions first..last of the result, NIL when none is there.
        const auto [first, last] = *ret.partial;
        std::vector<std::uint32_t> part;
        for (std::size_t i = first - 1; i < numbers.size() && i < last; ++i) part.push_back(numbers[i]);
        out += " PARTIAL (" + std::to_string(first) + ":" + std::to_string(last) + " " +
               (part.empty() ? std::string("NIL") : ordered_set(part)) + ")";
    }
    if (!modseqs.empty() && !numbers.empty()) {
        // Of the messages returned: only MIN and/or MAX name just those (rfc4731.txt:203).
        std::uint64_t highest = 0;
        if ((ret.min || ret.max) && !ret.all && !ret.count && !ret.partial) {
            if (ret.min) highest = modseqs[min_at];
            if (ret.max) highest = std::max(highest, modseqs[max_at]);
        } else {
            highest = *std::max_element(modseqs.begin(), modseqs.end());
        }
        out += " MODSEQ " + std::to_string(highest);
    }
    return out + "\r\n";
}

bool has_context(const Selected& sel, const std::string& tag) {
    return std::any_of(sel.contexts.begin(), sel.contexts.end(), [&](const UpdateContext& c) { return c.tag == tag; });
}

std::optional<SearchReturn> shown_return(const std::optional<SearchReturn>& ret) {
    // UPDATE alone still answers the result it will update, as RETURN () would (RFC 4731
    // §3.1): the client needs it to apply ADDTO and REMOVEFROM to.
    if (!ret || !ret->update || ret->min || ret->max || ret->all || ret->count || ret->partial) return ret;
    SearchReturn shown = *ret;
    shown.all = true;
    return shown;
}

Actions Session::cmd_search(const std::string& tag, const SearchCmd& c, Selected& sel) {
    // RFC 6855 §3 (rfc6855.txt:198): after ENABLE UTF8=ACCEPT a CHARSET conflicts.
    if (c.charset && mode_.utf8_accept) return bad(tag, "No CHARSET after ENABLE UTF8=ACCEPT");
    if (c.charset && !supported_charset(*c.charset)) {
        if (c.ret && c.ret->save) sel.saved_result = {};  // a failed SAVE leaves "$" empty (RFC 5182 §2.1)
        return tagged(tag, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Charset not supported");
    }
    // SEARCH MODSEQ is a CONDSTORE enabling command (rfc7162.txt:377); its answer ends
    // with the highest MODSEQ of the matches (RFC 7162 §3.1.6, rfc7162.txt:1101), in
    // ESEARCH as MODSEQ (RFC 4731 §3.2, rfc4731.txt:194).
    if (c.ret && c.ret->update && has_context(sel, tag)) return bad(tag, "Tag reuse");
    const bool modseq = uses_modseq(c.key);
    std::string enabling = modseq ? enable_condstore() : std::string();
    // IMAP4rev2: no RETURN is RETURN (ALL), answered with ESEARCH (RFC 9051 §6.4.4,
    // rfc9051.txt:3736).
    std::optional<SearchReturn> ret = shown_return(c.ret);
    if (!ret && mode_.search_answers_esearch()) {
        ret.emplace();
        ret->all = true;
    }
    return async({StoreJob{[this, tag, box = sel.mailbox, key = c.key, uid_form = c.uid, ret,
                            view = sel.uids, recent = sel.recent, saved = sel.saved_result, modseq,
                            enabling](storage::MailboxStore& store) {
        std::uint64_t highest = 0;
        std::vector<storage::MessageRecord> rows;
        auto found = run_search(store, box, key, view, recent, saved, highest, ret && modseq ? &rows : nullptr);
        std::string out;
        NumberSet to_save;
        if (found) {
            std::vector<std::uint32_t> numbers;
            numbers.reserve(found.value().size());
            for (std::uint32_t i : found.value()) numbers.push_back(uid_form ? view[i] : i + 1);
            if (ret) {
                std::vector<std::uint64_t> modseqs;
                for (const auto& r : rows) modseqs.push_back(r.modseq);
                if (ret->save) to_save = saved_uids(*ret, found.value(), view, false);
                if (ret->min || ret->max || ret->all || ret->count || ret->partial)
                    out = enabling + esearch_response(tag, uid_form, *ret, numbers, false, modseqs);
            } else {
                out = enabling + "* SEARCH";
                for (std::uint32_t n : numbers) out += " " + std::to_string(n);
                if (modseq && !numbers.empty()) out += " (MODSEQ " + std::to_string(highest) + ")";
                out += "\r\n";
            }
        }
        std::optional<NumberSet> saved_now;
        if (ret && ret->save) saved_now = std::move(to_save);
        std::optional<UpdateContext> context;
        if (found && ret && ret->update) {
            context = UpdateContext{tag, uid_form, false, {}, key, ret->update_fetch, {}};
            for (std::uint32_t i : found.value()) {
                SortEntry e;
                e.position = view[i];
                context->members.push_back(std::move(e));
            }
        }
        return StoreResume([this, tag, error = found ? std::optional<Error>() : found.error(),
                            saved_now = std::move(saved_now), out = std::move(out),
                            context = std::move(context)]() mutable -> Actions {
            return search_done(tag, error, saved_now, out, "SEARCH completed", std::move(context));
        });
    }, sel.owner}});
}

Actions Session::search_done(const std::string& tag, const std::optional<Error>& error,
                             const std::optional<NumberSet>& saved, const std::string& out,
                             std::string_view ok_text, std::optional<UpdateContext> context) {
    if (saved) {
        if (Selected* current = selected()) current->saved_result = *saved;
    }
    if (error) return store_error(tag, *error);
    Actions acts;
    const std::string refused = context ? open_context(std::move(*context)) : std::string();
    if (!refused.empty() || !out.empty()) acts.push_back({Send{refused + out}});
    for (auto& a : tagged(tag, "OK", ok_text)) acts.push_back(std::move(a));
    return acts;
}

}  // namespace mr::imapd::session
