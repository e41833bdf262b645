// DKIM-signing a whole message held in memory for a domain the caller chose (deliverd's
// vacation replies: the user's domain). smtpd's submission path picks the domain from
// From: itself (smtpd/server/dkim_signing.hpp); both sign with MessageSigner and the
// domain's keys from SignerCache.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/dkim/key_directory.hpp"
#include "common/util/result.hpp"

namespace mr::dkim {

// The DKIM-Signature fields to put on top of `message`; empty when the domain has no keys.
Result<std::string> sign_message(SignerCache& keys, const std::string& domain, std::string_view message,
                                 std::int64_t now);

}  // namespace mr::dkim
