// A user's Sieve script at local delivery: where it lives, and what its outcome means
// for the mailbox write (common/sieve does the language; this file the glue).
//
// Where a user's scripts live: <user dir>/sieve/NAME.sieve, and the active one is named
// by the symlink <user dir>/sieve/active (a relative link, "NAME.sieve"), the layout
// Dovecot/Pigeonhole uses (~/sieve/ plus ~/.dovecot.sieve), kept inside the user's
// directory so that moving or deleting a user moves or deletes the scripts with it. No
// link: no filtering. The link must name a file in sieve/ itself ("main.sieve", not
// "../x" or "/etc/x"); anything else is logged and ignored.
//
// Invariants:
//  - The message is never lost: a missing, unreadable or broken script, a runtime error
//    (common/sieve/interpreter.hpp) or a fileinto into a mailbox that does not exist
//    (without :create) all give the implicit keep: the queue entry's folder (INBOX unless
//    smtpd quarantined it), without flags; each such case is logged once.
//  - reject and ereject (RFC 5429 §2.1, §2.2): deliverd runs after the SMTP transaction,
//    so a refusal is a permanent failure of this recipient, reported to the envelope
//    sender by the queue's own DSN (RFC 5429 §2.1.2; none to <>, RFC 3461 NOTIFY obeyed);
//    the message is neither stored nor sent on. The interpreter already refuses a reject
//    together with keep, fileinto, redirect or vacation (a runtime error: implicit keep).
//  - redirect: the addresses are handed back (FilterResult::redirects); the caller sends
//    the message on through the queue, as an alias of the user would (SRS, loop checks).
//  - vacation changes nothing about where the mail goes: it is handed to on_vacation
//    (deliverd/vacation decides whether a reply goes out).
//  - Flags: the IMAP system flags become storage flag bits, other atoms keywords;
//    anything that is not a valid IMAP atom is dropped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sieve/interpreter.hpp"
#include "common/sieve/message_view.hpp"
#include "common/sieve/program.hpp"

namespace mr::deliverd {

inline constexpr std::string_view kSieveDir = "sieve";
inline constexpr std::string_view kActiveScriptLink = "active";

// The compiled active script of the user, nullopt when there is none. A script that
// cannot be read or compiled is logged (event sieve_script_broken) and gives nullopt.
std::optional<sieve::Program> load_active_script(const std::filesystem::path& user_dir, std::string_view user);

// The scripts one delivery runs, in order: the domain's "before" script, the user's active
// one, the domain's "after" script (storage::global_sieve_dir); each only when present
// and compiling (a broken one is logged and left out).
// RFC 6609 include finds :personal scripts beside the user's (NAME.sieve in sieve/) and
// :global ones among the domain's; each compiled at most once per batch.
struct ScriptSet {
    std::vector<sieve::Program> programs;
    std::filesystem::path personal_dir, global_dir;
    mutable std::map<std::string, Result<sieve::Program>> included;  // "p/NAME" or "g/NAME"
    bool empty() const { return programs.empty(); }
    Result<const sieve::Program*> include(std::string_view name, bool global) const;
};
ScriptSet load_scripts(const std::filesystem::path& data_dir, const std::filesystem::path& user_dir,
                       std::string_view user);

struct FilterTarget {
    std::string mailbox;
    std::uint32_t flags = 0;  // storage::Flag bits
    std::vector<std::string> keywords;
    bool create = false;      // made if missing (fileinto :create, or the queue's folder)
};

struct FilterInput {
    std::string_view message;
    std::string_view sender;     // envelope from, "" for <>
    std::string_view recipient;  // envelope to
    std::string default_folder;  // the implicit keep's mailbox
    std::function<bool(std::string_view)> mailbox_exists;
    std::string_view user;      // for log lines
    std::string_view queue_id;  // for log lines
    // Each vacation action of the outcome, with the message as the script saw it.
    std::function<void(const sieve::VacationAction&, const sieve::MessageView&)> on_vacation = {};
};

struct FilterResult {
    std::vector<FilterTarget> targets;     // one per mailbox; none: discarded, redirected or rejected
    std::vector<std::string> redirects;    // send the message on to each (redirect, with or without :copy)
    std::optional<std::string> rejection;  // reject/ereject: the script's reason
    // RFC 5293 editheader: what is stored and redirected in place of the message.
    std::optional<std::string> edited_message;
};

// What the scripts do with the message (sieve::run over all of them in turn).
FilterResult run_filter(const ScriptSet& scripts, const FilterInput& input);
FilterResult run_filter(const sieve::Program& program, const FilterInput& input);

}  // namespace mr::deliverd
