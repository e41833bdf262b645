// Router: what one queued recipient turns into, given the directory (aliases,
// catch-alls, users, our domains).
//
// Invariants:
// - Pure: the directory is reached only through the Lookup callback, so tests give
//   it a table and the queue runner gives it storage::Directory::resolve.
// - Expansion is complete: every returned target is a local user, an address of a
//   foreign domain, or a failure; never an alias.
// - Alias loops end: an address already on the current expansion path is skipped,
//   and expansion stops at kMaxAliasDepth levels. An alias whose every branch loops
//   yields one failure (RFC 3463 X.4.6 "routing loop detected", rfc3463.txt:511).
// - Targets are unique (lower-cased address); order follows the directory's.
// - A remote target is `forwarded` when the step that reached it was an alias of ours
//   (the sender then needs SRS), not when it was an SRS address of ours reversed (a
//   bounce on its way back goes out with its sender unchanged).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"

namespace mr::deliverd {

inline constexpr int kMaxAliasDepth = 20;

// One level of the directory, as storage::Directory::resolve answers it.
struct Lookup {
    // Reversed: an SRS address of ours with a valid hash and timestamp.
    enum Kind { User, Alias, NotFound, NotLocal, Reversed } kind = NotFound;
    std::string user;                  // User: the user's canonical address
    std::vector<std::string> targets;  // Alias: one level of targets; Reversed: the address it stands for
};
using LookupFn = std::function<Result<Lookup>(std::string_view address)>;

struct RouteTarget {
    enum Kind { Local, Remote, Failed } kind = Failed;
    std::string address;  // the final recipient address (Delivered-To, delivery key)
    std::string user;     // Local: the mailbox owner
    std::string reply;    // Failed: an SMTP-style reason ("550 5.1.1 ...")
    bool forwarded = false;  // Remote: an alias of ours sent it on (see the invariants)
};

struct Route {
    bool expanded = false;  // an alias (or catch-all) was followed, or an SRS address reversed
    std::vector<RouteTarget> targets;
};

// Internal errors of the lookup are returned as is (the runner defers); a Syntax
// error (unparsable address) becomes a Failed target.
Result<Route> route(std::string_view address, const LookupFn& lookup);

}  // namespace mr::deliverd
