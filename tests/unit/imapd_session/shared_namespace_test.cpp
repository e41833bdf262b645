#include <doctest/doctest.h>

#include "imapd/session/shared_namespace.hpp"

using namespace mr::imapd::session;

TEST_CASE("shared namespace: names map to an owner's store and back") {
    auto own = resolve_mailbox("Work/2026", "alice@example.org");
    REQUIRE(own);
    CHECK_FALSE(own->shared());
    CHECK(own->name == "Work/2026");
    auto shared = resolve_mailbox("Shared/Info@Example.org/Orders/2026", "alice@example.org");
    REQUIRE(shared);
    CHECK(shared->owner == "info@example.org");
    CHECK(shared->name == "Orders/2026");
    CHECK(resolve_mailbox("Shared/info@example.org/inbox", "alice@example.org")->name == "INBOX");
    // The user's own address in the shared namespace is the user's own store.
    auto self = resolve_mailbox("Shared/alice@example.org/INBOX", "Alice@example.org");
    REQUIRE(self);
    CHECK_FALSE(self->shared());
    for (const char* none : {"Shared/info@example.org", "Shared/info@example.org/", "Shared/@x/INBOX",
                             "Shared/a@b@c/INBOX", "Shared/x@/INBOX"}) {
        CAPTURE(none);
        auto r = resolve_mailbox(none, "alice@example.org");
        REQUIRE_FALSE(r);
        CHECK(r.error().code == mr::ErrorCode::NoSuchMailbox);
    }
    // A user's own folders called Shared (no account below it) stay the user's.
    for (const char* mine : {"Shared", "Shared/", "Shared/Projects", "Shared/Projects/x@y"}) {
        CAPTURE(mine);
        auto r = resolve_mailbox(mine, "alice@example.org");
        REQUIRE(r);
        CHECK_FALSE(r->shared());
        CHECK(r->name == mine);
    }
    CHECK(in_shared_namespace("Shared/x@y"));
    CHECK(in_shared_namespace("Shared/x@y/INBOX"));
    CHECK_FALSE(in_shared_namespace("Shared"));
    CHECK_FALSE(in_shared_namespace("Shared/x"));
    CHECK_FALSE(in_shared_namespace("Sharedx@y"));
    CHECK_FALSE(in_shared_namespace("INBOX/Shared/x@y"));
    CHECK(shared_name("info@example.org", "INBOX") == "Shared/info@example.org/INBOX");
}
