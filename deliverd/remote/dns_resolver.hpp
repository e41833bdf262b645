// DnsResolver: where mail for a domain goes, asked of DNS with c-ares on the libuv loop.
//
// Invariants:
// - Never blocks: c-ares sockets are watched with uv_poll handles (one per socket, from
//   c-ares' socket-state callback) and its retransmit timeouts run on one uv timer.
// - Callbacks run on the loop thread, exactly once per request, never from inside the
//   call that started the request. After shutdown() (or destruction) pending requests
//   get a TempFail "resolver shut down" and no callback runs after the destructor.
// - MX answers (RFC 5321 §5.1, rfc5321.txt:3824): hosts in preference order, equal
//   preferences shuffled; no MX record → the domain's own A/AAAA (the implicit MX); a
//   single MX "." of preference 0 is a null MX (RFC 7505 §3, rfc7505.txt:122): the
//   domain takes no mail. NXDOMAIN is permanent; SERVFAIL, timeouts, refusals are not.
// - Targets carry IPv4 and IPv6 addresses alike, in the order DNS gave them.
#pragma once

#include <sys/socket.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/net/loop.hpp"
#include "common/util/result.hpp"

namespace mr::deliverd {

struct MailTarget {
    std::string host;          // the MX (or smarthost) name
    sockaddr_storage address;  // port 0: the caller sets it
};

struct Destination {
    enum class Status { Ok, NullMx, NotFound, TempFail };
    Status status = Status::TempFail;
    std::string reason;  // why, when not Ok ("no MX or address for example.org")
    std::vector<MailTarget> targets;
};

class DnsResolver {
public:
    using Callback = std::function<void(Destination)>;

    // servers: "ip:port" / "[v6]:port"; empty = the system's resolv.conf.
    static Result<std::unique_ptr<DnsResolver>> create(net::Loop& loop,
                                                       const std::vector<std::string>& servers);
    ~DnsResolver();
    DnsResolver(const DnsResolver&) = delete;
    DnsResolver& operator=(const DnsResolver&) = delete;

    // The mail exchangers of `domain` and their addresses.
    void resolve_mail_domain(const std::string& domain, Callback cb);
    // The addresses of one host (the smarthost); a literal IP answers at once.
    void resolve_host(const std::string& host, Callback cb);
    // Fails every pending request with TempFail.
    void shutdown();

    struct Impl;

private:
    explicit DnsResolver(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace mr::deliverd
