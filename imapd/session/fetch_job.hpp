// FetchJob: one FETCH command's responses (RFC 3501 §6.4.5, rfc3501.txt:3030; §7.4.2,
// rfc3501.txt:4068), produced in bounded steps so that neither a 100,000-message
// mailbox nor a 50 MB message is ever held whole in memory (issue 6, streaming).
//
// The session runs step() in a store job on the thread pool, sends what it produced and,
// unless the job is done, schedules the next step; the server glue runs a store job only
// once the connection has drained below its high-water mark, which is the back-pressure.
//
// Invariants:
//  - A step appends at most about `budget` octets (plus one response head) and returns;
//    message records are loaded kBatch at a time, and message bytes are read per section
//    (a header block, a file range in chunks of at most kChunk), never whole files.
//  - Every literal is announced with its exact wire size ({n}, wire_form.hpp) and then
//    gets exactly n octets, over as many steps as needed. If the file turns out shorter
//    than its cached structure says, the rest is padded with spaces (framing intact).
//    An error inside a literal leaves the response unfinishable: in_literal() tells the
//    caller to hang up rather than answer with a tagged NO.
//  - \Seen is set batch by batch before that batch is rendered (only when mark_seen), and
//    a message whose \Seen this FETCH set gets FLAGS in its response (rfc3501.txt:3218).
//  - RFC822.SIZE and the top-level header sections are answered from the root sizes at
//    the front of the structure blob and the index's header cache; the blob is decoded
//    whole only for items that need more, or when the header is not cached (copies).
//    Either way a bad blob is found before the message's response starts.
//  - BINARY sections (RFC 3516) are the exception to streaming: a part is decoded whole
//    in memory before its message's response starts (its decoded size is not stored).
//  - Messages expunged by someone else meanwhile are skipped (the session's view still
//    has them; it reports the EXPUNGE later, never during FETCH, rfc3501.txt:4053).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/mime/message_structure.hpp"
#include "common/util/result.hpp"
#include "imapd/proto/command.hpp"
#include "imapd/proto/sequence_set.hpp"
#include "imapd/render/imap_string.hpp"
#include "imapd/render/section.hpp"
#include "imapd/render/wire_form.hpp"
#include "storage/mailbox_index.hpp"

namespace mr::storage {
class MailboxStore;
}

namespace mr::imapd::session {

struct FetchTarget {
    std::uint32_t seq = 0;
    std::uint32_t uid = 0;
};

class FetchJob {
public:
    static constexpr std::size_t kBatch = 500;            // message records loaded at once
    // One step per pool round trip: big enough that a streamed 50 MB body is ~50 steps
    // (a busy pool adds its latency per step), small enough to bound memory per session.
    static constexpr std::size_t kChunk = 1024 * 1024;    // file bytes read at once
    static constexpr std::size_t kBudget = 1024 * 1024;   // output octets per step
    static constexpr std::size_t kStepSlack = 64 * 1024;  // reserved past the budget

    FetchJob(std::string mailbox, std::vector<FetchItem> items, std::vector<FetchTarget> targets,
             bool mark_seen);

    // Appends the next responses to `out`; true when the last one is complete.
    Result<bool> step(storage::MailboxStore& store, std::string& out, std::size_t budget = kBudget);
    // FETCH (CHANGEDSINCE n) (RFC 7162 §3.1.4.1, rfc7162.txt:866): only messages whose
    // MODSEQ is above n get a response.
    void only_changed_since(std::uint64_t modseq) { changed_since_ = modseq; }
    bool in_literal() const { return stream_.has_value(); }
    // MODSEQs of the \Seen changes made since the last call: the session's own changes,
    // which its next poll must not report back (session.hpp, own_modseqs_).
    std::vector<std::uint64_t> take_own_modseqs() { return std::exchange(own_modseqs_, {}); }
    // What FLAGS shows beyond the store's flags: the session's \Recent messages, and the
    // keywords it announced; one not among them is announced (FLAGS, flags.hpp) just before
    // the first response that shows it, and keywords() then has it for the session.
    void set_session_flags(NumberSet recent, std::vector<std::string> keywords, bool read_only) {
        recent_ = std::move(recent);
        keywords_ = std::move(keywords);
        read_only_ = read_only;
    }
    const std::vector<std::string>& keywords() const { return keywords_; }
    // The last step failed because a BINARY item names a part whose CTE we cannot decode
    // (the session answers NO [UNKNOWN-CTE], RFC 3516 §4.2).
    bool unknown_cte() const { return unknown_cte_; }
    // ENVELOPE's strings: UTF-8 quoted strings once the session enabled UTF-8 (RFC 6855 §3).
    void set_quoted_text(QuotedText quoted) { quoted_ = quoted; }

private:
    struct Loaded {
        std::uint32_t seq = 0;
        storage::MessageRecord record;
    };
    // The rest of a literal still to send: file bytes from `offset` up to `end`, through
    // `wire` when the IMAP form differs from the stored bytes; `left` wire octets still
    // owed. ends_message: `end` is the message's end, so `wire` closes an open last line.
    struct Stream {
        std::uint64_t offset = 0;
        std::uint64_t end = 0;
        std::uint64_t left = 0;
        std::optional<WireStreamer> wire;
        bool ends_message = false;
    };

