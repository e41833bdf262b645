// LIST and LSUB responses; see list_reply.hpp.
#include "imapd/session/list_reply.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "imapd/proto/mailbox_name.hpp"
#include "imapd/render/imap_string.hpp"

namespace mr::imapd::session {

namespace {

// One name LIST may answer: a mailbox, a subscription without one, or a parent of either.
struct Candidate {
    std::string name;  // UTF-8
    std::string wire;
    bool exists = false;
    bool subscribed = false;
    std::string special_use;
    bool has_children = false;  // an existing mailbox below it
    bool placeholder = false;   // a level of the shared namespace: listed, never selectable
};

bool is_below(const std::string& name, const std::string& parent) {
    return name.size() > parent.size() + 1 && name.compare(0, parent.size(), parent) == 0 &&
           name[parent.size()] == kHierarchyDelimiter;
}

bool matches_any(const std::vector<std::string>& patterns, const std::string& wire) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const auto& p) { return list_match(p, wire); });
}

std::vector<Candidate> candidates(const std::vector<storage::MailboxRecord>& boxes,
                                  const std::vector<std::string>& lost, const std::vector<std::string>& placeholders,
                                  NameForm form) {
    auto wire_name = [form](const std::string& utf8) { return encode_mailbox_name(utf8, form); };
    std::vector<Candidate> out;
    std::set<std::string> seen;
    for (const auto& b : boxes) {
        out.push_back({b.name, wire_name(b.name), true, b.subscribed, b.special_use, has_children(boxes, b.name)});
        seen.insert(b.name);
    }
    for (const auto& name : placeholders) {
        if (seen.insert(name).second)
            out.push_back({name, wire_name(name), false, false, {}, has_children(boxes, name), true});
    }
    for (const auto& name : lost) {
        if (seen.insert(name).second) out.push_back({name, wire_name(name), false, true, {}, has_children(boxes, name)});
    }
    // Parents that do not exist (of lost subscriptions): RECURSIVEMATCH may answer them.
    const std::size_t known = out.size();
    for (std::size_t i = 0; i < known; ++i) {
        const std::string name = out[i].name;
        for (std::size_t slash = name.find(kHierarchyDelimiter); slash != std::string::npos;
             slash = name.find(kHierarchyDelimiter, slash + 1)) {
            std::string parent = name.substr(0, slash);
            if (seen.insert(parent).second) out.push_back({parent, wire_name(parent), false, false, {}, false});
        }
    }
    return out;
}

// The selection criteria (RFC 5258 §3.1; SPECIAL-USE: RFC 6154 §5.1): every base option
// given must hold; without SUBSCRIBED the mailbox must exist.
bool selected(const ListCmd& c, const Candidate& m) {
    if (c.select_subscribed && !m.subscribed) return false;
    if (!c.select_subscribed && !m.exists && !m.placeholder) return false;
    if (c.select_special_use && m.special_use.empty()) return false;
    return true;
}

std::string list_response(const ListCmd& c, const Candidate& m, bool childinfo) {
    std::vector<std::string> attrs;
    if (m.placeholder) attrs.emplace_back("\\Noselect");
    else if (!m.exists) attrs.emplace_back("\\NonExistent");  // implies \Noselect (rfc5258.txt:343)
    if (m.exists || m.has_children) attrs.emplace_back(m.has_children ? "\\HasChildren" : "\\HasNoChildren");
    if (!m.special_use.empty()) attrs.push_back(m.special_use);
    if ((c.select_subscribed || c.return_subscribed) && m.subscribed) attrs.emplace_back("\\Subscribed");
    std::string out = "* LIST (";
    for (std::size_t i = 0; i < attrs.size(); ++i) out += (i ? " " : "") + attrs[i];
    out += ") \"/\" ";
    append_string(out, m.wire, QuotedText::Utf8);  // UTF-8 only in NameForm::Utf8
    // RFC 5258 §3.5 (rfc5258.txt:526): the criteria that caused the answer.
    if (childinfo) out += " (\"CHILDINFO\" (\"SUBSCRIBED\"))";
    out += "\r\n";
    return out;
}

