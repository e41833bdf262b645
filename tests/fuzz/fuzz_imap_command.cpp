// libFuzzer target for the IMAP command side: CommandReader framing plus parse_command,
// and the codecs the session applies to what was parsed (sequence sets, modified UTF-7,
// mailbox-name checks, LIST matching).
// Built and replayed over corpus/imap_command by tests/fuzz/CMakeLists.txt; -DMR_FUZZ=ON
// (clang) makes it a libFuzzer binary.
//
// Checked properties:
//  - nothing crashes or leaks, whatever the bytes (ASan/UBSan in the sanitizer build);
//  - the reader's memory stays bounded (max_line plus the literals it accepted);
//  - the events do not depend on how the input is chunked (split at two positions taken
//    from the first bytes), with IDLE/AUTHENTICATE switching to raw-line mode;
//  - mUTF-7: a name that decodes re-encodes to exactly itself; in either NameForm a
//    decoded name survives encode_mailbox_name and decoding again;
//  - SETACL rights (RFC 4314) print canonically and parse back to the same set.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "imapd/proto/command_reader.hpp"
#include "imapd/proto/command_table.hpp"
#include "imapd/proto/mailbox_name.hpp"
#include "imapd/proto/mutf7.hpp"
#include "imapd/proto/parse_command.hpp"

namespace {

using namespace mr::imapd;

void check(bool ok) {
    if (!ok) std::abort();
}

constexpr std::uint64_t kMaxLiteral = 256;
constexpr std::size_t kMaxLine = 128;

void exercise_mailbox(const std::string& name) {
    // Both name forms (UTF8=ACCEPT / IMAP4rev2 or not): what decodes encodes back to a
    // name that decodes to the same.
    for (NameForm form : {NameForm::Mutf7, NameForm::Utf8}) {
        auto decoded = decode_mailbox_name(name, form);
        if (!decoded) continue;
        auto again = decode_mailbox_name(encode_mailbox_name(*decoded, form), form);
        check(again.ok() && *again == *decoded);
    }
    auto utf8 = mutf7_decode(name);
    if (!utf8) return;
    auto again = mutf7_encode(*utf8);
    check(again.ok() && *again == name);
    (void)validate_mailbox_name(*utf8);
    (void)list_match(name, "INBOX/Sub/x");
}

void exercise_set(const SequenceSet& set) {
    for (std::uint32_t largest : {0u, 7u, 4294967295u}) {
        NumberSet n = set.resolve(largest);
        std::size_t steps = 0;
        for (auto it = n.begin(); it != n.end() && steps < 64; ++it, ++steps) check(n.contains(*it));
        (void)n.to_string();
        (void)n.count();
    }
}

// Parses one command and touches what the session would; returns a short summary.
std::string handle(RawCommand raw, CommandReader& reader) {
    auto parsed = parse_command(std::move(raw));
    if (auto* e = std::get_if<ParseError>(&parsed)) return "E:" + e->tag + ":" + e->reason;
    auto& cmd = std::get<Command>(parsed);
    std::string out = "C:" + cmd.tag + ":" + std::string(command_name(cmd));
    if (cmd.spec->raw_line_follows) reader.expect_raw_line();
    if (auto* s = std::get_if<SelectCmd>(&cmd.args)) exercise_mailbox(s->mailbox);
    if (auto* c = std::get_if<CreateCmd>(&cmd.args)) exercise_mailbox(c->mailbox);
    if (auto* l = std::get_if<ListCmd>(&cmd.args)) {
        for (const auto& p : l->patterns) (void)list_match(list_pattern(l->reference, p), "INBOX/a/b");
    }
    if (auto* s = std::get_if<SetAclCmd>(&cmd.args)) {
        exercise_mailbox(s->mailbox);
        // Rights print in canonical form and read back as the same set.
        auto again = mr::text::AclRights::parse(s->change.rights.to_string());
        check(again.ok() && again.value() == s->change.rights);
    }
    if (auto* g = std::get_if<GetAclCmd>(&cmd.args)) exercise_mailbox(g->mailbox);
    if (auto* f = std::get_if<FetchCmd>(&cmd.args)) exercise_set(f->set);
    if (auto* s = std::get_if<StoreCmd>(&cmd.args)) exercise_set(s->set);
    if (auto* c = std::get_if<CopyCmd>(&cmd.args)) {
        exercise_set(c->set);
        exercise_mailbox(c->mailbox);
    }
    if (auto* a = std::get_if<AppendCmd>(&cmd.args)) {
        check(!a->messages.empty());
        std::size_t total = 0;  // MULTIAPPEND: every message within the one APPEND budget
        for (const auto& m : a->messages) {
            check(m.message.size() <= kMaxLiteral);
            total += m.message.size();
            out += ":" + std::to_string(m.message.size());
        }
        check(total <= kMaxLiteral + kMaxLine);
    }
    return out;
}

std::string run(const std::vector<std::string_view>& chunks) {
    CommandReader reader(kMaxLiteral, kMaxLine);
    std::string log;
    for (auto chunk : chunks) {
        std::string_view in = chunk;
        while (true) {
            ReaderEvent ev = reader.next(in);
            check(reader.buffered() <= kMaxLine + 1 + 2 * kMaxLiteral + kMaxLine + 64);
            if (std::holds_alternative<ReaderNeedMore>(ev)) break;
            if (auto* c = std::get_if<SendContinuation>(&ev)) {
                check(c->literal_size <= kMaxLiteral);
                log += "+" + std::to_string(c->literal_size) + "|";
            } else if (auto* r = std::get_if<CommandReady>(&ev)) {
                check(r->command.bytes.size() <= kMaxLine + 1 + kMaxLiteral + kMaxLine);
                log += handle(std::move(r->command), reader) + "|";
            } else if (auto* l = std::get_if<RawLineReady>(&ev)) {
                check(l->line.size() <= kMaxLine);
                log += "R:" + l->line + "|";
            } else if (auto* x = std::get_if<CommandRejected>(&ev)) {
                log += "X:" + x->tag + (x->bad ? ":BAD:" : ":NO:") + x->code + "|";
            }
        }
    }
    return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::string_view all(reinterpret_cast<const char*>(data + 2), size - 2);
    const std::size_t a = data[0] % (all.size() + 1);
    const std::size_t b = a + data[1] % (all.size() - a + 1);
    const std::vector<std::string_view> split = {all.substr(0, a), all.substr(a, b - a), all.substr(b)};
    check(run({all}) == run(split));
    return 0;
}
