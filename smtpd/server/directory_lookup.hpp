// Directory work of an SMTP session. Every function here blocks (SQLite, argon2id) and runs
// off the loop: lookups on the thread pool, verify_password on the PasswordChecker's threads
// (common/net/password_checker.hpp).
//
// Invariants:
// - Each of those threads keeps one open storage::Directory (WAL readers see every committed
//   change), so a RCPT costs indexed reads, not a database open; only a recipient with a
//   quota adds one read of the user's index (a sum over its message sizes), through the
//   thread's storage::UsageReader, which keeps that index open too. SQLite handles stay
//   usable after a failed statement, so an error does not drop the cached handle.
// - A malformed address is a "no", never an internal error: it gets the same reply as an
//   unknown one.
// - Passwords are wiped by the caller after verify_password returns.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/util/result.hpp"
#include "smtpd/proto/session.hpp"

namespace mr::smtpd::server {

// A local user's quota room is read from the user's index (storage::stored_bytes) only when
// the user has a quota; aliases report none (deliverd judges each target at delivery). An
// SRS address of our domains (common/mailauth/srs.hpp) is Local when its hash and
// timestamp are valid for our secret (data_dir/srs.key) and Unknown otherwise.
Result<RecipientCheck> lookup_recipient(const std::filesystem::path& db, const std::filesystem::path& data_dir,
                                        const std::string& address);
Result<bool> check_sender(const std::filesystem::path& db, const std::string& user, const std::string& address);
// check_sender for each address: the first one `user` does not own, or "" when all are owned.
Result<std::string> first_not_owned(const std::filesystem::path& db, const std::string& user,
                                    const std::vector<std::string>& addresses);
Result<bool> verify_password(const std::filesystem::path& db, const std::string& user, const std::string& password);

}  // namespace mr::smtpd::server
