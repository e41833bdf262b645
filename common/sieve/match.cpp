#include "common/sieve/match.hpp"

#include <algorithm>
#include <optional>

#include "common/text/ascii.hpp"
#include "common/text/unicode_casemap.hpp"

namespace mr::sieve {

namespace {

// One byte of the value against one of the key. i;unicode-casemap's strings are prepared
// already: bytes compare as i;octet.
bool same(Comparator c, char a, char b) {
    return c == Comparator::AsciiCasemap ? text::to_upper(a) == text::to_upper(b) : a == b;
}

// What "?" matches at v[s] and what "*" grows by: one octet, or for i;unicode-casemap one
// character and one code point of the prepared value.
std::size_t character_length(Comparator c, std::string_view v, std::size_t s) {
    return c == Comparator::UnicodeCasemap ? text::casemap_character_length(v, s) : 1;
}
std::size_t star_step(Comparator c, std::string_view v, std::size_t s) {
    return c == Comparator::UnicodeCasemap ? text::casemap_code_point_length(v, s) : 1;
}

// RFC 4790 §9.1 (i;ascii-numeric): the digits a string starts with, leading zeros
// dropped; nullopt is "positive infinity" (no leading digit).
std::optional<std::string_view> numeric(std::string_view s) {
    std::size_t n = 0;
    while (n < s.size() && text::is_digit(s[n])) ++n;
    if (n == 0) return std::nullopt;
    std::size_t z = 0;
    while (z + 1 < n && s[z] == '0') ++z;
    return s.substr(z, n - z);
}

// <0, 0, >0 as a is less than, equal to or greater than b under the comparator.
int order(Comparator c, std::string_view a, std::string_view b) {
    if (c == Comparator::AsciiNumeric) {
        const auto x = numeric(a);
        const auto y = numeric(b);
        if (!x || !y) return x ? -1 : y ? 1 : 0;
        if (x->size() != y->size()) return x->size() < y->size() ? -1 : 1;
        return x->compare(*y);
    }
    if (c == Comparator::AsciiCasemap) {
        const std::size_t n = std::min(a.size(), b.size());
        for (std::size_t i = 0; i < n; ++i) {
            const auto p = static_cast<unsigned char>(text::to_upper(a[i]));
            const auto q = static_cast<unsigned char>(text::to_upper(b[i]));
            if (p != q) return p < q ? -1 : 1;
        }
        return a.size() == b.size() ? 0 : a.size() < b.size() ? -1 : 1;
    }
    if (c == Comparator::UnicodeCasemap) return text::unicode_casemap(a).compare(text::unicode_casemap(b));
    return a.compare(b);
}

bool relation(RelOp op, int cmp) {
    switch (op) {
        case RelOp::Gt: return cmp > 0;
        case RelOp::Ge: return cmp >= 0;
        case RelOp::Lt: return cmp < 0;
        case RelOp::Le: return cmp <= 0;
        case RelOp::Eq: return cmp == 0;
        case RelOp::Ne: return cmp != 0;
    }
    return false;
}

bool contains(Comparator c, std::string_view value, std::string_view key) {
    if (key.empty()) return true;
    if (key.size() > value.size()) return false;
    for (std::size_t i = 0; i + key.size() <= value.size(); ++i) {
        std::size_t j = 0;
        while (j < key.size() && same(c, value[i + j], key[j])) ++j;
        if (j == key.size()) return true;
    }
    return false;
}

// One element of a :matches pattern: a literal byte, '?' or '*'.
struct PatternItem {
    enum Kind : std::uint8_t { Literal, One, Any } kind;
    char c;
};

std::vector<PatternItem> compile_pattern(std::string_view key) {
    std::vector<PatternItem> out;
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i] == '\\' && i + 1 < key.size()) out.push_back({PatternItem::Literal, key[++i]});
        else if (key[i] == '*') {
            // "**" matches what "*" matches; the second still gets its own (empty) capture.
            out.push_back({PatternItem::Any, 0});
        } else if (key[i] == '?') out.push_back({PatternItem::One, 0});
        else out.push_back({PatternItem::Literal, key[i]});
    }
    return out;
}

// i;unicode-casemap: the pattern's runs of literal bytes prepared as the value is, each on
// its own (preparing is per code point, so a run prepares as it would within the whole).
std::vector<PatternItem> casemapped(const std::vector<PatternItem>& pattern) {
    std::vector<PatternItem> out;
    std::string run;
    auto flush = [&] {
        for (char c : text::unicode_casemap(run)) out.push_back({PatternItem::Literal, c});
        run.clear();
    };
    for (const PatternItem& item : pattern) {
        if (item.kind == PatternItem::Literal) {
            run.push_back(item.c);
        } else {
            flush();
            out.push_back(item);
        }
    }
    flush();
    return out;
}

