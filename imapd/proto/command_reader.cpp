#include "imapd/proto/command_reader.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "imapd/proto/arg_cursor.hpp"

namespace mr::imapd {

namespace {

struct LiteralMarker {
    std::uint64_t size = 0;  // saturates: anything over 19 digits counts as huge
    bool synchronizing = true;
};

// literal = "{" number64 ["+"] "}" CRLF (RFC 9051 §9 rfc9051.txt:6655; "+": RFC 7888
// §8 rfc7888.txt:326). RFC 7888 §3 (rfc7888.txt:179): the receiver checks the end of
// every line for the marker.
std::optional<LiteralMarker> literal_marker(std::string_view line) {
    if (line.empty() || line.back() != '}') return std::nullopt;
    line.remove_suffix(1);
    LiteralMarker m;
    if (!line.empty() && line.back() == '+') {
        m.synchronizing = false;
        line.remove_suffix(1);
    }
    std::size_t digits = 0;
    while (digits < line.size() && text::is_digit(line[line.size() - 1 - digits])) ++digits;
    if (digits == 0 || digits == line.size() || line[line.size() - 1 - digits] != '{')
        return std::nullopt;
    const std::string_view number = line.substr(line.size() - digits);
    if (digits > 19) {
        m.size = std::numeric_limits<std::uint64_t>::max();
        return m;
    }
    for (char c : number) m.size = m.size * 10 + static_cast<std::uint64_t>(c - '0');
    return m;
}

// "<tag> APPEND ..." in any case: the one command whose literal is a message.
bool names_append(std::string_view first_line) {
    const std::size_t sp = first_line.find(' ');
    if (sp == std::string_view::npos) return false;
    const std::string_view rest = first_line.substr(sp + 1);
    return rest.size() > 7 && text::iequals(rest.substr(0, 7), "APPEND ");
}

}  // namespace

std::string_view command_tag(std::string_view line) {
    const std::size_t end = std::min(line.find(' '), line.size());
    const std::string_view tag = line.substr(0, end);
    if (tag.empty()) return {};
    for (char c : tag) {
        if (!is_tag_char(c)) return {};
    }
    return tag;
}

CommandReader::CommandReader(std::uint64_t max_literal, std::size_t max_line)
    : max_literal_(max_literal),
      max_line_(max_line),
      lines_(text::LinePolicy{max_line, text::BareLf::Tolerate, text::BareCr::Tolerate,
                              text::LongLineEnd::Report}) {}

void CommandReader::reset() {
    lines_.reset();
    clear_command();
    raw_line_ = false;
}

void CommandReader::clear_command() {
    cmd_ = RawCommand{};
    in_command_ = false;
    text_len_ = 0;
    literal_total_ = 0;
    is_append_ = false;
    draining_ = false;
    pending_ = CommandRejected{};
}

void CommandReader::start_draining(std::string tag, std::string code, std::string text) {
    if (raw_line_) tag.clear();
    pending_ = CommandRejected{std::move(tag), true, std::move(code), std::move(text), raw_line_};
    cmd_ = RawCommand{};
    draining_ = true;
}

// Called right after the line holding the marker, i.e. at a line boundary, where
// LineBuffer accepts both calls.
void CommandReader::expect_literal(std::uint64_t size) {
    (void)lines_.expect_raw(size);
    // The command's text goes on after the literal, within what is left of max_line.
    if (!draining_) (void)lines_.limit_next_line(max_line_ - text_len_);
}

ReaderEvent CommandReader::next(std::string_view& input) {
    while (true) {
        const text::LineEvent ev = lines_.next(input);
        ReaderEvent out = ReaderNeedMore{};
        if (std::holds_alternative<text::NeedMore>(ev)) {
            return out;
        } else if (const auto* chunk = std::get_if<text::RawChunk>(&ev)) {
            // A literal's octets, in place after its marker (or dropped with a rejected command).
            if (!draining_) cmd_.bytes.append(chunk->bytes);
        } else if (const auto* line = std::get_if<text::Line>(&ev)) {
            // A rejected command's line is looked at as an over-long one would be, by its
            // last octets only, so a marker counts the same whatever the line's length.
            const std::string_view text = line->text;
            const std::size_t tail = std::min(text.size(), text::kLongLineTail);
            out = draining_ ? on_drained_line(text.substr(text.size() - tail)) : on_line(text);
        } else if (const auto* too_long = std::get_if<text::LineTooLong>(&ev)) {
            on_line_too_long(too_long->head);
        } else if (const auto* end = std::get_if<text::LongLineEnded>(&ev)) {
            out = on_drained_line(end->tail);
        }  // RefusedLine: this policy refuses nothing
        if (!std::holds_alternative<ReaderNeedMore>(out)) return out;
    }
}

// The line crossed what is left of max_line: the command is rejected once the line
// (and any non-synchronising literal announced at its end) is drained.
void CommandReader::on_line_too_long(std::string_view head) {
    if (draining_) return;
    // Later lines of a command: the tag is in the first line, already held.
    const std::string_view first = in_command_ ? std::string_view(cmd_.bytes) : head;
    start_draining(std::string(command_tag(first)), "",
                   raw_line_ ? "Line too long" : "Command line too long");
}

// The end of a line of a rejected command. Returns ReaderNeedMore when the command
// goes on (a non-synchronising literal follows).
ReaderEvent CommandReader::on_drained_line(std::string_view tail) {
    if (raw_line_) {
        raw_line_ = false;
        return finish_command();
    }
    in_command_ = true;
    const auto marker = literal_marker(tail);
    // The client waits for "+" before sending a synchronising literal, and never
    // gets it: the command ends here. A non-synchronising one is on its way.
    if (!marker || marker->synchronizing) return finish_command();
    expect_literal(marker->size);
    return ReaderNeedMore{};
}

// A complete line within the command's limit. Returns ReaderNeedMore when the command
// goes on (after a literal marker).
ReaderEvent CommandReader::on_line(std::string_view line) {
    if (raw_line_) {
        raw_line_ = false;
        RawLineReady ready{std::string(line)};
        clear_command();
        return ready;
    }
    if (!in_command_ && line.empty()) return ReaderNeedMore{};  // a stray empty line
    in_command_ = true;
    cmd_.bytes.append(line);
    text_len_ += line.size();

    const auto marker = literal_marker(line);
    if (!marker) return finish_command();

    if (cmd_.literals.empty()) is_append_ = names_append(cmd_.bytes);
    const std::uint64_t each = is_append_ ? max_literal_ : max_line_;
    const std::uint64_t total = is_append_ ? max_literal_ + max_line_ : max_line_;
    const bool too_big = marker->size > each || literal_total_ + marker->size > total;
    if (too_big) {
        if (marker->synchronizing) {
            // RFC 3501 §2.2.1 (rfc3501.txt:347): a tagged answer instead of "+"; the client then
            // does not send the literal. TOOBIG: RFC 4469 via RFC 7888 §5.
            CommandRejected r{std::string(command_tag(cmd_.bytes)), false, "TOOBIG",
                              "Literal too big", false};
            clear_command();
            return r;
        }
        start_draining(std::string(command_tag(cmd_.bytes)), "TOOBIG", "Literal too big");
        expect_literal(marker->size);
        return ReaderNeedMore{};
    }

    literal_total_ += marker->size;
    const auto size = static_cast<std::size_t>(marker->size);
    cmd_.literals.push_back(LiteralSpan{cmd_.bytes.size(), size, marker->synchronizing});
    expect_literal(marker->size);
    if (marker->synchronizing) return SendContinuation{marker->size};
    return ReaderNeedMore{};
}

ReaderEvent CommandReader::finish_command() {
    if (draining_) {
        CommandRejected r = std::move(pending_);
        clear_command();
        return r;
    }
    CommandReady ready{std::move(cmd_)};
    clear_command();
    return ready;
}

}  // namespace mr::imapd
