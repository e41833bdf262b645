// THREAD algorithms (RFC 5256 §3): ORDEREDSUBJECT and REFERENCES on small mailboxes whose
// answers follow from the RFC's steps, plus loops, duplicates and missing fields.
#include <doctest/doctest.h>

#include "imapd/render/base_subject.hpp"
#include "imapd/render/threads.hpp"

using namespace mr::imapd;

namespace {

struct M {
    std::int64_t sent;
    std::string subject;
    std::string message_id;
    std::string references;
    std::string in_reply_to;
};

std::vector<ThreadMessage> build(const std::vector<M>& ms) {
    std::vector<ThreadMessage> out;
    std::uint32_t id = 0;
    for (const auto& m : ms) {
        ThreadMessage t;
        t.id = ++id;
        t.sent = m.sent;
        BaseSubject b = base_subject(m.subject);
        t.subject_key = b.key;
        t.reply_or_forward = b.reply_or_forward;
        auto ids = message_ids(m.message_id);
        if (!ids.empty()) t.message_id = ids.front();
        t.references = thread_parents(m.references, m.in_reply_to);
        out.push_back(std::move(t));
    }
    return out;
}

std::string refs(const std::vector<M>& ms) { return thread_references(build(ms)); }
std::string ordered(const std::vector<M>& ms) { return thread_ordered_subject(build(ms)); }

}  // namespace

TEST_CASE("message ids: normalised, quoted forms equal (rfc5256.txt:407)") {
    CHECK(message_ids("<\"01KF8JCEOCBS0045PS\"@xxx.yyy.com>") ==
          std::vector<std::string>{"01KF8JCEOCBS0045PS@xxx.yyy.com"});
    CHECK(message_ids(" <a@b> (c) <c@d>\r\n <e@f>") == std::vector<std::string>{"a@b", "c@d", "e@f"});
    CHECK(message_ids("<nohost>").empty());
    CHECK(message_ids("<a@b").empty());
    CHECK(message_ids("garbage").empty());
    CHECK(message_ids("<x <a@b>") == std::vector<std::string>{"a@b"});
    CHECK(thread_parents("", "<p@x> (by the way <q@x>)") == std::vector<std::string>{"p@x"});
    CHECK(thread_parents("<r@x> <s@x>", "<p@x>") == std::vector<std::string>{"r@x", "s@x"});
    CHECK(thread_parents("junk", "<p@x>") == std::vector<std::string>{"p@x"});
}

TEST_CASE("ORDEREDSUBJECT: by base subject, first message the parent of the rest") {
    CHECK(ordered({}) == "");
    CHECK(ordered({{10, "a", "", "", ""}}) == "(1)");
    // Threads by their first message's date; children by date.
    CHECK(ordered({{30, "b", "", "", ""}, {10, "a", "", "", ""}, {20, "Re: a", "", "", ""},
                   {40, "RE: b", "", "", ""}, {15, "re: a", "", "", ""}}) == "(2 (5)(3))(1 4)");
    // Equal dates keep mailbox order.
    CHECK(ordered({{10, "x", "", "", ""}, {10, "x", "", "", ""}, {10, "y", "", "", ""}}) == "(1 2)(3)");
}

TEST_CASE("REFERENCES: parents from References, else In-Reply-To") {
    CHECK(refs({}) == "");
    CHECK(refs({{1, "a", "<1@x>", "", ""}, {2, "Re: a", "<2@x>", "<1@x>", ""},
                {3, "Re: a", "<3@x>", "<1@x> <2@x>", ""}}) == "(1 2 3)");
    // Branches: two replies to one message.
    CHECK(refs({{1, "a", "<1@x>", "", ""}, {2, "Re: a", "<2@x>", "", "<1@x>"},
                {3, "Re: a", "<3@x>", "<1@x>", ""}}) == "(1 (2)(3))");
    // A missing parent: a dummy, pruned; its one child promoted to the root.
    CHECK(refs({{1, "x", "<1@x>", "<gone@x>", ""}}) == "(1)");
    // A dummy with two children at the root stays (as "((..)(..))").
    CHECK(refs({{1, "p", "<1@x>", "<gone@x>", ""}, {2, "q", "<2@x>", "<gone@x>", ""}}) == "((1)(2))");
    // A message arriving before its parent.
    CHECK(refs({{2, "Re: a", "<2@x>", "<1@x>", ""}, {1, "a", "<1@x>", "", ""}}) == "(2 1)");
}

