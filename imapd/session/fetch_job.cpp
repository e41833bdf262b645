// FetchJob: see fetch_job.hpp for the invariants (bounded steps, exact literals).
#include "imapd/session/fetch_job.hpp"
#include "imapd/session/flags.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "imapd/render/binary_section.hpp"
#include "imapd/render/body_structure.hpp"
#include "imapd/render/envelope.hpp"
#include "imapd/render/imap_string.hpp"
#include "imapd/render/section.hpp"
#include "storage/mailbox_store.hpp"
#include "storage/maildir.hpp"

namespace mr::imapd::session {

namespace {

using K = FetchItem::Kind;

// date-time (rfc3501.txt:4697) in UTC: "05-Mar-2024 10:00:00 +0000".
void append_internal_date(std::string& out, std::int64_t t) {
    static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[40];
    std::snprintf(buf, sizeof buf, "\"%02d-%s-%04d %02d:%02d:%02d +0000\"", tm.tm_mday, kMonths[tm.tm_mon % 12],
                  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    out += buf;
}

// Items answered from the top-level header block (cached in the index, schema v3).
bool reads_top_header(const FetchItem& item) {
    if (item.kind == K::Rfc822Header) return true;
    if (item.kind != K::BodySection || !item.section.section.part.empty()) return false;
    const auto k = item.section.section.kind;
    return k == Section::Kind::Header || k == Section::Kind::HeaderFields || k == Section::Kind::HeaderFieldsNot;
}

bool uses_structure(const FetchItem& item) {
    return item.kind != K::Uid && item.kind != K::Flags && item.kind != K::InternalDate && item.kind != K::ModSeq &&
           item.kind != K::EmailId && item.kind != K::ThreadId && item.kind != K::SaveDate;
}

bool is_binary(const FetchItem& item) { return item.kind == K::Binary || item.kind == K::BinarySize; }

// Answered from mime::RootSizes (and the header cache when it holds the header).
bool uses_root_sizes(const FetchItem& item) { return item.kind == K::Rfc822Size || reads_top_header(item); }

mime::RootSizes root_sizes_of(const mime::MessageStructure& s) {
    return {s.size, s.root.body_start, s.root.header_extra, s.root.body_extra};
}

}  // namespace

FetchJob::FetchJob(std::string mailbox, std::vector<FetchItem> items, std::vector<FetchTarget> targets,
                   bool mark_seen)
    : mailbox_(std::move(mailbox)), items_(std::move(items)), targets_(std::move(targets)), mark_seen_(mark_seen) {
    wants_structure_ = std::any_of(items_.begin(), items_.end(),
                                   [](const FetchItem& i) { return uses_structure(i) && !uses_root_sizes(i); });
    wants_sizes_ = std::any_of(items_.begin(), items_.end(), uses_root_sizes);
    wants_header_ = std::any_of(items_.begin(), items_.end(), reads_top_header);
    shows_flags_ = mark_seen_ ||
                   std::any_of(items_.begin(), items_.end(), [](const FetchItem& i) { return i.kind == K::Flags; });
    wants_binary_ = std::any_of(items_.begin(), items_.end(), is_binary);
    binaries_.resize(items_.size());
    section_names_.resize(items_.size());
    filters_.resize(items_.size());
    for (std::size_t i = 0; i < items_.size(); ++i) {
        if (is_binary(items_[i])) {
            append_binary_name(section_names_[i], items_[i].section, items_[i].kind == K::BinarySize);
            section_names_[i] += ' ';
        }
        if (items_[i].kind != K::BodySection) continue;
        append_section_name(section_names_[i], items_[i].section);
        section_names_[i] += ' ';
        const Section& sec = items_[i].section.section;
        if (sec.kind == Section::Kind::HeaderFields || sec.kind == Section::Kind::HeaderFieldsNot)
            filters_[i].emplace(sec.fields, sec.kind == Section::Kind::HeaderFieldsNot);
    }
}

Result<void> FetchJob::load_batch(storage::MailboxStore& store) {
    batch_.clear();
    batch_pos_ = 0;
    newly_seen_.clear();
    const std::size_t end = std::min(targets_.size(), next_target_ + kBatch);
    std::vector<std::uint32_t> uids;
    uids.reserve(end - next_target_);
    for (std::size_t i = next_target_; i < end; ++i) uids.push_back(targets_[i].uid);
    auto records = wants_header_ ? store.messages_with_headers(mailbox_, uids) : store.messages(mailbox_, uids);
    if (!records) return records.error();
    auto& recs = records.value();  // UID order
    if (changed_since_) {
        std::erase_if(recs, [since = *changed_since_](const storage::MessageRecord& r) { return r.modseq <= since; });
    }
    if (mark_seen_) {
        std::vector<std::uint32_t> unseen;
        for (const auto& r : recs)
            if (!(r.flags & storage::kSeen)) unseen.push_back(r.uid);
        if (!unseen.empty()) {
            auto set = store.set_flags(mailbox_, unseen, storage::FlagOp::Add, storage::kSeen);
            if (!set) return set.error();
            if (!set.value().updated.empty()) own_modseqs_.push_back(set.value().updated.front().modseq);
            for (const auto& u : set.value().updated) {
                auto it = std::lower_bound(recs.begin(), recs.end(), u.uid,
                                           [](const storage::MessageRecord& r, std::uint32_t uid) { return r.uid < uid; });
                if (it != recs.end() && it->uid == u.uid) {
                    it->flags = u.flags;
                    it->modseq = u.modseq;
                }
                newly_seen_.insert(u.uid);
            }
        }
    }
    batch_.reserve(recs.size());
    for (std::size_t i = next_target_; i < end; ++i) {
        auto it = std::lower_bound(recs.begin(), recs.end(), targets_[i].uid,
                                   [](const storage::MessageRecord& r, std::uint32_t uid) { return r.uid < uid; });
        if (it == recs.end() || it->uid != targets_[i].uid) continue;  // expunged meanwhile
        batch_.push_back(Loaded{targets_[i].seq, std::move(*it)});
    }
    next_target_ = end;
    return {};
}

Result<bool> FetchJob::step(storage::MailboxStore& store, std::string& out, std::size_t budget) {
    // One allocation for the step instead of a doubling chain that copies ~1 MiB: a step
    // ends at most one small response (a streamed literal stops at the budget) past it.
    out.reserve(out.size() + std::min(budget, kBudget) + kStepSlack);
    for (;;) {
        if (open_) {
            auto r = render_items(store, out, budget);
            if (!r) return r.error();
            if (!r.value()) return false;
            ++batch_pos_;
            open_ = false;
        }
        if (out.size() >= budget) return false;
        if (batch_pos_ >= batch_.size()) {
            if (next_target_ >= targets_.size()) return true;
            if (auto r = load_batch(store); !r) return r.error();
            continue;
        }
        const Loaded& m = batch_[batch_pos_];
        if (auto r = decode_structure(); !r) return r.error();
        if (wants_binary_) {
            if (auto r = prepare_binaries(store); !r) return r.error();
        }
        if (shows_flags_) out += announce_keywords(keywords_, m.record.keywords, read_only_);
        out += "* ";
        append_number(out, m.seq);
        out += " FETCH (";
        open_ = true;
        item_ = 0;
        flags_sent_ = false;
    }
}

Result<bool> FetchJob::render_items(storage::MailboxStore& store, std::string& out, std::size_t budget) {
    const Loaded& m = batch_[batch_pos_];
    const storage::MessageRecord& rec = m.record;
    if (stream_) {
        auto r = pump_stream(store, out, budget);
        if (!r) return r.error();
        if (!r.value()) return false;
        ++item_;
    }
    for (; item_ < items_.size(); ++item_) {
        const FetchItem& item = items_[item_];
        if (item_ > 0) out += ' ';
        switch (item.kind) {
            case K::Uid:
                out += "UID ";
                append_number(out, rec.uid);
                break;
            case K::Flags:
                out += "FLAGS ";
                append_flag_list(out, rec.flags, rec.keywords, recent_.contains(rec.uid));
                flags_sent_ = true;
                break;
            case K::InternalDate:
                out += "INTERNALDATE ";
                append_internal_date(out, rec.internal_date);
                break;
            case K::Rfc822Size:
                out += "RFC822.SIZE ";  // = wire_size(structure)
                append_number(out, sizes_.imap_size());
                break;
            case K::Envelope:
                out += "ENVELOPE ";
                append_envelope(out, structure_.envelope, quoted_);
                break;
            case K::Body:
                out += "BODY ";
                append_body_structure(out, structure_.root, false);
                break;
            case K::BodyStructure:
                out += "BODYSTRUCTURE ";
                append_body_structure(out, structure_.root, true);
                break;
            case K::ModSeq:
                out += "MODSEQ (";
                append_number(out, rec.modseq);
                out += ')';
                break;
            case K::EmailId:  // RFC 8474 §5.3 fetch-emailid-resp
                out += "EMAILID (";
                out += rec.email_id;
                out += ')';
                break;
            case K::ThreadId:  // RFC 8474 §5.3 fetch-threadid-resp
                // NIL only for a row from before schema v11 whose thread could not be
                // stored yet (storage/mailbox_store_threads.cpp).
                if (rec.thread_id.empty()) {
                    out += "THREADID NIL";
                } else {
                    out += "THREADID (";
                    out += rec.thread_id;
                    out += ')';
                }
                break;
            case K::SaveDate:  // RFC 8514 §4.3
                out += "SAVEDATE ";
                if (rec.save_date > 0) append_internal_date(out, rec.save_date);
                else out += "NIL";
                break;
            case K::BinarySize:
                out += section_names_[item_];
                append_number(out, binaries_[item_].size());
                break;
            case K::Binary: {
                out += section_names_[item_];
                const std::string& content = binaries_[item_];
                const Slice s = apply_partial(content.size(), item.section.partial);
                const std::string_view slice = std::string_view(content).substr(s.skip, s.length);
                if (needs_literal8(content)) out += '~';
                append_literal_header(out, slice.size());
                out.append(slice);
                break;
            }
            case K::Rfc822:
            case K::Rfc822Header:
            case K::Rfc822Text:
            case K::BodySection: {
                Section section;
                std::optional<Partial> partial;
                if (item.kind == K::Rfc822) {
                    out += "RFC822 ";
                    section = rfc822_section();
                } else if (item.kind == K::Rfc822Header) {
                    out += "RFC822.HEADER ";
                    section = rfc822_section(Section::Kind::Header);
                } else if (item.kind == K::Rfc822Text) {
                    out += "RFC822.TEXT ";
                    section = rfc822_section(Section::Kind::Text);
                } else {
                    out += section_names_[item_];
                    section = item.section.section;
                    partial = item.section.partial;
                }
                if (auto r = render_section(store, out, section, partial); !r) return r.error();
                if (stream_) {
                    auto r = pump_stream(store, out, budget);
                    if (!r) return r.error();
                    if (!r.value()) return false;
                }
                break;
            }
        }
    }
    // \Seen set by this FETCH is reported with it (rfc3501.txt:3218).
    if (!flags_sent_ && newly_seen_.contains(rec.uid)) {
        out += " FLAGS ";
        append_flag_list(out, rec.flags, rec.keywords, recent_.contains(rec.uid));
    }
    out += ")\r\n";
    return true;
}

// Writes the literal head and either the whole (small, in-memory) content or sets up
// stream_ for a file range.
Result<void> FetchJob::render_section(storage::MailboxStore& store, std::string& out, const Section& section,
                                      std::optional<Partial> partial) {
    // The top-level header block from the index when it is cached (and matches the
    // structure), else from the file.
    const std::string& cached = batch_[batch_pos_].record.header;
    const bool top_header = section.part.empty() && (section.kind == Section::Kind::Header ||
                                                     section.kind == Section::Kind::HeaderFields ||
                                                     section.kind == Section::Kind::HeaderFieldsNot);
    const bool from_cache = top_header && header_cached();
    SectionRange r;
    if (from_cache) {  // what locate_section() gives for these, without the structure
        r.kind = section.kind == Section::Kind::Header ? SectionRange::Kind::FileRange
                                                       : SectionRange::Kind::HeaderSubset;
        r.end = sizes_.body_start;
        r.extra = sizes_.header_extra;
    } else {
        if (!decoded_) return Error::internal("FETCH: structure not decoded");  // decode_structure() bug
        r = locate_section(structure_, section);
    }
    switch (r.kind) {
        case SectionRange::Kind::Empty:
            append_literal_header(out, 0);
            return {};
        case SectionRange::Kind::HeaderSubset: {
            std::string read_header;
            if (!from_cache) {
                auto bytes = read(store, r.begin, r.end - r.begin);
                if (!bytes) return bytes.error();
                read_header = std::move(bytes.value());
            }
            // Only BODY[...HEADER.FIELDS...] items get here, and their filter is made.
            const std::string_view header = from_cache ? std::string_view(cached) : std::string_view(read_header);
            filtered_.clear();
            if (filters_[item_])
                filters_[item_]->append(filtered_, header, r.extra == 0);
            else
                filtered_ = filter_header(header, section.fields, section.kind == Section::Kind::HeaderFieldsNot);
            const Slice s = apply_partial(filtered_.size(), partial);
            append_literal_header(out, s.length);
            out.append(filtered_, s.skip, s.length);
            return {};
        }
        case SectionRange::Kind::FileRange:
            break;
    }
    const Slice s = apply_partial(r.wire_size(), partial);
    append_literal_header(out, s.length);
    if (s.length == 0) return {};
    if (from_cache) {  // BODY[HEADER], RFC822.HEADER
        if (r.extra == 0) {
            out.append(cached, static_cast<std::size_t>(s.skip), static_cast<std::size_t>(s.length));
        } else {
            std::string wire;
            append_wire(wire, cached, 0, cached.size());
            out.append(wire, static_cast<std::size_t>(s.skip), static_cast<std::size_t>(s.length));
        }
        return {};
    }
    Stream st;
    st.left = s.length;
    st.end = r.end;
    if (r.extra == 0) {
        st.offset = r.begin + s.skip;
    } else {
        st.offset = r.begin;
        st.wire.emplace(s.skip, s.length);
        st.ends_message = r.end == sizes_.size;
    }
    stream_ = std::move(st);
    return {};
}

// Sends more of stream_; true when the literal is complete.
Result<bool> FetchJob::pump_stream(storage::MailboxStore& store, std::string& out, std::size_t budget) {
    Stream& st = *stream_;
    while (st.left > 0) {
        if (out.size() >= budget) return false;
        const std::uint64_t room = std::max<std::uint64_t>(budget - out.size(), 4096);
        std::uint64_t want = std::min<std::uint64_t>({st.wire ? kChunk : st.left, room, kChunk});
        if (st.offset < st.end) want = std::min<std::uint64_t>(want, st.end - st.offset);
        std::string chunk;
        if (st.offset < st.end) {
            auto bytes = read(store, st.offset, want);
            if (!bytes) return bytes.error();
            chunk = std::move(bytes.value());
        }
        if (chunk.empty()) {
            // The file is shorter than its structure says (changed behind our back):
            // keep the promised literal length.
            out.append(static_cast<std::size_t>(st.left), ' ');
            st.left = 0;
            break;
        }
        st.offset += chunk.size();
        if (st.wire) {
            const std::size_t before = out.size();
            st.wire->feed(chunk, out);
            if (st.offset >= st.end && st.ends_message) st.wire->finish(out);
            st.left -= std::min<std::uint64_t>(st.left, out.size() - before);
            if (st.wire->done()) st.left = 0;
        } else {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), st.left));
            out.append(chunk, 0, n);
            st.left -= n;
        }
    }
    stream_.reset();
    return true;
}

