// The ids a message links itself to others by (THREADID, RFC 8474 §5.2): which fields,
// in what order, and the bounds that keep a delivery's lookups few.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/mime/message_ids.hpp"

using mr::mime::kMaxThreadLinkBytes;
using mr::mime::kMaxThreadReferences;
using mr::mime::thread_links;
using Ids = std::vector<std::string>;

TEST_CASE("thread links: parent first, references newest first, own id last, each once") {
    CHECK(thread_links("Message-ID: <c@x>\r\nIn-Reply-To: <b@x>\r\nReferences: <a@x>\r\n <b@x>\r\n\r\nbody <z@x>\r\n") ==
          Ids{"b@x", "a@x", "c@x"});
    // Only In-Reply-To (RFC 5322 allows a reply without References).
    CHECK(thread_links("In-Reply-To: <p@x> (sent by q) <q@x>\r\nMessage-ID: <r@x>\r\n\r\n") == Ids{"p@x", "r@x"});
    // A first message: only its own id, which a reply stored before it may already name.
    CHECK(thread_links("Subject: hi\r\nMessage-ID: <\"a b\"@x>\r\n\r\n") == Ids{"a b@x"});
    // Field names in any case; the first field of a name counts.
    CHECK(thread_links("message-id: <m@x>\r\nMESSAGE-ID: <n@x>\r\nreferences: <r@x>\r\n\r\n") == Ids{"r@x", "m@x"});
}

TEST_CASE("thread links: nothing to link by") {
    CHECK(thread_links("").empty());
    CHECK(thread_links("Subject: Re: plans\r\n\r\n").empty());  // a subject alone links nothing
    CHECK(thread_links("Message-ID: garbage\r\nReferences: <no-at-sign>\r\n\r\n").empty());
    CHECK(thread_links("\r\nMessage-ID: <in-body@x>\r\n").empty());  // after the header block
}

TEST_CASE("thread links: bounded whatever the header holds") {
    std::string refs = "References:";
    for (int i = 0; i < 50; ++i) refs += " <r" + std::to_string(i) + "@x>";
    const Ids links = thread_links(refs + "\r\nMessage-ID: <own@x>\r\n\r\n");
    REQUIRE(links.size() == kMaxThreadReferences + 1);
    CHECK(links.front() == "r49@x");  // the newest: the parent
    CHECK(links[kMaxThreadReferences - 1] == "r40@x");
    CHECK(links.back() == "own@x");
    // An id too long to be a real one is skipped, the others stay.
    const std::string huge = "<" + std::string(kMaxThreadLinkBytes, 'h') + "@x>";
    CHECK(thread_links("In-Reply-To: " + huge + "\r\nReferences: <a@x> " + huge + "\r\n\r\n") == Ids{"a@x"});
    const std::string fits = std::string(kMaxThreadLinkBytes - 2, 'f') + "@x";
    CHECK(thread_links("Message-ID: <" + fits + ">\r\n\r\n") == Ids{fits});
}

TEST_CASE("thread links: a header cut at any offset links no more than the whole") {
    const std::string header = "Message-ID: <c@x>\r\nIn-Reply-To: <b@x>\r\nReferences: <a@x> <b@x>\r\n\r\n";
    for (std::size_t cut = 0; cut <= header.size(); ++cut) CHECK(thread_links(header.substr(0, cut)).size() <= 3);
}
