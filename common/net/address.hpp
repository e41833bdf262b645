// Listen addresses, peer address strings and listening sockets inherited from the supervisor.
//
// Invariants:
// - Listen addresses are written "HOST:PORT" with HOST a numeric IPv4 address, or
//   "[V6]:PORT" with brackets for IPv6; no names are resolved (a listener must not depend on
//   DNS at start-up). Port 0 means "any free port" (tests).
// - Peer strings are "1.2.3.4:5678" / "[::1]:5678"; an IPv4-mapped IPv6 peer is shown and
//   counted as its IPv4 address so per-IP limits cannot be dodged by address family.
// - MR_LISTEN_FDS="name=fd,name=fd" is written by `mailroom up`, which binds privileged ports
//   as root and passes the sockets to the daemons as inherited descriptors.
#pragma once

#include <sys/socket.h>

#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"

namespace mr::net {

struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;

    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
    int family() const { return storage.ss_family; }
};

Result<SocketAddress> parse_listen_address(std::string_view text);

// "1.2.3.4:25", "[::1]:25" (with_port) or "1.2.3.4", "::1".
std::string format_address(const sockaddr* addr, bool with_port = true);

// The environment variable `mailroom up` uses to hand listening sockets to a daemon.
inline constexpr const char* kListenFdsEnv = "MR_LISTEN_FDS";

// One listening socket handed down by `mailroom up`: the listener's name and its fd.
struct InheritedListener {
    std::string name;
    int fd = -1;
    bool operator==(const InheritedListener&) const = default;
};

// "smtp=3,submission=4,smtp=5" -> [{smtp,3}, {submission,4}, {smtp,5}], in order. A name
// appears once per configured endpoint ([listen] smtp = ["127.0.0.1:25", "[::1]:25"] is
// two "smtp" sockets). Names are non-empty, fds are >= 0 and each fd appears once; anything
// else is a Syntax error naming the bad entry.
Result<std::vector<InheritedListener>> parse_listen_fds(std::string_view text);

// parse_listen_fds(getenv(MR_LISTEN_FDS)); unset or empty gives an empty list, a malformed
// value is logged and also gives an empty list (the daemon then binds its own listeners or
// fails loudly on a privileged port — it never guesses which fd is which).
std::vector<InheritedListener> inherited_listen_fds();

// One kind of listener a daemon serves: its name in MR_LISTEN_FDS ("imaps") and the
// config's endpoints for it ([listen] imaps).
struct ListenerKind {
    std::string_view name;
    const std::vector<std::string>& endpoints;
};

// Opens a daemon's listeners through `add(name, fd, endpoint)` (fd -1: bind `endpoint`):
// every inherited socket whose name `kinds` lists (another name is logged and left alone),
// or, when none was inherited, every configured endpoint, in the order of `kinds`. The
// first error stops and is returned.
using AddListener = std::function<Result<void>(const std::string& name, int fd, const std::string& endpoint)>;
Result<void> open_listeners(std::initializer_list<ListenerKind> kinds, const AddListener& add);

}  // namespace mr::net
