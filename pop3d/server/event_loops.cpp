// See event_loops.hpp.
#include "pop3d/server/event_loops.hpp"

#include <algorithm>
#include <cstdlib>

#include "common/log/log.hpp"

namespace mr::pop3d::server {

unsigned loop_count(std::int64_t configured) {
    if (configured > 0) return static_cast<unsigned>(configured);
    const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    return std::min(cpus, kMaxDefaultLoops);
}

EventLoops::EventLoops(const config::Config& cfg, std::shared_ptr<net::TlsContext> tls, unsigned count)
    : shared_(make_shared_state(cfg, tls != nullptr)) {
    count = std::max(1u, count);
    for (unsigned i = 0; i < count; ++i) {
        auto unit = std::make_unique<Unit>();
        unit->loop = std::make_unique<net::Loop>();
        unit->server = std::make_unique<Pop3Server>(*unit->loop, cfg, tls, shared_, i);
        units_.push_back(std::move(unit));
    }
}

EventLoops::~EventLoops() {
    // run() joins; this only matters when run() was never reached (start() failed).
    for (auto& u : units_) {
        if (u->thread.joinable()) {
            u->loop->stop();
            u->thread.join();
        }
    }
}

Result<void> EventLoops::start() {
    // libuv reads this once, at the first listen of the process: after each accept the
    // loop sleeps a moment, so the other loops (woken for the same socket) take the next
    // connections of a burst. An operator's own setting wins.
    if (units_.size() > 1) setenv("UV_TCP_SINGLE_ACCEPT", "1", 0);
    if (auto r = units_.front()->server->start(); !r) return r;
    const auto first = units_.front()->server->listeners();
    for (std::size_t i = 1; i < units_.size(); ++i) {
        if (auto r = units_[i]->server->start(first); !r) return r;
    }
    log::info("loops", {{"count", units_.size()}});
    return {};
}

void EventLoops::run() {
    for (std::size_t i = 1; i < units_.size(); ++i) {
        net::Loop* loop = units_[i]->loop.get();
        units_[i]->thread = std::thread([loop] { loop->run(); });
    }
    units_.front()->loop->run();
    stop();  // idempotent; makes sure no loop thread outlives loop 0
    for (auto& u : units_) {
        if (u->thread.joinable()) u->thread.join();
    }
}

void EventLoops::stop() {
    if (stopping_.exchange(true)) return;
    for (auto& u : units_) {
        u->loop->post([server = u->server.get(), loop = u->loop.get()] {
            server->stop();
            loop->stop();
        });
    }
}

}  // namespace mr::pop3d::server
