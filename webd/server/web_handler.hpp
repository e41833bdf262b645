// WebHandler: drives one proto::Session from a net::Connection (HandlerFrames: every byte
// goes to the session's RequestReader) and enforces the request deadline.
#pragma once

#include <chrono>
#include <memory>

#include "common/net/connection.hpp"
#include "common/net/timer.hpp"
#include "webd/proto/session.hpp"
#include "webd/proto/site.hpp"

namespace mr::webd::server {

using SiteRef = std::shared_ptr<std::shared_ptr<const proto::Site>>;

class WebHandler final : public net::ConnectionHandler {
public:
    WebHandler(net::Connection& c, SiteRef site, proto::ReaderLimits limits, std::chrono::milliseconds request_time);

    void on_start(net::Connection& c) override;
    void on_bytes(net::Connection& c, std::string_view chunk, std::size_t remaining) override;
    void on_timeout(net::Connection& c) override;
    void on_closed(net::Connection& c) override;

private:
    void arm_deadline(net::Connection& c);
    void send(net::Connection& c, const proto::SessionOutput& out);

    SiteRef site_;
    proto::Session session_;
    std::chrono::milliseconds request_time_;
    net::Timer deadline_;
};

}  // namespace mr::webd::server
