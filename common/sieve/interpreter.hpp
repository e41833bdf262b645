// Running a compiled Sieve script over one message: the result is the list of actions the
// caller carries out (RFC 5228 §2.10), never any I/O of its own.
//
// Invariants:
//  - Atomic: actions are collected, none is taken here; on a runtime error the outcome
//    holds only the implicit keep (a Keep into INBOX) and the error, so a failing script
//    never loses a message (RFC 5228 §2.10.6, rfc5228.txt:1098).
//  - Bounded: every command, test and comparison is charged to a budget (max_cost); a
//    script that spends it, or exceeds max_actions / max_redirects / the variable limits,
//    fails with a runtime error. Expanded strings are truncated at max_string_bytes.
//  - Implicit keep (rfc5228.txt:977): cancelled by keep, fileinto and redirect without
//    :copy, discard, reject and ereject. A second fileinto into the same mailbox (or keep
//    twice, or fileinto "INBOX" and keep) is one action (rfc5228.txt:1015); redirects to
//    the same address are one too.
//  - Flags (RFC 5232): keep/fileinto without :flags, and the implicit keep, carry the
//    internal flag variable's value at the time they run.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/sieve/includes.hpp"
#include "common/sieve/message_view.hpp"
#include "common/sieve/program.hpp"

namespace mr::sieve {

struct RunLimits {
    std::size_t max_include_depth = kMaxIncludeDepth;  // RFC 6609: nested includes
    std::size_t max_includes = 32;      // include commands carried out per run
    std::size_t max_actions = 32;
    std::size_t max_redirects = 4;
    std::uint64_t max_cost = 50'000'000;  // bytes compared, roughly
    std::size_t max_variables = 128;
    std::size_t max_variable_bytes = 4096;  // longer values are truncated (RFC 5229 §3)
    std::size_t max_string_bytes = 64 * 1024;
};

// RFC 5230 vacation, for the caller to send (or not: RFC 3834 checks, the once-per
// :days state and the sending are the caller's).
struct VacationAction {
    std::uint64_t period_seconds = 7 * 86400;  // :days (at least 1 day) or :seconds; default 7 days
    std::optional<std::string> subject;
    std::optional<std::string> from;
    std::vector<std::string> addresses;
    bool mime = false;
    // Absent: RFC 5230 §4.2 derives it from the reason, subject, from and mime, which
    // the caller hashes.
    std::optional<std::string> handle;
    std::string reason;
};

struct Action {
    enum class Kind { Keep, FileInto, Redirect, Discard, Reject, EReject, Vacation };
    Kind kind = Kind::Keep;
    std::string mailbox;             // Keep ("INBOX"), FileInto
    std::vector<std::string> flags;  // Keep, FileInto: IMAP flags to set
    bool create = false;             // FileInto :create
    bool copy = false;               // FileInto/Redirect :copy
    std::string address;             // Redirect
    std::string reason;              // Reject, EReject
    std::optional<VacationAction> vacation;
};

struct Outcome {
    bool ok = true;
    std::string error;  // "runtime error: ..." when !ok
    // In execution order. Discard appears only when nothing else keeps, files, redirects
    // or rejects the message: it then says "dropped on purpose".
    std::vector<Action> actions;
    // RFC 5293 editheader: the message with the header the script left, for every keep,
    // fileinto and redirect; absent when the header was not changed (or the run failed).
    std::optional<std::string> edited_message;
};

Outcome run(const Program& program, const MessageView& message, const RunLimits& limits = {});

// Several scripts in turn over one message (the administrator's "before" scripts, the
// user's, the "after" ones: Pigeonhole's sieve_before/sieve_after model): they share the
// actions, the implicit keep, the flags, the header edits and the limits; each has its own
// variables, and "stop" ends only its own script. A script runs only while the implicit
// keep stands: once one has decided where the message goes (fileinto, keep, discard,
// redirect, reject), the later ones are skipped. A runtime error in any is the failure of
// the whole run (atomic, as above).
// RFC 6609 include: the compiled script `name` of the user (`global`: of the domain's
// administrator); nullptr when it does not exist, an error when it cannot be used.
using IncludeResolver = std::function<Result<const Program*>(std::string_view name, bool global)>;

// Includes (RFC 6609): an included script has its own variables but those both it and its
// includer declare "global" (shared by every script of the run); "return" ends it, "stop"
// ends everything; :once skips a script already included in this run. A script included
// while it runs (a loop), a depth past max_include_depth, more than max_includes, or a
// missing script without :optional is a runtime error. Without a resolver, every include
// finds nothing.
Outcome run(std::span<const Program* const> programs, const MessageView& message, const RunLimits& limits = {},
            const IncludeResolver& includes = {});

}  // namespace mr::sieve
