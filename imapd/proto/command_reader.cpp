#include "imapd/proto/command_reader.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "imapd/proto/arg_cursor.hpp"

namespace mr::imapd {

namespace {

// Enough of a discarded line's end to hold the longest marker "{" 20 digits "+}" CR.
constexpr std::size_t kTailKeep = 32;

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
    : max_literal_(max_literal), max_line_(max_line) {}

void CommandReader::reset() {
    clear_command();
    raw_line_ = false;
}

void CommandReader::clear_command() {
    cmd_ = RawCommand{};
    state_ = State::Line;
    in_command_ = false;
    seg_start_ = 0;
    seg_len_ = 0;
    text_len_ = 0;
    literal_total_ = 0;
    is_append_ = false;
    literal_left_ = 0;
    draining_ = false;
    tail_.clear();
    pending_ = CommandRejected{};
}

void CommandReader::start_draining(bool bad, std::string code, std::string text) {
    pending_ = CommandRejected{std::string(command_tag(cmd_.bytes)), bad, std::move(code),
                               std::move(text), raw_line_};
    if (raw_line_) pending_.tag.clear();
    // Keep the end of the current line: a literal marker may already be there.
    const std::size_t seg_kept = cmd_.bytes.size() - seg_start_;
    tail_ = cmd_.bytes.substr(seg_start_ + seg_kept - std::min(seg_kept, kTailKeep));
    cmd_ = RawCommand{};
    draining_ = true;
}

void CommandReader::append_line_bytes(std::string_view bytes) {
    seg_len_ += bytes.size();
    if (!draining_) {
        // +1: the last octet may be the CR of the CRLF, removed at the line's end.
        const std::size_t room = max_line_ + 1 - text_len_;
        if (bytes.size() <= room) {
            cmd_.bytes.append(bytes);
            text_len_ += bytes.size();
            return;
        }
        // Keep what fits first, so the tag is known however the input was chunked.
        cmd_.bytes.append(bytes.substr(0, room));
        bytes.remove_prefix(room);
        start_draining(true, "", raw_line_ ? "Line too long" : "Command line too long");
    }
    tail_.append(bytes.substr(bytes.size() - std::min(bytes.size(), kTailKeep)));
    if (tail_.size() > 2 * kTailKeep) tail_.erase(0, tail_.size() - kTailKeep);
}

ReaderEvent CommandReader::next(std::string_view& input) {
    while (!input.empty()) {
        if (state_ == State::Literal) {
            const std::size_t n =
                static_cast<std::size_t>(std::min<std::uint64_t>(literal_left_, input.size()));
            if (!draining_) cmd_.bytes.append(input.substr(0, n));
            input.remove_prefix(n);
            literal_left_ -= n;
            if (literal_left_ == 0) {
                state_ = State::Line;
                seg_start_ = cmd_.bytes.size();
                seg_len_ = 0;
            }
            continue;
        }
        const std::size_t lf = input.find('\n');
        if (lf == std::string_view::npos) {
            append_line_bytes(input);
            input = {};
            break;
        }
        append_line_bytes(input.substr(0, lf));
        input.remove_prefix(lf + 1);
        ReaderEvent ev = end_of_line();
        if (!std::holds_alternative<ReaderNeedMore>(ev)) return ev;
    }
    return ReaderNeedMore{};
}

// Returns ReaderNeedMore when the command goes on (after a literal marker).
ReaderEvent CommandReader::end_of_line() {
    if (draining_) {
        if (!tail_.empty() && tail_.back() == '\r') tail_.pop_back();
    } else if (cmd_.bytes.size() > seg_start_ && cmd_.bytes.back() == '\r') {
        cmd_.bytes.pop_back();
        --text_len_;
        --seg_len_;
    }
    if (!draining_ && text_len_ > max_line_) {
        start_draining(true, "", raw_line_ ? "Line too long" : "Command line too long");
    }

    if (raw_line_) {
        raw_line_ = false;
        if (draining_) return finish_command();
        RawLineReady line{std::move(cmd_.bytes)};
        clear_command();
        return line;
    }
    if (!in_command_ && !draining_ && cmd_.bytes.empty()) {
        clear_command();  // a stray empty line between commands
        return ReaderNeedMore{};
    }
    in_command_ = true;

    const std::string_view line =
        draining_ ? std::string_view(tail_) : std::string_view(cmd_.bytes).substr(seg_start_);
    const auto marker = literal_marker(line);
    if (!marker) return finish_command();

    if (draining_) {
        // The client waits for "+" before sending a synchronising literal, and never
        // gets it: the command ends here. A non-synchronising one is on its way.
        if (marker->synchronizing) return finish_command();
        literal_left_ = marker->size;
        tail_.clear();
        seg_len_ = 0;
        if (literal_left_ > 0) state_ = State::Literal;
        return ReaderNeedMore{};
    }

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
        start_draining(true, "TOOBIG", "Literal too big");
        tail_.clear();
        seg_len_ = 0;
        literal_left_ = marker->size;
        if (literal_left_ > 0) state_ = State::Literal;
        return ReaderNeedMore{};
    }

    literal_total_ += marker->size;
    const auto size = static_cast<std::size_t>(marker->size);
    cmd_.literals.push_back(LiteralSpan{cmd_.bytes.size(), size, marker->synchronizing});
    literal_left_ = marker->size;
    seg_start_ = cmd_.bytes.size();
    seg_len_ = 0;
    if (literal_left_ > 0) state_ = State::Literal;
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