// Glob matching with a single backtrack point (the last '*' seen), which is complete for
// patterns of literals, '?' and '*'. Captures: [start, end) of each wildcard in order.
bool glob(Comparator c, std::string_view v, const std::vector<PatternItem>& p,
          std::vector<std::pair<std::size_t, std::size_t>>* caps) {
    std::vector<std::size_t> wildcard_index(p.size(), 0);
    std::size_t n = 0;
    for (std::size_t i = 0; i < p.size(); ++i)
        if (p[i].kind != PatternItem::Literal) wildcard_index[i] = n++;
    if (caps) caps->assign(n, {0, 0});
    std::size_t s = 0, k = 0;
    std::size_t star = p.size(), star_from = 0, star_end = 0;
    while (s < v.size() || k < p.size()) {
        if (k < p.size()) {
            const auto& item = p[k];
            if (item.kind == PatternItem::Any) {
                star = k;
                star_from = s;
                star_end = s;
                if (caps) (*caps)[wildcard_index[k]] = {s, s};
                ++k;
                continue;
            }
            if (s < v.size() && (item.kind == PatternItem::One || same(c, v[s], item.c))) {
                const std::size_t len = item.kind == PatternItem::One ? character_length(c, v, s) : 1;
                if (caps && item.kind == PatternItem::One) (*caps)[wildcard_index[k]] = {s, s + len};
                s += len;
                ++k;
                continue;
            }
        }
        if (star == p.size() || star_end >= v.size()) return false;
        star_end += star_step(c, v, star_end);
        if (caps) (*caps)[wildcard_index[star]] = {star_from, star_end};
        s = star_end;
        k = star + 1;
    }
    return true;
}

}  // namespace

bool match_value(const MatchSpec& spec, std::string_view value, std::string_view key,
                 std::vector<std::string>* captures) {
    if (spec.comparator == Comparator::UnicodeCasemap && spec.type != MatchType::Matches) {
        // RFC 5051 §2: the prepared strings compare as i;octet.
        const MatchSpec octet{spec.type, spec.op, Comparator::Octet};
        return match_value(octet, text::unicode_casemap(value), text::unicode_casemap(key));
    }
    switch (spec.type) {
        case MatchType::Is:
            return order(spec.comparator, value, key) == 0 &&
                   (spec.comparator == Comparator::AsciiNumeric || value.size() == key.size());
        case MatchType::Contains:
            return contains(spec.comparator, value, key);
        case MatchType::Value:
            return relation(spec.op, order(spec.comparator, value, key));
        case MatchType::Count:
            return false;  // match_count's job
        case MatchType::Matches: {
            // i;unicode-casemap globs over the prepared value; `origin` takes each of its
            // bytes back to the value as written, for the captures.
            const bool casemap = spec.comparator == Comparator::UnicodeCasemap;
            std::vector<std::size_t> origin;
            const std::string prepared = casemap ? text::unicode_casemap(value, origin) : std::string();
            const std::string_view v = casemap ? std::string_view(prepared) : value;
            const auto pattern = casemap ? casemapped(compile_pattern(key)) : compile_pattern(key);
            std::vector<std::pair<std::size_t, std::size_t>> caps;
            if (!glob(spec.comparator, v, pattern, captures ? &caps : nullptr)) return false;
            if (captures) {
                auto written = [&](std::size_t at) {
                    if (!casemap) return at;
                    return at < origin.size() ? origin[at] : value.size();
                };
                captures->clear();
                captures->emplace_back(value);
                for (const auto& [from, to] : caps) {
                    const std::size_t a = written(from);
                    captures->emplace_back(value.substr(a, written(to) - a));
                }
            }
            return true;
        }
    }
    return false;
}

bool match_count(const MatchSpec& spec, std::size_t count, std::string_view key) {
    return relation(spec.op, order(spec.comparator, std::to_string(count), key));
}

std::uint64_t match_cost(const MatchSpec& spec, std::string_view value, std::string_view key) {
    if (spec.comparator == Comparator::UnicodeCasemap) {
        // The preparing, then the comparison of the prepared strings, which decomposition
        // may have made longer than the strings as written.
        const MatchSpec octet{spec.type, spec.op, Comparator::Octet};
        return value.size() + key.size() +
               match_cost(octet, text::unicode_casemap(value), text::unicode_casemap(key));
    }
    const std::uint64_t v = value.size() + 1;
    const std::uint64_t k = key.size() + 1;
    if (spec.type == MatchType::Contains || spec.type == MatchType::Matches) return v * k;
    return v + k;
}

}  // namespace mr::sieve
