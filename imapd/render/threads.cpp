// See threads.hpp. Containers live in one vector and refer to each other by index.
#include "imapd/render/threads.hpp"

#include <algorithm>
#include <numeric>
#include <tuple>
#include <unordered_map>

namespace mr::imapd {
namespace {

constexpr int kNone = -1;

struct Container {
    int message = kNone;  // index into the messages, or kNone for a dummy
    int parent = kNone;
    std::vector<int> children;
};

class Forest {
public:
    explicit Forest(const std::vector<ThreadMessage>& messages) : messages_(messages) {}

    int add(int message) {
        nodes_.push_back(Container{message, kNone, {}});
        return static_cast<int>(nodes_.size()) - 1;
    }
    Container& operator[](int i) { return nodes_[static_cast<std::size_t>(i)]; }
    bool dummy(int i) { return (*this)[i].message == kNone; }
    std::size_t size() const { return nodes_.size(); }

    // True when `a` is `b` or lies below it.
    bool within(int a, int b) {
        for (int x = a; x != kNone; x = (*this)[x].parent)
            if (x == b) return true;
        return false;
    }
    void unlink(int child) {
        const int p = (*this)[child].parent;
        if (p == kNone) return;
        auto& siblings = (*this)[p].children;
        siblings.erase(std::find(siblings.begin(), siblings.end(), child));
        (*this)[child].parent = kNone;
    }
    void link(int parent, int child) {
        unlink(child);
        (*this)[child].parent = parent;
        (*this)[parent].children.push_back(child);
    }

    // The message a container sorts by: its own, or a dummy's first child's (§3 step 4).
    int representative(int i) {
        while (dummy(i) && !(*this)[i].children.empty()) i = (*this)[i].children.front();
        return (*this)[i].message;
    }
    // Sent date, then mailbox order (rfc5256.txt:159).
    bool earlier(int a, int b) {
        const int ma = representative(a), mb = representative(b);
        const auto& x = messages_[static_cast<std::size_t>(ma)];
        const auto& y = messages_[static_cast<std::size_t>(mb)];
        return std::tie(x.sent, ma) < std::tie(y.sent, mb);
    }
    void sort_by_date(std::vector<int>& siblings) {
        std::stable_sort(siblings.begin(), siblings.end(), [this](int a, int b) { return earlier(a, b); });
    }
    const ThreadMessage& message_of(int i) { return messages_[static_cast<std::size_t>(representative(i))]; }

private:
    const std::vector<ThreadMessage>& messages_;
    std::vector<Container> nodes_;
};

// The containers below `roots` with every container after all of its descendants.
std::vector<int> post_order(Forest& f, const std::vector<int>& roots) {
    std::vector<int> out;
    std::vector<std::pair<int, std::size_t>> stack;
    for (int r : roots) {
        stack.emplace_back(r, 0);
        while (!stack.empty()) {
            auto& [node, next] = stack.back();
            if (next < f[node].children.size()) {
                const int child = f[node].children[next++];
                stack.emplace_back(child, 0);
            } else {
                out.push_back(node);
                stack.pop_back();
            }
        }
    }
    return out;
}

// The thread lists of `roots` (thread-list, rfc5256.txt:791): after a message, its one
// child continues the thread-members, or each of several children is a nested list; a
// dummy prints only its children.
std::string render(Forest& f, const std::vector<ThreadMessage>& messages, const std::vector<int>& roots) {
    struct Item {
        int node;          // kNone: print `text`
        const char* text;
    };
    std::string out;
    std::vector<Item> stack;
    for (int r : roots) {
        stack.push_back({kNone, ")"});
        stack.push_back({r, nullptr});
        stack.push_back({kNone, "("});
        while (!stack.empty()) {
            const Item item = stack.back();
            stack.pop_back();
            if (item.node == kNone) {
                out += item.text;
                continue;
            }
            const bool dummy = f.dummy(item.node);
            if (!dummy) out += std::to_string(messages[static_cast<std::size_t>(f[item.node].message)].id);
            const auto& kids = f[item.node].children;
            if (kids.size() == 1) {
                stack.push_back({kids.front(), nullptr});
            } else {
                for (auto it = kids.rbegin(); it != kids.rend(); ++it) {
                    stack.push_back({kNone, ")"});
                    stack.push_back({*it, nullptr});
                    stack.push_back({kNone, "("});
                }
            }
            if (!dummy && !kids.empty()) stack.push_back({kNone, " "});
        }
    }
    return out;
}

}  // namespace

std::string thread_ordered_subject(const std::vector<ThreadMessage>& messages) {
    // rfc5256.txt:363: by base subject then sent date; one thread per subject, its first
    // message the parent of all the others; threads by their first message's date.
    std::vector<int> order(messages.size());
    std::iota(order.begin(), order.end(), 0);
    auto at = [&](int i) -> const ThreadMessage& { return messages[static_cast<std::size_t>(i)]; };
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return std::tie(at(a).subject_key, at(a).sent, a) < std::tie(at(b).subject_key, at(b).sent, b);
    });
    Forest f(messages);
    std::vector<int> roots;
    for (std::size_t i = 0; i < order.size(); ++i) {
        const int c = f.add(order[i]);
        if (i > 0 && at(order[i]).subject_key == at(order[i - 1]).subject_key) f.link(roots.back(), c);
        else roots.push_back(c);
    }
    f.sort_by_date(roots);
    return render(f, messages, roots);
}