TEST_CASE("REFERENCES: loops, duplicates, missing IDs and dates") {
    // A References cycle: 1 names 2 as parent, 2 names 1; the later link would close the loop.
    CHECK(refs({{1, "a", "<1@x>", "<2@x>", ""}, {2, "b", "<2@x>", "<1@x>", ""}}) == "(2 1)");
    // A message referencing itself.
    CHECK(refs({{1, "a", "<1@x>", "<1@x>", ""}}) == "(1)");
    // Duplicate Message-ID: the second gets a unique one, so a reply goes to the first.
    CHECK(refs({{1, "a", "<1@x>", "", ""}, {2, "b", "<1@x>", "", ""}, {3, "c", "<3@x>", "<1@x>", ""}}) ==
          "(1 3)(2)");
    // No Message-ID: still threaded under its reference, never a parent.
    CHECK(refs({{1, "a", "", "", ""}, {2, "b", "<2@x>", "", ""}}) == "(1)(2)");
    // Equal dates (e.g. both without Date:, both the same internal date): mailbox order.
    CHECK(refs({{5, "a", "<1@x>", "", ""}, {5, "b", "<2@x>", "", ""}}) == "(1)(2)");
    // References truncated: (B) moves the message under its real last reference.
    CHECK(refs({{1, "a", "<1@x>", "", ""}, {2, "b", "<2@x>", "<1@x>", ""}, {3, "c", "<3@x>", "<2@x>", ""},
                {4, "d", "<4@x>", "<1@x> <3@x>", ""}}) == "(1 2 3 4)");
}

TEST_CASE("REFERENCES: subject merging (step 5)") {
    // A reply without references joins the thread of its subject as a child.
    CHECK(refs({{1, "lunch", "<1@x>", "", ""}, {2, "Re: lunch", "<2@x>", "", ""}}) == "(1 2)");
    // Neither a reply: siblings under a dummy.
    CHECK(refs({{1, "lunch", "<1@x>", "", ""}, {2, "lunch", "<2@x>", "", ""}}) == "((1)(2))");
    // Both replies: siblings too.
    CHECK(refs({{1, "Re: lunch", "<1@x>", "", ""}, {2, "Re: lunch", "<2@x>", "", ""}}) == "((1)(2))");
    // The non-reply wins the table even when it comes later.
    CHECK(refs({{1, "Re: lunch", "<1@x>", "", ""}, {2, "lunch", "<2@x>", "", ""}}) == "(2 1)");
    // Empty subjects are never merged.
    CHECK(refs({{1, "", "<1@x>", "", ""}, {2, "", "<2@x>", "", ""}}) == "(1)(2)");
}

TEST_CASE("REFERENCES: a chain of 100,000 replies needs no deep recursion") {
    std::vector<ThreadMessage> ms;
    for (std::uint32_t i = 1; i <= 100000; ++i) {
        ThreadMessage t;
        t.id = i;
        t.sent = i;
        t.subject_key = "X";
        t.message_id = std::to_string(i) + "@x";
        if (i > 1) t.references = {std::to_string(i - 1) + "@x"};
        ms.push_back(std::move(t));
    }
    const std::string out = thread_references(ms);
    CHECK(out.substr(0, 8) == "(1 2 3 4");
    CHECK(out.substr(out.size() - 8) == " 100000)");
}
