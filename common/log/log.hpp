// mr::log — one structured line per event, key=value pairs, to stderr.
//
//   ts=2024-05-01T12:00:00.123Z level=info daemon=smtpd event=accept conn=42 peer=127.0.0.1:5123
//
// Invariants:
// - One event is one line, handed to the sink in one call; the default sink writes it with a
//   single write(2), so lines from the loop thread and the libuv pool never interleave.
// - Every line starts with ts, level, daemon, event, in that order; fields follow in call order.
//   Under systemd, when stderr is the journal's stream (JOURNAL_STREAM), a line has no ts
//   (journald stamps it) and starts with the sd-daemon(3) priority prefix "<N>", so the
//   journal records its level: `<4>level=warn daemon=smtpd event=...`.
//   conn= (connection id) and qid= (queue id) are ordinary fields made by conn()/qid() so
//   every daemon spells them the same way.
// - A value is written bare only if it is non-empty and contains no space, '"', '=' or control
//   byte; otherwise it is quoted with \" \\ \n \r \t \xHH escapes. A peer-supplied string can
//   therefore never forge a field or a second line.
// - Secrets never reach a line: callers log redact_command(line) or kRedacted (redact.hpp).
// - configure()/set_sink() are called at start-up, before any thread logs; emit() is then
//   safe from any thread (the level is atomic, the rest is read-only).
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace mr::log {

enum class Level : std::uint8_t { Debug, Info, Warn, Error };

std::string_view level_name(Level level);
std::optional<Level> parse_level(std::string_view name);  // "debug" | "info" | "warn" | "error"

// One key=value pair. Keys are code literals (never peer data); values are rendered to text
// at construction so a Field owns everything it prints.
struct Field {
    Field(std::string_view k, std::string_view v) : key(k), value(v) {}
    Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
    Field(std::string_view k, const std::string& v) : key(k), value(v) {}
    Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
    template <std::integral I>
        requires(!std::same_as<I, bool> && !std::same_as<I, char>)
    Field(std::string_view k, I v) : key(k), value(std::to_string(v)) {}

    std::string_view key;
    std::string value;
};
using Fields = std::initializer_list<Field>;

Field conn(std::uint64_t connection_id);
Field qid(std::string_view queue_id);

// Names the daemon on every line and sets the minimum level written.
void configure(std::string daemon, Level min_level = Level::Info);
void set_level(Level min_level);
bool enabled(Level level);

// Where finished lines go (each ends with '\n'). An empty Sink means stderr. Returns the
// previous sink so tests can restore it.
using Sink = std::function<void(std::string_view line)>;
Sink set_sink(Sink sink);

void emit(Level level, std::string_view event, Fields fields = {});
inline void debug(std::string_view event, Fields f = {}) { emit(Level::Debug, event, f); }
inline void info(std::string_view event, Fields f = {}) { emit(Level::Info, event, f); }
inline void warn(std::string_view event, Fields f = {}) { emit(Level::Warn, event, f); }
inline void error(std::string_view event, Fields f = {}) { emit(Level::Error, event, f); }

// Pure pieces, exposed for tests and for tools that format lines themselves.
std::string format_timestamp(std::chrono::system_clock::time_point t);  // RFC 3339, ms, UTC
// An empty timestamp leaves out ts= (the journal's form, below).
std::string format_line(std::string_view timestamp, Level level, std::string_view daemon,
                        std::string_view event, Fields fields);
// The journal's form of a line: "<N>" (syslog priority: 7 debug, 6 info, 4 warning, 3 error)
// and the line without ts=.
std::string format_journal_line(Level level, std::string_view daemon, std::string_view event, Fields fields);
// Whether stderr is the stream systemd connected to the journal: JOURNAL_STREAM holds
// "DEVICE:INODE" of it (systemd.exec(5)); compared with `stderr_dev_ino` ("DEVICE:INODE" of
// fstat(2)), so a child whose stderr was redirected elsewhere keeps timestamps.
bool is_journal_stream(const char* journal_stream_env, std::string_view stderr_dev_ino);
void append_value(std::string& out, std::string_view value);  // bare or quoted+escaped

}  // namespace mr::log
