#include "common/sieve/match.hpp"

#include <algorithm>
#include <optional>

#include "common/text/ascii.hpp"

namespace mr::sieve {

namespace {

bool same(Comparator c, char a, char b) {
    return c == Comparator::Octet ? a == b : text::to_upper(a) == text::to_upper(b);
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
                if (caps && item.kind == PatternItem::One) (*caps)[wildcard_index[k]] = {s, s + 1};
                ++s;
                ++k;
                continue;
            }
        }
        if (star == p.size() || star_end >= v.size()) return false;
        ++star_end;
        if (caps) (*caps)[wildcard_index[star]] = {star_from, star_end};
        s = star_end;
        k = star + 1;
    }
    return true;
}

}  // namespace

bool match_value(const MatchSpec& spec, std::string_view value, std::string_view key,
                 std::vector<std::string>* captures) {
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
            const auto pattern = compile_pattern(key);
            std::vector<std::pair<std::size_t, std::size_t>> caps;
            if (!glob(spec.comparator, value, pattern, captures ? &caps : nullptr)) return false;
            if (captures) {
                captures->clear();
                captures->emplace_back(value);
                for (const auto& [from, to] : caps) captures->emplace_back(value.substr(from, to - from));
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
    const std::uint64_t v = value.size() + 1;
    const std::uint64_t k = key.size() + 1;
    if (spec.type == MatchType::Contains || spec.type == MatchType::Matches) return v * k;
    return v + k;
}

}  // namespace mr::sieve
