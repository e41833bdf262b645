// pop3d's UPDATE writes (pop3d/server/maildrop.hpp): they borrow the user's store from a
// storage::StorePool, like imapd and deliverd, and leave IMAP's own \Deleted marks alone.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "pop3d/server/maildrop.hpp"
#include "storage/mailbox_store.hpp"
#include "storage/store_pool.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using mr::pop3d::server::update_maildrop;
using mr::storage::StorePool;
using mr::storage::test::TempDir;

TEST_CASE("update_maildrop: \\Seen and removals through the pool's store, reused by the next session") {
    TempDir dir;
    const auto user = dir / "alice";
    {
        auto store = mr::storage::MailboxStore::open(user);
        REQUIRE(store.ok());
        for (const char* body : {"one\r\n", "two\r\n", "three\r\n", "four\r\n"}) {
            REQUIRE(store->append("INBOX", body).ok());
        }
        const std::vector<std::uint32_t> four = {4};
        REQUIRE(store->set_flags("INBOX", four, mr::storage::FlagOp::Add, mr::storage::kDeleted).ok());
    }
    StorePool pool(user, 1);
    const std::vector<std::uint32_t> seen = {1}, removed = {2};
    REQUIRE(update_maildrop(pool, seen, removed).ok());
    const std::vector<std::uint32_t> seen_next = {3};
    REQUIRE(update_maildrop(pool, seen_next, {}).ok());  // a later session of the same user
    CHECK(pool.opens() == 1);

    auto loan = pool.borrow();
    REQUIRE(loan.ok());
    auto left = (***loan).messages("INBOX");
    REQUIRE(left.ok());
    REQUIRE(left->size() == 3);
    CHECK((*left)[0].uid == 1);
    CHECK(((*left)[0].flags & mr::storage::kSeen) != 0);
    CHECK((*left)[1].uid == 3);
    CHECK(((*left)[1].flags & mr::storage::kSeen) != 0);
    CHECK((*left)[2].uid == 4);  // IMAP's \Deleted mark is not POP3's to act on
    CHECK(((*left)[2].flags & mr::storage::kDeleted) != 0);
    CHECK(pool.opens() == 1);
}

TEST_CASE("update_maildrop: nothing to write borrows no store") {
    TempDir dir;
    StorePool pool(dir / "bob", 1);
    REQUIRE(update_maildrop(pool, {}, {}).ok());
    CHECK(pool.opens() == 0);
}