// RFC 3501 §6.3.9 (rfc3501.txt:2394): when LSUB's "%" stops above a subscribed name
// whose parent is not subscribed, the parent is answered, flagged \Noselect. Adds the
// ancestors of `name` that a "%" pattern (without "*", which reaches `name` itself)
// matches to `parents`, each once.
void lsub_parents(const std::vector<std::string>& patterns, const std::string& name,
                  std::vector<std::string>& parents) {
    for (std::size_t slash = name.find(kHierarchyDelimiter); slash != std::string::npos;
         slash = name.find(kHierarchyDelimiter, slash + 1)) {
        const std::string parent = name.substr(0, slash);
        for (const auto& p : patterns) {
            if (p.find('%') == std::string::npos || p.find('*') != std::string::npos) continue;
            if (!list_match(p, parent)) continue;
            if (std::find(parents.begin(), parents.end(), parent) == parents.end()) parents.push_back(parent);
            break;
        }
    }
}

std::vector<ListLine> lsub_lines(const std::vector<std::string>& patterns, const std::vector<Candidate>& all) {
    std::vector<ListLine> out;
    std::set<std::string> answered;     // subscribed names answered
    std::vector<std::string> noselect;  // their unsubscribed parents
    for (const auto& m : all) {
        if (!m.subscribed) continue;
        if (!matches_any(patterns, m.wire)) {
            lsub_parents(patterns, m.wire, noselect);
            continue;
        }
        std::string attrs;
        if (m.exists) attrs = m.has_children ? "\\HasChildren" : "\\HasNoChildren";
        if (!m.special_use.empty()) attrs += " " + m.special_use;
        std::string line = "* LSUB (" + attrs + ") \"/\" ";
        append_string(line, m.wire, QuotedText::Utf8);
        out.push_back({line + "\r\n", m.wire, {}});
        answered.insert(m.wire);
    }
    for (const auto& name : noselect) {
        if (answered.contains(name)) continue;
        std::string line = "* LSUB (\\Noselect) \"/\" ";
        append_string(line, name, QuotedText::Utf8);
        out.push_back({line + "\r\n", name, {}});
    }
    return out;
}

}  // namespace

bool has_children(const std::vector<storage::MailboxRecord>& boxes, const std::string& name) {
    return std::any_of(boxes.begin(), boxes.end(), [&](const auto& b) { return is_below(b.name, name); });
}

std::vector<ListLine> list_lines(const ListCmd& c, const std::vector<std::string>& patterns,
                                 const std::vector<storage::MailboxRecord>& boxes,
                                 const std::vector<std::string>& lost, const std::vector<std::string>& placeholders,
                                 NameForm form) {
    const std::vector<Candidate> all = candidates(boxes, lost, placeholders, form);
    if (c.lsub) return lsub_lines(patterns, all);
    std::vector<ListLine> out;
    for (const auto& m : all) {
        if (!matches_any(patterns, m.wire)) continue;
        bool childinfo = false;
        if (!selected(c, m)) {
            if (!c.select_recursive_match) continue;
            childinfo = std::any_of(all.begin(), all.end(), [&](const Candidate& d) {
                return is_below(d.name, m.name) && selected(c, d) && !matches_any(patterns, d.wire);
            });
            if (!childinfo) continue;
        }
        // RFC 5819 §2 (rfc5819.txt:118): STATUS for each selectable mailbox answered.
        std::string status = !c.return_status.empty() && m.exists ? m.name : std::string();
        out.push_back({list_response(c, m, childinfo), m.wire, std::move(status)});
    }
    return out;
}

std::string select_list_response(const std::vector<storage::MailboxRecord>& boxes, const std::string& name,
                                 const std::string& shown, bool shared_subscribed, NameForm form) {
    const auto box = std::find_if(boxes.begin(), boxes.end(), [&](const auto& b) { return b.name == name; });
    if (box == boxes.end()) return {};
    const bool subscribed = shown == name ? box->subscribed : shared_subscribed;
    const Candidate m{shown, encode_mailbox_name(shown, form), true, subscribed,
                      box->special_use, has_children(boxes, name)};
    // Subscribed too: the attributes "MUST be accurate" (rfc9051.txt:1789).
    ListCmd all;
    all.return_subscribed = true;
    return list_response(all, m, false);
}

}  // namespace mr::imapd::session
