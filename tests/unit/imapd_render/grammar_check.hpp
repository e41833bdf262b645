// A strict recursive-descent reader of the RFC 3501 `body` and `envelope`
// productions (rfc3501.txt:4573-4744), used to prove that whatever bytes a message
// holds, BODY, BODYSTRUCTURE and ENVELOPE output parses. Independent of the renderer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mr::imapd::test {

class GrammarCheck {
public:
    explicit GrammarCheck(std::string_view s) : s_(s) {}

    // body; `extensions`: BODYSTRUCTURE (extension data required) vs BODY (forbidden).
    bool whole_body(bool extensions) { return body(extensions) && pos_ == s_.size(); }
    bool whole_envelope() { return envelope() && pos_ == s_.size(); }
    std::size_t pos() const { return pos_; }

private:
    bool lit(char c) {
        if (pos_ < s_.size() && s_[pos_] == c) { ++pos_; return true; }
        return false;
    }
    bool peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
    bool sp() { return lit(' '); }
    bool nil() {
        if (s_.substr(pos_, 3) == "NIL") { pos_ += 3; return true; }
        return false;
    }
    bool number() {
        const std::size_t b = pos_;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
        return pos_ > b;
    }
    // string = quoted / literal; the value goes to `out` when given.
    bool string(std::string* out = nullptr) {
        std::string v;
        if (lit('"')) {
            for (;;) {
                if (pos_ >= s_.size()) return false;
                const char c = s_[pos_++];
                if (c == '"') break;
                if (c == '\r' || c == '\n' || c == '\0' || static_cast<unsigned char>(c) >= 0x80) return false;
                if (c == '\\') {
                    if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\\')) return false;
                    v += s_[pos_++];
                } else {
                    v += c;
                }
            }
        } else if (lit('{')) {
            const std::size_t b = pos_;
            if (!number()) return false;
            const std::size_t n = std::stoul(std::string(s_.substr(b, pos_ - b)));
            if (!lit('}') || !lit('\r') || !lit('\n') || pos_ + n > s_.size()) return false;
            v = std::string(s_.substr(pos_, n));
            pos_ += n;
        } else {
            return false;
        }
        if (out) *out = std::move(v);
        return true;
    }
    bool nstring() { return nil() || string(); }
    static bool ieq(std::string_view a, std::string_view b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            char x = a[i], y = b[i];
            if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
            if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
            if (x != y) return false;
        }
        return true;
    }
    // body-fld-param (rfc3501.txt:4626)
    bool params() {
        if (nil()) return true;
        if (!lit('(') || !string() || !sp() || !string()) return false;
        while (sp()) {
            if (!string() || !sp() || !string()) return false;
        }
        return lit(')');
    }
    bool disposition() { return nil() || (lit('(') && string() && sp() && params() && lit(')')); }
    bool language() {
        if (!peek('(')) return nstring();
        ++pos_;
        if (!string()) return false;
        while (sp()) {
            if (!string()) return false;
        }
        return lit(')');
    }
    // disposition, language, location: all present when extensions are sent.
    bool ext_tail() { return sp() && disposition() && sp() && language() && sp() && nstring(); }
    bool address() {
        return lit('(') && nstring() && sp() && nstring() && sp() && nstring() && sp() && nstring() &&
               lit(')');
    }
    bool address_list() {
        if (nil()) return true;
        if (!lit('(') || !address()) return false;
        while (peek('(')) {
            if (!address()) return false;
        }
        return lit(')');
    }
    bool envelope() {
        if (!lit('(') || !nstring() || !sp() || !nstring()) return false;
        for (int i = 0; i < 6; ++i) {
            if (!sp() || !address_list()) return false;
        }
        return sp() && nstring() && sp() && nstring() && lit(')');
    }
    bool body(bool ext) {
        if (++depth_ > 400 || !lit('(')) return false;
        bool ok = false;
        if (peek('(')) {
            // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
            ok = true;
            while (ok && peek('(')) ok = body(ext);
            ok = ok && sp() && string();
            if (ok && ext) ok = sp() && params() && ext_tail();
        } else {
            std::string type, subtype;
            ok = string(&type) && sp() && string(&subtype) && sp() && params() && sp() && nstring() &&
                 sp() && nstring() && sp() && string() && sp() && number();
            if (ok && ieq(type, "MESSAGE") && ieq(subtype, "RFC822"))
                ok = sp() && envelope() && sp() && body(ext) && sp() && number();
            else if (ok && ieq(type, "TEXT"))
                ok = sp() && number();
            if (ok && ext) ok = sp() && nstring() && ext_tail();
        }
        --depth_;
        return ok && lit(')');
    }

    std::string_view s_;
    std::size_t pos_ = 0;
    int depth_ = 0;
};

}  // namespace mr::imapd::test
