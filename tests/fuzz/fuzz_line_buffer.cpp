// libFuzzer target for LineBuffer and DotUnstuffer.
// Built and replayed over its seed corpus by tests/fuzz/CMakeLists.txt; -DMR_FUZZ=ON
// (clang) makes it a libFuzzer binary.
//
// The input is split into chunks at positions taken from its first bytes;
// the events must equal those of the unsplit input (chunking independence)
// under every LinePolicy, and the buffer must stay within max_line + 1 (plus the
// tail kept under LongLineEnd::Report). Lines "{N}" open a raw block and lines "<N>"
// lower the next line's limit, as IMAP's CommandReader does. DotUnstuffer's outcome must
// not depend on the chunking either.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/text/message_data.hpp"
#include "common/text/line_buffer.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

constexpr std::size_t kMaxLine = 16;

std::string frame(const std::vector<std::string_view>& chunks, mr::text::BareLf lf, mr::text::BareCr cr,
                  mr::text::LongLineEnd long_end) {
    mr::text::LineBuffer lb(mr::text::LinePolicy{kMaxLine, lf, cr, long_end});
    const bool report = long_end == mr::text::LongLineEnd::Report;
    const std::size_t bound = kMaxLine + 1 + (report ? mr::text::kLongLineTail + 1 : 0);
    std::size_t limit = kMaxLine;  // of the current line
    std::string log;
    for (auto chunk : chunks) {
        std::string_view in = chunk;
        while (true) {
            auto ev = lb.next(in);
            check(lb.buffered() <= bound);
            if (std::holds_alternative<mr::text::NeedMore>(ev)) break;
            if (auto* line = std::get_if<mr::text::Line>(&ev)) {
                check(line->text.size() <= limit);
                limit = kMaxLine;
                check(!(line->bare_lf && lf == mr::text::BareLf::Refuse));
                check(!(line->bare_cr && cr == mr::text::BareCr::Refuse));
                log += "L" + std::to_string(line->text.size()) + ":" + std::string(line->text);
                log += line->bare_lf ? "1" : "0";
                log += line->bare_cr ? "1" : "0";
                // A line "{N}" with small N opens a raw block, as in IMAP.
                if (line->text.size() == 3 && line->text[0] == '{' && line->text[2] == '}' &&
                    line->text[1] >= '0' && line->text[1] <= '9')
                    check(lb.expect_raw(static_cast<std::uint64_t>(line->text[1] - '0')).ok());
                if (line->text.size() == 3 && line->text[0] == '<' && line->text[2] == '>' &&
                    line->text[1] >= '0' && line->text[1] <= '9') {
                    limit = static_cast<std::size_t>(line->text[1] - '0');
                    check(lb.limit_next_line(limit).ok());
                }
            } else if (auto* refused = std::get_if<mr::text::RefusedLine>(&ev)) {
                check(refused->bare_lf || refused->bare_cr);
                log += refused->bare_lf ? "X1" : "X0";
                log += refused->bare_cr ? "1" : "0";
                limit = kMaxLine;
            } else if (auto* too_long = std::get_if<mr::text::LineTooLong>(&ev)) {
                check(too_long->head.size() == limit + 1);
                check(!lb.limit_next_line(0).ok());  // still inside the line
                log += "T" + std::string(too_long->head);
                limit = kMaxLine;
            } else if (auto* end = std::get_if<mr::text::LongLineEnded>(&ev)) {
                check(long_end != mr::text::LongLineEnd::Drop);
                check(end->tail.size() <= mr::text::kLongLineTail);
                log += "E" + std::string(end->tail) + (end->bare_lf ? "1" : "0");
            } else if (auto* part = std::get_if<mr::text::LinePart>(&ev)) {
                check(long_end == mr::text::LongLineEnd::Pass && !part->bytes.empty());
                log += part->bytes;  // joined, so the log does not depend on the chunking
            } else if (auto* raw = std::get_if<mr::text::RawChunk>(&ev)) {
                log += std::string(raw->bytes);
                if (raw->last) log += "R";
            }
        }
    }
    return log;
}

std::string unstuff(const std::vector<std::string_view>& chunks) {
    mr::text::DotUnstuffer rx(64);
    std::string out;
    std::string rest;
    for (auto chunk : chunks) {
        std::string_view in = chunk;
        if (rx.feed(in, out) == mr::text::DotUnstuffer::Status::Done) rest += in;
    }
    check(out.size() <= 64);
    return out + "|" + rest + "|" + std::to_string(rx.done()) + std::to_string(rx.bare_cr()) +
           std::to_string(rx.bare_lf()) + std::to_string(rx.size()) + "/" +
           std::to_string(rx.longest_line());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::string_view all(reinterpret_cast<const char*>(data + 2), size - 2);
    const std::size_t a = data[0] % (all.size() + 1);
    const std::size_t b = a + data[1] % (all.size() - a + 1);
    const std::vector<std::string_view> split = {all.substr(0, a), all.substr(a, b - a), all.substr(b)};
    using mr::text::BareCr;
    using mr::text::BareLf;
    using mr::text::LongLineEnd;
    for (BareLf lf : {BareLf::Tolerate, BareLf::Refuse})
        for (BareCr cr : {BareCr::Tolerate, BareCr::Refuse})
            for (LongLineEnd end : {LongLineEnd::Drop, LongLineEnd::Report, LongLineEnd::Pass})
                check(frame({all}, lf, cr, end) == frame(split, lf, cr, end));
    check(unstuff({all}) == unstuff(split));
    return 0;
}
