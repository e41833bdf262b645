// Session: one HTTP connection of webd, sans-I/O. Bytes in, response bytes out.
//
// Invariants:
// - Requests are answered in the order they arrive, each as soon as it is whole
//   (pipelined ones included); route() is synchronous, so no answer waits for another.
// - After a request the reader refuses (limits, syntax), after one that does not keep
//   the connection alive, and after a timeout, the answer carries Connection: close and
//   `close` is set: nothing more is read.
// - At most kMaxPipelined requests are answered from one receive(); a client that
//   pipelines more in one read is closed after those answers. This bounds what one read
//   can make us buffer (the connection's back-pressure bounds it across reads); real
//   clients pipeline a few requests at most, browsers none.
// - The Site is read at each request, so a new one (domains changed) applies to the next
//   request of a kept-alive connection too.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

#include "webd/proto/request_reader.hpp"
#include "webd/proto/site.hpp"

namespace mr::webd::proto {

inline constexpr unsigned kMaxPipelined = 16;

struct SessionOutput {
    std::string bytes;     // to write
    bool close = false;    // close once written
    unsigned answered = 0;  // requests answered by this call
};

class Session {
public:
    explicit Session(ReaderLimits limits) : reader_(limits) {}

    // `peer_ip`: the client's address (route() checks /metrics against it).
    SessionOutput receive(std::string_view data, const Site& site, std::time_t now, std::string_view peer_ip = {});
    // The request time ran out: 408 if a request had begun, else a silent close.
    SessionOutput timeout(std::time_t now);
    // Some bytes of an unanswered request have arrived.
    bool in_request() const { return reader_.started(); }
    bool closed() const { return closed_; }

private:
    RequestReader reader_;
    bool closed_ = false;
};

}  // namespace mr::webd::proto
