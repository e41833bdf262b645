// A login refused by the per-(user, address) connection limit (connection_limits.hpp).
#include <utility>

#include "imapd/session/session.hpp"

namespace mr::imapd::session {

// RFC 5530 §3 LIMIT (rfc5530.txt:256): an implementation limit was reached. Neither
// AUTHENTICATIONFAILED (the password was right) nor UNAVAILABLE (retrying at once will not
// help until one of the user's other connections from this address ends).
Actions Session::on_login_limited() {
    busy_ = false;
    std::string tag = std::exchange(pending_tag_, {});
    pending_user_.clear();
    return tagged(tag, "NO", "[LIMIT] Too many connections for this user from this address");
}

}  // namespace mr::imapd::session
