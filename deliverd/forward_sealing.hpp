// ARC sealing of the mail deliverd forwards off-site (common/mailauth/arc_seal.hpp): an
// alias of ours expanded to an address of another domain, or a user's Sieve redirect.
//
// Invariants:
//  - The forwarding domain (that of the alias, or of the redirecting user: the domain SRS
//    names too) seals, with its newest rsa-sha256 DKIM key; a domain without one does not.
//  - Sealed once, before the forwarded copy is queued, so every attempt sends the same set
//    (queue_work.cpp queues an alias's sealed copy as an entry of its own).
//  - Never a reason not to forward: a message that is not sealed (not checked on arrival,
//    a chain that has ended, no key, an error) goes on as it is, with one log line.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/dkim/key_directory.hpp"

namespace mr::deliverd {

class ForwardSealer {
public:
    ForwardSealer(std::shared_ptr<dkim::SignerCache> keys, std::string authserv_id)
        : keys_(std::move(keys)), authserv_id_(std::move(authserv_id)) {}

    // `message` with our ARC set on top, or nullopt (logged) when it goes on unsealed.
    // `forwarded_by`: the alias or user whose domain forwards it.
    std::optional<std::string> seal(std::string_view message, std::string_view forwarded_by,
                                    std::string_view queue_id, std::int64_t now) const;

private:
    std::shared_ptr<dkim::SignerCache> keys_;
    std::string authserv_id_;
};

}  // namespace mr::deliverd
