// MilterChecker: smtpd asks the configured milters ([milter] servers) about a message
// received on the port-25 role, once its data is complete and before it is queued, and
// applies what they answer (common/milter/ speaks the protocol).
//
// Invariants:
// - The conversations wait on a few threads of their own (net::WorkerThreads), never on
//   the loop or the libuv pool; each server is asked in the configured order, one at a
//   time, and sees the changes the ones before it made.
// - The first server that ends the transaction decides: reject → 550 5.7.1 (or its own
//   4xx/5xx reply code), tempfail → 451 4.7.1, discard → the message is not queued (the
//   client still gets 250). Quarantine sends the message to the recipients' Junk folder;
//   header changes are applied to the message that is queued (a spooled one in place).
// - A server that cannot be reached, times out or breaks the protocol gets the configured
//   default action: "tempfail" answers 451 4.7.1, "accept" goes on to the next server.
// - Reply text from a milter reaches the client only as printable ASCII on one line.
// - Port-25 mail that the mail-auth checks send to a worker is asked about on that worker
//   right after them (check_here), with the spooled message they read (SpoolCopy): one
//   hand-off, one read of the file.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/milter/milter_client.hpp"
#include "common/net/loop.hpp"
#include "common/net/worker_threads.hpp"
#include "smtpd/proto/reply.hpp"
#include "smtpd/server/mail_auth.hpp"
#include "storage/queue_spool.hpp"

namespace mr::smtpd::server {

struct MilterSettings {
    std::vector<std::string> names;  // as configured, for the log
    std::vector<milter::ServerAddress> servers;
    std::chrono::milliseconds timeout{10000};
    bool accept_when_down = false;  // default_action = "accept"
};

struct MilterRequest {
    milter::Transaction transaction;
    std::string message;                          // the whole message, when in memory
    std::shared_ptr<storage::QueueSpool> spool;  // else the spooled message
    // The spooled message as the port-25 checks read it back, when the milters run right
    // after them on the same worker (mail_auth.hpp): its file is not read again.
    const SpoolCopy* copy = nullptr;
};

struct MilterVerdict {
    enum class Action { Accept, Junk, Reject, TempFail, Discard };
    Action action = Action::Accept;
    Reply reply;          // Reject / TempFail
    std::string message;  // in memory: the message to queue, changed or not
    std::string summary;  // one word per server ("inet:127.0.0.1:11332=accept+2h"), for the log
    std::string error;    // a server that could not answer, or a change that could not be applied
};

// The conversations themselves, on the calling thread.
MilterVerdict check_with_milters(const MilterSettings& settings, MilterRequest request);

class MilterChecker {
public:
    // Null when [milter] servers is empty.
    static std::shared_ptr<MilterChecker> create(const config::Config& cfg);
    explicit MilterChecker(MilterSettings settings);
    ~MilterChecker();

    // On the calling thread (a mail-auth worker that checked the message just before).
    MilterVerdict check_here(MilterRequest request) const { return check_with_milters(settings_, std::move(request)); }
    // False: the workers are saturated; the caller answers 451.
    bool check(net::Loop& loop, std::weak_ptr<void> alive, MilterRequest request,
               std::function<void(MilterVerdict)> done);
    void stop();

private:
    MilterSettings settings_;
    std::unique_ptr<net::WorkerThreads> workers_;
};

}  // namespace mr::smtpd::server
