#include "common/imapc/response_reader.hpp"

#include <charconv>

#include "common/text/ascii.hpp"

namespace mr::imapc {

namespace {

// "{123}" or "{123+}" ending a line (before its CRLF): the literal's size.
std::optional<std::size_t> literal_size(std::string_view line) {
    if (line.empty() || line.back() != '}') return std::nullopt;
    const auto open = line.rfind('{');
    if (open == std::string_view::npos) return std::nullopt;
    std::string_view digits = line.substr(open + 1, line.size() - open - 2);
    if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    return n;
}

class Parser {
public:
    explicit Parser(std::string_view s) : s_(s) {}

    Result<Response> response() {
        Response r;
        auto tag = token_text();
        if (tag.empty()) return Error::syntax("response without a tag");
        r.tag = std::string(tag);
        for (;;) {
            skip_spaces();
            if (at_line_end()) break;
            auto v = value(0);
            if (!v) return v.error();
            r.values.push_back(std::move(*v));
        }
        return r;
    }

private:
    static constexpr int kMaxDepth = 64;

    bool at_line_end() const { return pos_ >= s_.size() || s_[pos_] == '\r' || s_[pos_] == '\n'; }
    void skip_spaces() {
        while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
    }
    // Atom text: up to a space, a parenthesis or the line's end. Brackets stay inside
    // ("BODY[HEADER.FIELDS (A B)]" keeps its parenthesised part too).
    std::string_view token_text() {
        const std::size_t start = pos_;
        int brackets = 0;
        while (pos_ < s_.size()) {
            const char c = s_[pos_];
            if (c == '[') ++brackets;
            if (c == ']' && brackets > 0) --brackets;
            if (c == '\r' || c == '\n') break;
            if (brackets == 0 && (c == ' ' || c == '(' || c == ')')) break;
            ++pos_;
        }
        return s_.substr(start, pos_ - start);
    }

    Result<Value> value(int depth) {
        if (depth > kMaxDepth) return Error::syntax("lists nested too deeply");
        const char c = s_[pos_];
        if (c == '(') {
            ++pos_;
            Value list{Value::Kind::List, {}, {}};
            for (;;) {
                skip_spaces();
                if (pos_ >= s_.size() || at_line_end()) return Error::syntax("unclosed list");
                if (s_[pos_] == ')') {
                    ++pos_;
                    return list;
                }
                auto item = value(depth + 1);
                if (!item) return item.error();
                list.items.push_back(std::move(*item));
            }
        }
        if (c == ')') return Error::syntax("unexpected ')'");
        if (c == '"') return quoted();
        if (c == '{') return literal();
        const auto text = token_text();
        if (text.empty()) return Error::syntax("empty value");
        if (mr::text::iequals(text, "NIL")) return Value{Value::Kind::Nil, {}, {}};
        return Value{Value::Kind::Atom, std::string(text), {}};
    }

    Result<Value> quoted() {
        ++pos_;
        std::string out;
        while (pos_ < s_.size()) {
            const char c = s_[pos_++];
            if (c == '"') return Value{Value::Kind::String, std::move(out), {}};
            if (c == '\r' || c == '\n') break;
            if (c == '\\') {
                if (pos_ >= s_.size()) break;
                out.push_back(s_[pos_++]);
                continue;
            }
            out.push_back(c);
        }
        return Error::syntax("unterminated quoted string");
    }

    Result<Value> literal() {
        const auto close = s_.find('}', pos_);
        if (close == std::string_view::npos) return Error::syntax("bad literal");
        auto n = literal_size(s_.substr(pos_, close - pos_ + 1));
        if (!n || s_.compare(close + 1, 2, "\r\n") != 0) return Error::syntax("bad literal");
        const std::size_t start = close + 3;
        if (s_.size() - start < *n) return Error::syntax("literal cut short");
        pos_ = start + *n;
        return Value{Value::Kind::String, std::string(s_.substr(start, *n)), {}};
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

}  // namespace

bool Value::is_atom(std::string_view upper) const { return kind == Kind::Atom && mr::text::iequals(text, upper); }

Result<Response> parse_response(std::string_view bytes) { return Parser(bytes).response(); }

Result<std::optional<Response>> ResponseReader::next() {
    // Walk line by line; a line ending in a literal announcement swallows the literal.
    for (;;) {
        const auto eol = buffer_.find("\r\n", scanned_);
        if (eol == std::string::npos) {
            if (buffer_.size() - scanned_ > kMaxLine) return Error::syntax("response line too long");
            return std::optional<Response>{};
        }
        if (eol - scanned_ > kMaxLine) return Error::syntax("response line too long");
        const auto n = literal_size(std::string_view(buffer_).substr(scanned_, eol - scanned_));
        if (!n) {
            const std::size_t end = eol + 2;
            auto parsed = parse_response(std::string_view(buffer_).substr(0, end));
            buffer_.erase(0, end);
            scanned_ = 0;
            if (!parsed) return parsed.error();
            return std::optional<Response>(std::move(*parsed));
        }
        if (*n > max_literal_) return Error::syntax("literal of " + std::to_string(*n) + " bytes is over the limit");
        if (buffer_.size() - (eol + 2) < *n) return std::optional<Response>{};
        scanned_ = eol + 2 + *n;
    }
}

}  // namespace mr::imapc
