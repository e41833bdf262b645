// libFuzzer target for imapd/render: whatever a stored message contains, rendering its
// ENVELOPE/BODY/BODYSTRUCTURE and cutting every section never crashes, and every section
// stays inside the message with the size its range predicts (the server announces that
// size in a literal before it streams the bytes, so a mismatch would corrupt the stream),
// and BODY[] never holds a bare CR or LF.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/mime/message_parser.hpp"
#include "imapd/render/base_subject.hpp"
#include "imapd/render/body_structure.hpp"
#include "imapd/render/envelope.hpp"
#include "imapd/render/message_search.hpp"
#include "imapd/render/section.hpp"
#include "imapd/render/sort_keys.hpp"
#include "imapd/render/threads.hpp"
#include "imapd/render/wire_form.hpp"

using namespace mr::imapd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const mr::mime::MessageStructure s = mr::mime::parse_message(bytes);
    std::string out;
    append_body_structure(out, s, true);
    append_body_structure(out, s, false);
    append_envelope(out, s.envelope);
    // BODY[] is the CRLF form (common/text/message_data.hpp, section 4): RFC822.SIZE equals
    // its length and POP3's size.
    const std::string whole = fetch_section(bytes, s, Section{});
    if (whole.size() != wire_size(s) || whole.size() != mr::text::rfc822_size(bytes)) std::abort();
    for (std::size_t i = 0; i < whole.size(); ++i) {
        if (whole[i] == '\r' && (i + 1 == whole.size() || whole[i + 1] != '\n')) std::abort();
        if (whole[i] == '\n' && (i == 0 || whole[i - 1] != '\r')) std::abort();
    }
    using Kind = Section::Kind;
    const Kind kinds[] = {Kind::Full, Kind::Header, Kind::HeaderFields, Kind::HeaderFieldsNot,
                          Kind::Text, Kind::Mime};
    const std::vector<std::vector<std::uint32_t>> paths = {{}, {1}, {2}, {1, 1}, {1, 2}, {2, 1}, {1, 1, 1}};
    for (const auto& path : paths) {
        for (Kind k : kinds) {
            Section sec;
            sec.part = path;
            sec.kind = k;
            sec.fields = {"From", "Subject"};
            const SectionRange r = locate_section(s, sec);
            if (r.begin > r.end || r.end > bytes.size()) std::abort();
            const std::string got = fetch_section(bytes, s, sec);
            if (r.kind != SectionRange::Kind::HeaderSubset && got.size() != r.wire_size()) std::abort();
        }
    }
    MessageMatcher matcher(bytes, s);
    (void)matcher.text(SearchString("zz"));
    (void)matcher.header("subject", SearchString("a"));
    // SORT and THREAD keys of any header: base subject, addresses, dates, msg-ids, and
    // both algorithms over the message twice (a duplicate Message-ID that references itself).
    const BaseSubject subject = base_subject(s.envelope.subject.value_or(std::string(bytes.substr(0, 200))));
    (void)address_sort_key(s.envelope.from);
    (void)display_sort_key(s.envelope.to);
    ThreadMessage t;
    t.id = 1;
    t.sent = sent_time(s.envelope, 0);
    t.subject_key = subject.key;
    t.reply_or_forward = subject.reply_or_forward;
    const auto ids = message_ids(s.envelope.message_id.value_or(""));
    if (!ids.empty()) t.message_id = ids.front();
    t.references = thread_parents(bytes.substr(0, 4096), s.envelope.in_reply_to.value_or(""));
    std::vector<ThreadMessage> two{t, t};
    two[1].id = 2;
    if (thread_references(two).empty() || thread_ordered_subject(two).empty()) std::abort();
    return 0;
}
