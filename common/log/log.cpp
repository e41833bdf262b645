// Formatting and the process-wide sink; see log.hpp for the line invariants.
#include "common/log/log.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sys/stat.h>
#include <unistd.h>

namespace mr::log {
namespace {

struct State {
    std::string daemon = "mailroom";
    std::atomic<Level> min_level{Level::Info};
    bool journal = false;  // set by configure(): stderr is systemd's journal stream
    Sink sink;
};

State& state() {
    static State s;
    return s;
}

// Loops over short writes so a line is never cut; EINTR is retried, other errors are dropped
// because there is nowhere left to report a failure to log.
void write_stderr(std::string_view line) {
    while (!line.empty()) {
        ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        line.remove_prefix(static_cast<std::size_t>(n));
    }
}

bool needs_quotes(std::string_view v) {
    if (v.empty()) return true;
    for (unsigned char c : v) {
        if (c <= 0x20 || c == 0x7f || c == '"' || c == '=') return true;
    }
    return false;
}

bool stderr_is_journal() {
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return false;
    return is_journal_stream(std::getenv("JOURNAL_STREAM"),
                             std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino));
}

char syslog_priority(Level level) {
    switch (level) {
        case Level::Debug: return '7';
        case Level::Info: return '6';
        case Level::Warn: return '4';
        case Level::Error: return '3';
    }
    return '6';
}

}  // namespace

std::string_view level_name(Level level) {
    switch (level) {
        case Level::Debug: return "debug";
        case Level::Info: return "info";
        case Level::Warn: return "warn";
        case Level::Error: return "error";
    }
    return "info";
}

std::optional<Level> parse_level(std::string_view name) {
    for (Level l : {Level::Debug, Level::Info, Level::Warn, Level::Error}) {
        if (level_name(l) == name) return l;
    }
    return std::nullopt;
}

Field conn(std::uint64_t connection_id) { return Field("conn", connection_id); }
Field qid(std::string_view queue_id) { return Field("qid", queue_id); }

void configure(std::string daemon, Level min_level) {
    state().daemon = std::move(daemon);
    state().min_level.store(min_level);
    state().journal = stderr_is_journal();
}

void set_level(Level min_level) { state().min_level.store(min_level); }

bool enabled(Level level) { return level >= state().min_level.load(std::memory_order_relaxed); }

Sink set_sink(Sink sink) {
    Sink previous = std::move(state().sink);
    state().sink = std::move(sink);
    return previous;
}

void emit(Level level, std::string_view event, Fields fields) {
    if (!enabled(level)) return;
    std::string line = state().journal
                           ? format_journal_line(level, state().daemon, event, fields)
                           : format_line(format_timestamp(std::chrono::system_clock::now()), level,
                                         state().daemon, event, fields);
    if (state().sink) {
        state().sink(line);
    } else {
        write_stderr(line);
    }
}

std::string format_timestamp(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    int millis = static_cast<int>(ms % 1000);
    if (millis < 0) {  // before 1970: keep the millisecond field positive
        millis += 1000;
        --secs;
    }
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];  // room for any int year, so the compiler can prove no truncation
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    return buf;
}

void append_value(std::string& out, std::string_view value) {
    if (!needs_quotes(value)) {
        out += value;
        return;
    }
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (unsigned char c : value) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    out += "\\x";
                    out += hex[c >> 4];
                    out += hex[c & 0xf];
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

std::string format_line(std::string_view timestamp, Level level, std::string_view daemon,
                        std::string_view event, Fields fields) {
    std::string out;
    out.reserve(96 + event.size());
    if (!timestamp.empty()) {
        out += "ts=";
        out += timestamp;
        out += ' ';
    }
    out += "level=";
    out += level_name(level);
    out += " daemon=";
    append_value(out, daemon);
    out += " event=";
    append_value(out, event);
    for (const Field& f : fields) {
        out += ' ';
        out += f.key;
        out += '=';
        append_value(out, f.value);
    }
    out += '\n';
    return out;
}

std::string format_journal_line(Level level, std::string_view daemon, std::string_view event, Fields fields) {
    return std::string{'<', syslog_priority(level), '>'} + format_line({}, level, daemon, event, fields);
}

bool is_journal_stream(const char* journal_stream_env, std::string_view stderr_dev_ino) {
    return journal_stream_env != nullptr && *journal_stream_env != '\0' && stderr_dev_ino == journal_stream_env;
}

}  // namespace mr::log
