// Sender ownership for submission: which envelope senders an authenticated user may use.
// A user may also send as a mailbox account that granted it "p" owner-wide
// (`mailroom mailbox share --send-as`).
// Invariant: only exact, lower-cased keys reach SQL (split_address), and a catch-all
// ("@domain") never makes its target the owner of every address in the domain.
#include "storage/directory.hpp"

namespace mr::storage {

Result<bool> Directory::may_send_as(std::string_view user, std::string_view address) {
    auto owner = split_address(user);
    auto wanted = split_address(address);
    if (!owner || !wanted || owner->local_part.empty() || wanted->local_part.empty()) return false;
    const std::string user_key = owner->local_part + "@" + owner->domain;
    std::vector<std::string> candidates = {wanted->local_part + "@" + wanted->domain};
    const auto plus = wanted->local_part.find(kSubaddressSeparator);
    if (plus != std::string::npos && plus > 0) {
        candidates.push_back(wanted->local_part.substr(0, plus) + "@" + wanted->domain);
    }
    auto stmt = db_.prepare("SELECT target FROM aliases WHERE source = ?");
    if (!stmt) return stmt.error();
    for (const auto& key : candidates) {
        if (key == user_key) return true;
        // Send-as through a grant: "p" (post, RFC 4314 §2.1) on the account as a whole.
        auto granted = rights_on(user_key, key, "");
        if (!granted) return granted.error();
        if (granted->has('p')) return true;
        stmt->reset();
        stmt->bind(1, key);
        for (;;) {
            auto row = stmt->step();
            if (!row) return row.error();
            if (!*row) break;
            // Targets keep the local part's case; users are stored lower-case.
            auto target = split_address(stmt->column_text(0));
            if (target && target->local_part + "@" + target->domain == user_key) return true;
        }
    }
    return false;
}

}  // namespace mr::storage
