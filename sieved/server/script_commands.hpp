// The script commands of ManageSieve (RFC 5804 §2.5-§2.12) carried out on a user's store
// (storage/sieve_scripts, the same module as `mailroom sieve`), answered as the complete
// reply the client gets. Runs on a pool thread: it reads and writes files.
//
// Response codes (RFC 5804 §1.3): NONEXISTENT (no such script), ALREADYEXISTS (RENAMESCRIPT's
// new name), ACTIVE (DELETESCRIPT of the active script), QUOTA/MAXSCRIPTS and
// QUOTA/MAXSIZE (HAVESPACE, PUTSCRIPT); a script that does not compile is NO with the
// compiler's "line L, column C: ..." text; a failure of ours is NO (TRYLATER), logged.
#pragma once

#include <string>

#include "sieved/proto/command.hpp"
#include "storage/sieve_scripts.hpp"

namespace mr::sieved::server {

// `command` has passed the session's checks (name, argument count and kinds).
std::string answer_script_command(storage::SieveScripts& scripts, const Command& command);

}  // namespace mr::sieved::server
