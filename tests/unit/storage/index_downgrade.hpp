// SQL that takes an index back before schema step 9 (object ids and save date), for tests
// that rebuild what an older release wrote: prepend it to their own downgrade.
#pragma once

#include <string_view>

namespace mr::storage::test {

inline constexpr std::string_view kDropV9 =
    "ALTER TABLE messages DROP COLUMN email_id; ALTER TABLE messages DROP COLUMN save_date;"
    " ALTER TABLE mailboxes DROP COLUMN object_id; ";

}  // namespace mr::storage::test
