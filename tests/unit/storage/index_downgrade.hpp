// SQL that takes an index back before a schema step, for tests that rebuild what an older
// release wrote: prepend it to their own downgrade. Each goes back before its step and
// every later one (kDropV9 drops what v10 and v11 added too).
#pragma once

#include <string_view>

namespace mr::storage::test {

// Before step 11 (THREADIDs).
inline constexpr std::string_view kDropV11 = "DROP TABLE thread_links; ALTER TABLE messages DROP COLUMN thread_id; ";

// Before step 10 (private \Seen of shared mailboxes).
inline constexpr std::string_view kDropV10 =
    "DROP TABLE thread_links; ALTER TABLE messages DROP COLUMN thread_id; "
    "DROP TABLE private_seen; ";

// Before step 9 (object ids and save date).
inline constexpr std::string_view kDropV9 =
    "DROP TABLE thread_links; ALTER TABLE messages DROP COLUMN thread_id; "
    "DROP TABLE private_seen; "
    "ALTER TABLE messages DROP COLUMN email_id; ALTER TABLE messages DROP COLUMN save_date;"
    " ALTER TABLE mailboxes DROP COLUMN object_id; ";

}  // namespace mr::storage::test
