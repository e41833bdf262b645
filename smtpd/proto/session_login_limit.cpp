// An AUTH refused by the per-(user, address) connection limit (connection_limits.hpp).
#include "smtpd/proto/session.hpp"

namespace mr::smtpd {

// RFC 4954 §6 (rfc4954.txt:586): 454 4.7.0 is the temporary authentication failure; the
// session stays unauthenticated and may try AUTH again once another session has ended.
Actions Session::on_login_limited() {
    return auth_not_done(Reply{454, "4.7.0", "Too many connections for this user from this address"});
}

}  // namespace mr::smtpd
