#include "sieved/proto/command.hpp"

#include "common/text/ascii.hpp"

namespace mr::sieved {

namespace {

using Status = ParseResult::Status;

// RFC 5804 §4: ATOM-CHAR is any CHAR except atom-specials ("(" ")" "{" SP CTL "%" "*" '"'
// "\" "]" as in IMAP); non-ASCII is not an atom character either.
bool is_atom_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return false;
    return std::string_view("(){%*\"\\]").find(c) == std::string_view::npos;
}

class Parser {
public:
    Parser(std::string_view in, const CommandLimits& limits) : in_(in), limits_(limits) {}

    ParseResult run() {
        ParseResult r;
        const std::size_t name_end = scan_atom(0);
        if (name_end == in_.size()) return incomplete(name_end);
        if (name_end == 0) return error(0, in_[0] == '\n' || in_[0] == '\r' ? "empty command" : "command name expected");
        r.command.name = text::to_upper(in_.substr(0, name_end));
        pos_ = name_end;
        return arguments(r);
    }

    // A line of one string (a SASL response): the arguments without a name before them.
    ParseResult run_string_line() {
        ParseResult r;
        if (in_[0] != '"' && in_[0] != '{') return error(0, "string expected");
        Argument arg;
        ParseResult sub = argument(arg);
        if (sub.status != Status::Complete) return sub;
        r.command.args.push_back(std::move(arg));
        return arguments(r);
    }

private:
    ParseResult arguments(ParseResult& r) {
        while (true) {
            if (pos_ >= in_.size()) return incomplete(pos_);
            const char c = in_[pos_];
            if (c == '\n' || c == '\r') {
                if (c == '\r') {
                    if (pos_ + 1 >= in_.size()) return incomplete(pos_);
                    if (in_[pos_ + 1] != '\n') return error(pos_, "CR without LF");
                    ++pos_;
                }
                r.status = Status::Complete;
                r.consumed = pos_ + 1;
                return r;
            }
            if (c != ' ') return error(pos_, "space expected between arguments");
            while (pos_ < in_.size() && in_[pos_] == ' ') advance(1);
            if (pos_ >= in_.size()) return incomplete(pos_);
            if (in_[pos_] == '\r' || in_[pos_] == '\n') continue;  // trailing spaces
            if (r.command.args.size() >= limits_.max_args) return error(pos_, "too many arguments");
            Argument arg;
            ParseResult sub = argument(arg);
            if (sub.status != Status::Complete) return sub;
            r.command.args.push_back(std::move(arg));
        }
    }

    std::size_t scan_atom(std::size_t from) const {
        std::size_t i = from;
        while (i < in_.size() && is_atom_char(in_[i])) ++i;
        return i;
    }

    void advance(std::size_t n) {
        pos_ += n;
        line_bytes_ += n;
    }

    ParseResult incomplete(std::size_t at) const {
        ParseResult r;
        if (line_bytes_ + (at - pos_) > limits_.max_line) {
            r.status = Status::Fatal;
            r.error = "command line too long";
            return r;
        }
        r.status = Status::Incomplete;
        return r;
    }

    // The line is bad: skip it up to its LF (wait for the LF when it is not here yet).
    ParseResult error(std::size_t at, std::string why) const {
        ParseResult r;
        const auto lf = in_.find('\n', at);
        if (lf == std::string_view::npos) {
            if (in_.size() - at + line_bytes_ > limits_.max_line) {
                r.status = Status::Fatal;
                r.error = "command line too long";
                return r;
            }
            r.status = Status::Incomplete;
            return r;
        }
        r.status = Status::Error;
        r.consumed = lf + 1;
        r.error = std::move(why);
        return r;
    }

    ParseResult complete() const {
        ParseResult r;
        r.status = Status::Complete;
        return r;
    }

    ParseResult argument(Argument& arg) {
        const char c = in_[pos_];
        if (c == '"') return quoted(arg);
        if (c == '{') return literal(arg);
        const std::size_t end = scan_atom(pos_);
        if (end == pos_) return error(pos_, "argument expected");
        if (end == in_.size()) return incomplete(end);
        arg.kind = Argument::Kind::Atom;
        arg.value = std::string(in_.substr(pos_, end - pos_));
        advance(end - pos_);
        return complete();
    }

    ParseResult quoted(Argument& arg) {
        std::size_t i = pos_ + 1;
        std::string value;
        while (true) {
            if (i >= in_.size()) return incomplete(i);
            const char c = in_[i];
            if (c == '"') break;
            if (c == '\r' || c == '\n' || c == '\0') return error(i, "CR, LF or NUL in a quoted string");
            if (c == '\\') {
                if (i + 1 >= in_.size()) return incomplete(i + 1);
                const char e = in_[i + 1];
                if (e != '"' && e != '\\') return error(i, "only \\\" and \\\\ may be escaped");
                value += e;
                i += 2;
            } else {
                value += c;
                ++i;
            }
            if (value.size() > limits_.max_quoted) return error(i, "quoted string longer than 1024 octets");
        }
        arg.kind = Argument::Kind::String;
        arg.value = std::move(value);
        advance(i + 1 - pos_);
        return complete();
    }

    ParseResult literal(Argument& arg) {
        std::size_t i = pos_ + 1;
        std::size_t n = 0;
        std::size_t digits = 0;
        while (i < in_.size() && text::is_digit(in_[i])) {
            if (++digits > 10) return fatal("literal too large");
            n = n * 10 + static_cast<std::size_t>(in_[i] - '0');
            ++i;
        }
        if (i >= in_.size()) return incomplete(i);
        if (digits == 0) return error(i, "literal length expected");
        if (n > limits_.max_literal) return fatal("literal too large");
        if (in_[i] == '+') ++i;
        if (i >= in_.size()) return incomplete(i);
        if (in_[i] != '}') return error(i, "'}' expected");
        ++i;
        if (i >= in_.size()) return incomplete(i);
        if (in_[i] == '\r') {
            ++i;
            if (i >= in_.size()) return incomplete(i);
        }
        if (in_[i] != '\n') return error(i, "CRLF expected after a literal's length");
        ++i;
        advance(i - pos_);
        if (in_.size() - pos_ < n) {
            ParseResult r;
            r.status = Status::Incomplete;
            return r;
        }
        arg.kind = Argument::Kind::String;
        arg.value = std::string(in_.substr(pos_, n));
        pos_ += n;  // literal bytes do not count against max_line
        return complete();
    }

    ParseResult fatal(std::string why) const {
        ParseResult r;
        r.status = Status::Fatal;
        r.error = std::move(why);
        return r;
    }

    std::string_view in_;
    const CommandLimits& limits_;
    std::size_t pos_ = 0;
    std::size_t line_bytes_ = 0;
};

}  // namespace

ParseResult parse_command(std::string_view input, const CommandLimits& limits) {
    if (input.empty()) return {};
    return Parser(input, limits).run();
}

ParseResult parse_string_line(std::string_view input, const CommandLimits& limits) {
    if (input.empty()) return {};
    return Parser(input, limits).run_string_line();
}

std::string wire_string(std::string_view s) {
    bool quotable = s.size() <= 1024;
    for (char c : s) {
        if (c == '\r' || c == '\n' || c == '\0') quotable = false;
    }
    if (!quotable) return "{" + std::to_string(s.size()) + "}\r\n" + std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace mr::sieved
