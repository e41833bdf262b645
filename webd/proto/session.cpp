#include "webd/proto/session.hpp"

#include "webd/proto/router.hpp"

namespace mr::webd::proto {

SessionOutput Session::receive(std::string_view data, const Site& site, std::time_t now, std::string_view peer_ip) {
    SessionOutput out;
    while (!closed_ && !data.empty()) {
        const std::size_t used = reader_.feed(data);
        data.remove_prefix(used);
        if (reader_.state() == RequestReader::State::Failed) {
            out.bytes += serialize(error_response(reader_.error_status(), true), false, now);
            closed_ = true;
            break;
        }
        // The client waits for this before it sends the body (unless it already did).
        if (reader_.take_continue() && reader_.state() == RequestReader::State::Reading) {
            out.bytes += "HTTP/1.1 100 Continue\r\n\r\n";
        }
        if (reader_.state() != RequestReader::State::Complete) break;  // needs more bytes
        const Request& rq = reader_.request();
        Response r = route(rq, site, peer_ip);
        if (!reader_.keep_alive()) r.close = true;
        out.bytes += serialize(r, rq.method == "HEAD", now);
        ++out.answered;
        if (r.close) {
            closed_ = true;
            break;
        }
        reader_.next();
        if (out.answered == kMaxPipelined && !data.empty()) {
            closed_ = true;
            break;
        }
    }
    out.close = closed_;
    return out;
}

SessionOutput Session::timeout(std::time_t now) {
    SessionOutput out;
    if (!closed_ && reader_.started()) out.bytes = serialize(error_response(408, true), false, now);
    closed_ = true;
    out.close = true;
    return out;
}

}  // namespace mr::webd::proto