Result<void> FetchJob::decode_structure() {
    const storage::MessageRecord& rec = batch_[batch_pos_].record;
    decoded_ = false;
    if (wants_sizes_ && !wants_structure_) {
        auto sizes = mime::peek_root_sizes(rec.structure);
        if (!sizes) return Error::internal("bad structure blob for UID " + std::to_string(rec.uid));
        sizes_ = *sizes;
        if (!wants_header_ || header_cached()) return {};
    } else if (!wants_structure_) {
        return {};
    }
    if (!mime::deserialize_into(rec.structure, structure_))
        return Error::internal("bad structure blob for UID " + std::to_string(rec.uid));
    decoded_ = true;
    sizes_ = root_sizes_of(structure_);
    return {};
}

Result<void> FetchJob::prepare_binaries(storage::MailboxStore& store) {
    for (std::size_t i = 0; i < items_.size(); ++i) {
        if (!is_binary(items_[i])) continue;
        if (!decoded_) return Error::internal("FETCH: structure not decoded");  // decode_structure() bug
        const BinaryPlan plan = plan_binary(structure_, items_[i].section.section.part);
        if (plan.unknown_cte) {
            unknown_cte_ = true;
            return Error::refused("unknown Content-Transfer-Encoding");
        }
        std::string wire;
        const SectionRange& r = plan.range;
        if (r.kind == SectionRange::Kind::FileRange && r.end > r.begin) {
            auto raw = read(store, r.begin, r.end - r.begin);
            if (!raw) return raw.error();
            if (r.extra == 0 || plan.as_stored) {
                wire = std::move(raw.value());
            } else {
                WireStreamer streamer(0, r.wire_size());
                streamer.feed(raw.value(), wire);
                if (r.end == sizes_.size) streamer.finish(wire);
            }
        }
        binaries_[i] = decode_binary(plan, std::move(wire));
    }
    return {};
}

bool FetchJob::header_cached() const {
    const std::string& cached = batch_[batch_pos_].record.header;
    return !cached.empty() && cached.size() == sizes_.body_start;
}

Result<std::string> FetchJob::read(storage::MailboxStore& store, std::uint64_t offset, std::uint64_t length) {
    return store.read_message_range(mailbox_, batch_[batch_pos_].record, offset, static_cast<std::size_t>(length));
}

}  // namespace mr::imapd::session
