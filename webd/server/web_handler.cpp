#include "webd/server/web_handler.hpp"

#include <ctime>

#include "common/log/log.hpp"

namespace mr::webd::server {

WebHandler::WebHandler(net::Connection& c, SiteRef site, proto::ReaderLimits limits,
                       std::chrono::milliseconds request_time)
    : site_(std::move(site)), session_(limits), request_time_(request_time), deadline_(c.loop()) {}

void WebHandler::on_start(net::Connection& c) { arm_deadline(c); }

// The timer belongs to this handler, which the Connection destroys after on_closed: the
// callback never outlives either.
void WebHandler::arm_deadline(net::Connection& c) {
    deadline_.start(request_time_, [this, &c] {
        if (c.closing()) return;
        if (session_.in_request()) log::info("request_timeout", {{"peer", c.peer()}});
        send(c, session_.timeout(std::time(nullptr)));
    });
}

void WebHandler::send(net::Connection& c, const proto::SessionOutput& out) {
    if (!out.bytes.empty()) c.write(out.bytes);
    if (out.close) c.close_after_flush();
}

void WebHandler::on_bytes(net::Connection& c, std::string_view chunk, std::size_t /*remaining*/) {
    if (session_.closed()) return;
    const std::shared_ptr<const proto::Site> site = *site_;
    auto out = session_.receive(chunk, *site, std::time(nullptr), c.peer_ip());
    // A new request time for the next request on a kept-alive connection.
    if (out.answered > 0 && !out.close) arm_deadline(c);
    send(c, out);
}

void WebHandler::on_timeout(net::Connection& c) { send(c, session_.timeout(std::time(nullptr))); }

void WebHandler::on_closed(net::Connection& /*c*/) { deadline_.stop(); }

}  // namespace mr::webd::server