    Result<void> load_batch(storage::MailboxStore& store);
    // Renders items of the current message from item_ on; false when a literal is
    // still streaming and the budget is used up.
    Result<bool> render_items(storage::MailboxStore& store, std::string& out, std::size_t budget);
    Result<void> render_section(storage::MailboxStore& store, std::string& out, const Section& section,
                                std::optional<Partial> partial);
    Result<bool> pump_stream(storage::MailboxStore& store, std::string& out, std::size_t budget);
    Result<std::string> read(storage::MailboxStore& store, std::uint64_t offset, std::uint64_t length);
    // Decodes what the current message's items need, before its response starts (so a
    // bad blob still gets a tagged NO, not a torn response).
    Result<void> decode_structure();
    // Decodes the current message's BINARY sections into binaries_ (before its response
    // starts, like decode_structure()).
    Result<void> prepare_binaries(storage::MailboxStore& store);
    bool header_cached() const;

    std::string mailbox_;
    std::vector<FetchItem> items_;
    std::vector<std::string> section_names_;  // "BODY[...]<n> " per BodySection item, made once
    std::vector<std::optional<HeaderFieldFilter>> filters_;  // per HEADER.FIELDS[.NOT] item, made once
    std::string filtered_;  // a header subset before its literal head; capacity kept between messages
    std::vector<FetchTarget> targets_;
    bool mark_seen_ = false;
    std::optional<std::uint64_t> changed_since_;
    bool wants_header_ = false;  // an item reads the top-level header: load the cached ones
    // RFC822.SIZE and the top-level header sections need only mime::peek_root_sizes() (and
    // the header cache); the other items the whole decoded structure. Decoding every
    // message's blob used to be a third of Thunderbird's first-sync FETCH.
    bool wants_sizes_ = false;
    bool wants_structure_ = false;
    // BINARY items: their content is decoded whole, in memory, per message (binaries_,
    // by item index), since decoded sizes are not in the structure blob.
    bool wants_binary_ = false;
    std::vector<std::string> binaries_;
    bool unknown_cte_ = false;

    std::size_t next_target_ = 0;  // first target not loaded yet
    std::vector<Loaded> batch_;
    std::size_t batch_pos_ = 0;
    std::set<std::uint32_t> newly_seen_;
    std::vector<std::uint64_t> own_modseqs_;
    NumberSet recent_;
    std::vector<std::string> keywords_;  // announced, sorted
    bool read_only_ = false;
    QuotedText quoted_ = QuotedText::Ascii;
    bool shows_flags_ = false;  // a FLAGS item, or \Seen set (its FLAGS follow)

    // The message being rendered.
    bool open_ = false;
    std::size_t item_ = 0;
    bool flags_sent_ = false;
    // Valid when decoded_ (wants_structure_, or a header not cached); decoded into the
    // same object for every message, so its memory is reused.
    mime::MessageStructure structure_;
    bool decoded_ = false;
    mime::RootSizes sizes_;  // valid when wants_sizes_ or decoded_
    std::optional<Stream> stream_;
};

// One FETCH command being answered: its tag, its job, and what the last step produced.
// The session drives it with two explicit steps per round trip (session_selected.cpp):
// run_step() in a store job on the pool thread, then Session::fetch_step_done() on the
// loop thread, which sends `out` and either schedules the next step or ends the command.
// Only one of the two runs at a time (the glue resumes after the job), so the fields
// need no lock.
struct FetchRun {
    FetchRun(std::string tag_, std::string mailbox, std::vector<FetchItem> items, std::vector<FetchTarget> targets,
             bool mark_seen)
        : tag(std::move(tag_)), job(std::move(mailbox), std::move(items), std::move(targets), mark_seen) {}

    void run_step(storage::MailboxStore& store) {
        out.clear();
        if (preamble) {
            auto head = preamble(store);
            preamble = nullptr;
            if (!head) {
                result = head.error();
                return;
            }
            out = std::move(head.value());
        }
        result = job.step(store, out);
        own_modseqs = job.take_own_modseqs();
    }

    std::string tag;
    FetchJob job;
    // Responses before the first FETCH response, made by the first step (UID FETCH
    // (VANISHED): the VANISHED (EARLIER) line).
    std::function<Result<std::string>(storage::MailboxStore&)> preamble;
    // The last step's output and outcome (true: the last response is complete).
    std::string out;
    Result<bool> result = false;
    std::vector<std::uint64_t> own_modseqs;
};

}  // namespace mr::imapd::session
