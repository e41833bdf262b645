// See proxy_gate.hpp.
#include "common/net/proxy_gate.hpp"

#include <variant>

#include "common/log/log.hpp"
#include "common/text/proxy_header.hpp"

namespace mr::net {
namespace {

// As format_address writes a peer: "1.2.3.4:5678", "[2001:db8::1]:5678".
std::string peer_string(const std::string& ip, std::uint16_t port) {
    const std::string p = std::to_string(port);
    return ip.find(':') != std::string::npos ? "[" + ip + "]:" + p : ip + ":" + p;
}

void refuse(Connection& c, const std::string& listener, std::string_view reason) {
    log::info("proxy_refused", {log::conn(c.id()), log::Field("listener", listener), log::Field("peer", c.peer()),
                                log::Field("reason", reason)});
}

}  // namespace

void ProxyGate::on_start(Connection& c) {
    protocol_timeout_ = c.idle_timeout();
    c.set_idle_timeout(p_.header_timeout);
}

void ProxyGate::on_bytes(Connection& c, std::string_view chunk, std::size_t remaining) {
    if (inner_) {
        inner_->on_bytes(c, chunk, remaining);
        return;
    }
    std::string_view rest = chunk;
    const text::ProxyParse result = reader_.feed(rest);
    if (std::holds_alternative<text::ProxyNeedMore>(result)) return;
    if (const auto* bad = std::get_if<text::ProxyMalformed>(&result)) {
        refuse(c, p_.listener, bad->reason);
        c.close_after_flush();
        return;
    }
    const auto& parsed = std::get<text::ProxyParsed>(result);
    const std::string balancer = c.peer();
    if (parsed.header.has_address) {
        c.set_peer(peer_string(parsed.header.source_ip, parsed.header.source_port), parsed.header.source_ip);
    }
    log::info("proxy_header", {log::conn(c.id()), log::Field("listener", p_.listener), log::Field("proxy", balancer),
                               log::Field("peer", c.peer()), log::Field("version", parsed.header.version)});
    header_done(c, rest.size());
}

// The header ended inside the chunk just received, so what follows it is the tail of that
// chunk: its last `rest` bytes.
void ProxyGate::header_done(Connection& c, std::size_t rest) {
    auto verdict = p_.limits->try_acquire(c.peer_ip());
    if (verdict != ConnectionLimits::Verdict::Accepted) {
        log::info("connection_refused",
                  {log::conn(c.id()), log::Field("listener", p_.listener), log::Field("peer", c.peer()),
                   log::Field("reason", verdict == ConnectionLimits::Verdict::TooManyTotal
                                            ? "max_connections"
                                            : "max_unauthenticated_per_ip")});
        c.write(p_.busy_line);
        c.close_after_flush();
        return;
    }
    c.hold_slot(ConnectionSlot(p_.limits, p_.logins, c.peer_ip()));
    c.set_idle_timeout(protocol_timeout_);
    inner_ = p_.factory(c);
    if (!inner_) {
        c.close();
        return;
    }
    c.unread(rest);
    inner_->on_start(c);
}

void ProxyGate::on_timeout(Connection& c) {
    if (inner_) return inner_->on_timeout(c);
    refuse(c, p_.listener, "no complete PROXY header in time");
    c.close();
}

void ProxyGate::on_closed(Connection& c) {
    if (inner_) inner_->on_closed(c);
}

void ProxyGate::on_line(Connection& c, std::string_view line, LineEnd end) {
    if (inner_) return inner_->on_line(c, line, end);
    ConnectionHandler::on_line(c, line, end);
}

void ProxyGate::on_line_too_long(Connection& c) {
    if (inner_) return inner_->on_line_too_long(c);
    ConnectionHandler::on_line_too_long(c);
}

void ProxyGate::on_refused_line(Connection& c, const text::RefusedLine& why) {
    if (inner_) return inner_->on_refused_line(c, why);
    ConnectionHandler::on_refused_line(c, why);
}

void ProxyGate::on_tls_ready(Connection& c) {
    if (inner_) inner_->on_tls_ready(c);
}

void ProxyGate::on_drain(Connection& c) {
    if (inner_) inner_->on_drain(c);
}

}  // namespace mr::net
