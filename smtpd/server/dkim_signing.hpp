// DKIM signing of submitted mail, once, before it is queued (common/dkim/message_signer.hpp),
// so every delivery attempt and every recipient gets the same signatures.
//
// Invariants:
//  - Only mail of authenticated users (the submission role) is signed; the signing domain
//    (d=) is the domain of the first From: address, whose ownership the session checked
//    (Directory::may_send_as), and the keys are that domain's newest pair
//    (common/dkim/key_directory.hpp). A From domain without keys is not signed.
//  - Runs on a pool thread, never on the loop: an RSA-2048 signature costs about 0.2 ms of
//    CPU. smtpd runs it on the thread of the message's commit batch (queue_writer.hpp).
//  - A message is never refused or lost because it could not be signed: an unreadable key
//    or a header section too long to sign is an error for the log, and the message is
//    queued unsigned.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

#include "common/dkim/key_directory.hpp"
#include "common/util/result.hpp"
#include "storage/queue_spool.hpp"

namespace mr::smtpd::server {

struct SigningOutcome {
    std::string fields;  // DKIM-Signature fields to put on top; empty: not signed
    std::string domain;  // d=, for the log
};

// For a message held in memory.
Result<SigningOutcome> dkim_sign(dkim::SignerCache& keys, std::string_view message, std::time_t now);

// For a spooled message: reads the file back and, when signed, prepends the fields to it.
Result<SigningOutcome> dkim_sign_spool(dkim::SignerCache& keys, storage::QueueSpool& spool, std::time_t now);

}  // namespace mr::smtpd::server
