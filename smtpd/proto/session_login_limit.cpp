// An AUTH refused by the per-(user, address) connection limit (connection_limits.hpp).
#include "smtpd/proto/session.hpp"

namespace mr::smtpd {

// RFC 4954 §6 (rfc4954.txt:586): 454 4.7.0 is the temporary authentication failure; the
// session stays unauthenticated and may try AUTH again once another session has ended.
Actions Session::on_login_limited() {
    Actions out;
    busy_ = false;
    pending_user_.clear();
    reply(out, Reply{454, "4.7.0", "Too many connections for this user from this address"}, "AUTH");
    process(out);
    return out;
}

}  // namespace mr::smtpd
