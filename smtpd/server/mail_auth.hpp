// MailAuthChecker: smtpd's checks of a message received on the port-25 role, after its
// data and before it is queued: SPF of MAIL FROM (or HELO), DMARC of the From domain, one
// Authentication-Results field with our verdicts, and what the From domain's policy asks.
// DKIM signatures are verified (common/mailauth/dkim_verify.hpp) and an aligned pass counts
// for DMARC like an aligned SPF pass. The ARC chain (common/mailauth/arc_verify.hpp) is
// verified and recorded as arc= only: it changes no action yet (mail forwarded by lists and
// large providers is to be trusted by policy later, on this result).
//
// Invariants:
// - Only mail from clients that did not log in and are not on this machine (loopback) is
//   checked: mail of logged-in users is ours to sign, not to judge.
// - The checks wait for DNS on a few threads of their own ([mailauth] check_threads,
//   net::WorkerThreads), never on the loop or the libuv pool; every thread asks through
//   the checker's one answer cache (common/dns/dns_cache.hpp).
// - A small message in memory whose every DNS answer is in that cache (the common case:
//   the same senders' records and keys, kept for their TTL) is checked at once on the
//   loop thread (check_now), without a DNS wait: the hand-off to a worker thread and back
//   cost more smtpd CPU than the checks themselves (issue 15's figure). A message that
//   would ask the DNS anything is checked again from the start on a worker.
// - Actions, from the results and [mailauth]: DMARC fail with p=reject (after pct=)
//   refuses with 550 5.7.1; with p=quarantine the message goes to the recipients' Junk;
//   an SPF fail with spf_fail = "reject" refuses with 550 5.7.23 (RFC 7372). A DNS failure
//   that could have turned DMARC into a pass while the policy would act answers 451, never
//   550. Everything else is accepted.
// - The message keeps every byte it had, minus Authentication-Results fields that name our
//   host (forgeries, RFC 8601 §5), plus ours on top. One log line per message says why.
#pragma once

#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "common/config/config.hpp"
#include "common/dns/dns_cache.hpp"
#include "common/dns/dns_client.hpp"
#include "common/net/loop.hpp"
#include "common/net/worker_threads.hpp"
#include "smtpd/proto/reply.hpp"
#include "storage/queue_spool.hpp"

namespace mr::smtpd::server {

struct MailAuthSettings {
    std::string authserv_id;  // [server] hostname
    bool spf_reject = false;  // [mailauth] spf_fail = "reject"
    bool dmarc_enforce = true;
};

struct MailAuthRequest {
    std::string client_ip;
    std::string helo;
    std::string sender;  // MAIL FROM without <>, empty for the null sender
    std::string queue_id;
    std::string message;                          // the whole message, when in memory
    std::shared_ptr<storage::QueueSpool> spool;  // else the spooled message
    std::time_t now = 0;
};

struct MailAuthVerdict {
    enum class Action { Accept, Junk, Reject, TempFail };
    Action action = Action::Accept;
    Reply reply;          // for Reject / TempFail
    bool refused_by_dmarc = false;  // Reject: by the DMARC policy (else by SPF), for /metrics
    std::string message;  // in memory: the message to queue (our field on top)
    std::string summary;  // "spf=pass dmarc=none", for the log
    std::string error;    // the checks could not run (the message is accepted unchecked)
};

// A spooled message as the checks left it, for work that follows them on the same worker
// (the milters, milter_check.hpp), so that it is not read from its file again: the header
// block now at the start of the file, and the body as read back.
struct SpoolCopy {
    std::string head;
    std::string_view body;  // valid only during the AfterCheck call
};
// Runs on the worker right after checks that accepted the message; `copy` is null when the
// message is in memory (the verdict holds it) or too large to have been read whole.
using AfterCheck = std::function<void(MailAuthVerdict& verdict, const SpoolCopy* copy)>;

// The checks themselves, on the calling thread: `dns` answers, `sample` draws pct= (0..99).
// A spooled message is rewritten in place (its head).
MailAuthVerdict check_mail(dns::DnsClient& dns, const MailAuthSettings& settings, MailAuthRequest request,
                           const std::function<int()>& sample, const AfterCheck& after = {});

// The same, answered from `cache` alone: nullopt, with `request` untouched, when a question
// is not in it, or when the message is spooled, large or carries many signatures.
std::optional<MailAuthVerdict> check_mail_cached(dns::DnsCache& cache, const MailAuthSettings& settings,
                                                 MailAuthRequest& request, const std::function<int()>& sample);

// The header block of a spooled message, up to and including its empty line; without one
// in its first MiB or so, what was read (all header, or too long a header to tell).
Result<std::string> spool_head(const storage::QueueSpool& spool);

// True for an address the checks leave alone (loopback).
bool is_local_client(const std::string& ip);

class MailAuthChecker {
public:
    explicit MailAuthChecker(const config::Config& cfg);
    ~MailAuthChecker();

    // On the loop thread, when the cache answers everything (check_mail_cached); nullopt:
    // ask check().
    std::optional<MailAuthVerdict> check_now(MailAuthRequest& request);
    // False: the workers are saturated; the caller answers 451.
    // `after` (optional) runs on the worker, after checks that accepted the message.
    bool check(net::Loop& loop, std::weak_ptr<void> alive, MailAuthRequest request,
               std::function<void(MailAuthVerdict)> done, AfterCheck after = {});
    // The client address against [antispam] dnsbl: done(reason) with an empty reason when
    // it is not listed (or no list answered). False: saturated, the caller greets normally.
    bool check_client(net::Loop& loop, std::weak_ptr<void> alive, std::string ip,
                      std::function<void(std::string reason)> done);
    bool checks_clients() const { return !dnsbl_.empty(); }
    // Whether `ip` is left alone: loopback, unless [mailauth] check_local_clients.
    bool skips(const std::string& ip) const { return !check_local_ && is_local_client(ip); }

    void stop();

private:
    dns::DnsClient* resolver(std::string& error);

    MailAuthSettings settings_;
    std::vector<std::string> dnsbl_;
    bool check_local_ = false;
    std::vector<std::string> dns_servers_;
    std::chrono::milliseconds dns_timeout_;
    std::mt19937 rng_{std::random_device{}()};  // pct= draws of check_now
    dns::DnsCache dns_cache_;  // before workers_: their resolvers use it until they stop
    std::unique_ptr<net::WorkerThreads> workers_;
};

}  // namespace mr::smtpd::server