std::string thread_references(const std::vector<ThreadMessage>& messages) {
    Forest f(messages);
    // Step 1 (rfc5256.txt:448).
    std::unordered_map<std::string, int> by_id;
    auto reference = [&](const std::string& id) {
        auto [it, added] = by_id.try_emplace(id, kNone);
        if (added) it->second = f.add(kNone);  // a dummy until its message turns up
        return it->second;
    };
    for (std::size_t m = 0; m < messages.size(); ++m) {
        const ThreadMessage& msg = messages[m];
        int own = kNone;
        if (!msg.message_id.empty()) {
            const int c = reference(msg.message_id);
            if (f.dummy(c)) {
                f[c].message = static_cast<int>(m);
                own = c;
            }
        }
        // Missing, invalid or a duplicate of an earlier message's: a unique ID.
        if (own == kNone) own = f.add(static_cast<int>(m));
        // (A) Link the references in order, never changing an existing parent and never
        // closing a loop.
        int previous = kNone;
        for (const auto& id : msg.references) {
            const int c = reference(id);
            if (previous != kNone && f[c].parent == kNone && !f.within(previous, c)) f.link(previous, c);
            previous = c;
        }
        // (B) The last reference is the parent, replacing any parent (A) gave.
        f.unlink(own);
        if (previous != kNone && !f.within(previous, own)) f.link(previous, own);
    }
    // Step 2: the root set.
    std::vector<int> roots;
    for (std::size_t i = 0; i < f.size(); ++i)
        if (f[static_cast<int>(i)].parent == kNone) roots.push_back(static_cast<int>(i));
    // Step 3: prune dummies, bottom up. Below the root a dummy's children take its place;
    // at the root only a single child does.
    for (int node : post_order(f, roots)) {
        std::vector<int> kept;
        for (int child : f[node].children) {
            if (!f.dummy(child)) {
                kept.push_back(child);
                continue;
            }
            for (int grandchild : f[child].children) {
                f[grandchild].parent = node;
                kept.push_back(grandchild);
            }
            f[child].children.clear();
        }
        f[node].children = std::move(kept);
    }
    std::vector<int> top;
    for (int r : roots) {
        if (!f.dummy(r)) {
            top.push_back(r);
        } else if (f[r].children.size() == 1) {
            const int only = f[r].children.front();
            f[only].parent = kNone;
            top.push_back(only);
        } else if (!f[r].children.empty()) {
            top.push_back(r);
        }
    }
    // Step 4: the top level by date, a dummy by its earliest child.
    for (int r : top)
        if (f.dummy(r)) f.sort_by_date(f[r].children);
    f.sort_by_date(top);
    // Step 5: merge threads of the same base subject.
    std::unordered_map<std::string, int> by_subject;
    for (int r : top) {
        const ThreadMessage& m = f.message_of(r);
        if (m.subject_key.empty()) continue;
        auto [it, added] = by_subject.try_emplace(m.subject_key, r);
        if (added) continue;
        const int held = it->second;
        if (!f.dummy(held) && (f.dummy(r) || (f.message_of(held).reply_or_forward && !m.reply_or_forward)))
            it->second = r;
    }
    std::vector<bool> gone(f.size(), false);
    std::vector<int> merged;
    for (int r : top) {
        if (gone[static_cast<std::size_t>(r)]) continue;
        const ThreadMessage& m = f.message_of(r);
        auto it = m.subject_key.empty() ? by_subject.end() : by_subject.find(m.subject_key);
        if (it == by_subject.end() || it->second == r) {
            merged.push_back(r);
            continue;
        }
        const int held = it->second;
        if (f.dummy(held) && f.dummy(r)) {
            for (int child : f[r].children) f[child].parent = held;
            auto& to = f[held].children;
            to.insert(to.end(), f[r].children.begin(), f[r].children.end());
            f[r].children.clear();
        } else if (f.dummy(held) || (m.reply_or_forward && !f.message_of(held).reply_or_forward)) {
            f.link(held, r);
        } else {
            // Both replies or neither: siblings under a new dummy in the held one's place.
            const int d = f.add(kNone);
            gone.resize(f.size(), false);
            auto pos = std::find(merged.begin(), merged.end(), held);
            f.link(d, held);
            f.link(d, r);
            if (pos != merged.end()) *pos = d;
            else gone[static_cast<std::size_t>(held)] = true;  // comes later in `top`: replaced there
            it->second = d;
            if (pos == merged.end()) merged.push_back(d);
        }
        gone[static_cast<std::size_t>(r)] = true;
    }
    // Step 6: every set of siblings by date, children before their parents' level.
    for (int node : post_order(f, merged)) f.sort_by_date(f[node].children);
    f.sort_by_date(merged);
    return render(f, messages, merged);
}

std::vector<std::string> thread_parents(std::string_view references, std::string_view in_reply_to) {
    auto refs = message_ids(references);
    if (!refs.empty()) return refs;
    auto replied = message_ids(in_reply_to);
    if (replied.size() > 1) replied.resize(1);
    return replied;
}

}  // namespace mr::imapd
