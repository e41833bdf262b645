// Search contexts and their ADDTO/REMOVEFROM updates (search_context.hpp).
#include "imapd/session/search_context.hpp"

#include <algorithm>
#include <utility>

namespace mr::imapd::session {

namespace {

std::string head(const UpdateContext& c, std::string_view item) {
    // The search correlator, as ESEARCH writes it (session_search.cpp, esearch_response).
    std::string out = "* ESEARCH (TAG \"" + c.tag + "\")";
    if (c.uid) out += " UID";
    out += ' ';
    out += item;
    out += " (";
    return out;
}

bool by_uid(const SortEntry& a, const SortEntry& b) { return a.position < b.position; }

}  // namespace

std::string ordered_set(const std::vector<std::uint32_t>& numbers) {
    std::string out;
    for (std::size_t i = 0; i < numbers.size();) {
        std::size_t j = i;
        while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(numbers[i]);
        if (j > i) out += ':' + std::to_string(numbers[j]);
        i = j + 1;
    }
    return out;
}

bool is_member(const UpdateContext& c, std::uint32_t uid) {
    if (!c.sorted) {
        SortEntry probe;
        probe.position = uid;
        return std::binary_search(c.members.begin(), c.members.end(), probe, by_uid);
    }
    return std::any_of(c.members.begin(), c.members.end(), [uid](const SortEntry& e) { return e.position == uid; });
}

std::string remove_members(UpdateContext& c, const std::vector<std::uint32_t>& leaving, const NumberOf& number) {
    auto leaves = [&](const SortEntry& e) { return std::binary_search(leaving.begin(), leaving.end(), e.position); };
    std::string pairs;
    if (!c.sorted) {
        std::vector<std::uint32_t> numbers;
        for (const auto& e : c.members)
            if (leaves(e)) numbers.push_back(number(e.position));
        if (numbers.empty()) return {};
        std::sort(numbers.begin(), numbers.end());
        pairs = "0 " + ordered_set(numbers);
    } else {
        // Runs of leaving members, each at its position once the runs before it are gone.
        std::size_t removed = 0;
        for (std::size_t i = 0; i < c.members.size();) {
            if (!leaves(c.members[i])) {
                ++i;
                continue;
            }
            const std::size_t at = i - removed + 1;
            std::vector<std::uint32_t> run;
            for (; i < c.members.size() && leaves(c.members[i]); ++i) run.push_back(number(c.members[i].position));
            removed += run.size();
            if (!pairs.empty()) pairs += ' ';
            pairs += std::to_string(at) + ' ' + ordered_set(run);
        }
        if (pairs.empty()) return {};
    }
    std::erase_if(c.members, leaves);
    return head(c, "REMOVEFROM") + pairs + ")\r\n";
}

std::string add_members(UpdateContext& c, std::vector<SortEntry> joining, const NumberOf& number) {
    if (joining.empty()) return {};
    std::string pairs;
    if (!c.sorted) {
        std::sort(joining.begin(), joining.end(), by_uid);
        std::vector<std::uint32_t> numbers;
        for (const auto& e : joining) numbers.push_back(number(e.position));
        std::sort(numbers.begin(), numbers.end());
        pairs = "0 " + ordered_set(numbers);
        std::vector<SortEntry> merged;
        merged.reserve(c.members.size() + joining.size());
        std::merge(std::make_move_iterator(c.members.begin()), std::make_move_iterator(c.members.end()),
                   std::make_move_iterator(joining.begin()), std::make_move_iterator(joining.end()),
                   std::back_inserter(merged), by_uid);
        c.members = std::move(merged);
        return head(c, "ADDTO") + pairs + ")\r\n";
    }
    auto before = [&](const SortEntry& a, const SortEntry& b) { return sorts_before(a, b, c.criteria); };
    std::sort(joining.begin(), joining.end(), before);
    // The merged result, each entry marked when it joins; then one pair per run of joining
    // entries, at the position its first takes (the runs before it in place already).
    std::vector<std::pair<SortEntry, bool>> merged;
    merged.reserve(c.members.size() + joining.size());
    std::size_t i = 0, j = 0;
    while (i < c.members.size() || j < joining.size()) {
        if (j < joining.size() && (i == c.members.size() || before(joining[j], c.members[i])))
            merged.emplace_back(std::move(joining[j++]), true);
        else
            merged.emplace_back(std::move(c.members[i++]), false);
    }
    c.members.clear();
    for (std::size_t k = 0; k < merged.size();) {
        if (!merged[k].second) {
            c.members.push_back(std::move(merged[k++].first));
            continue;
        }
        const std::size_t at = k + 1;
        std::vector<std::uint32_t> run;
        for (; k < merged.size() && merged[k].second; ++k) {
            run.push_back(number(merged[k].first.position));
            c.members.push_back(std::move(merged[k].first));
        }
        if (!pairs.empty()) pairs += ' ';
        pairs += std::to_string(at) + ' ' + ordered_set(run);
    }
    return head(c, "ADDTO") + pairs + ")\r\n";
}

}  // namespace mr::imapd::session
