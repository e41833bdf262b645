// Connection byte paths: reading, TLS decryption, line / byte-count framing, writing and
// back-pressure. Invariants: connection.hpp. Two extra rules kept here:
// - in_ is only appended to by on_data() and only shrunk by compact_input()/discard_input(),
//   never while a handler callback holds a view into it.
// - At most one uv_write is in flight (out_inflight_); everything else waits in out_queued_,
//   so buffered_output() is the exact number of bytes not yet accepted by the kernel.
#include <algorithm>
#include <utility>

#include "common/log/log.hpp"
#include "common/net/connection.hpp"
#include "common/net/tls_engine.hpp"

namespace mr::net {
namespace {

// Buffers above this are given back when they empty, so a connection that once streamed a big
// message does not keep that much memory while it idles.
constexpr std::size_t kKeepCapacity = 4 * 1024;

// One TLS record's worth of plaintext (RFC 8446 §5.1: at most 2^14 bytes).
constexpr std::size_t kTlsSlice = 16 * 1024;

void release_if_big(std::string& s) {
    if (s.empty() && s.capacity() > kKeepCapacity) std::string().swap(s);
}

}  // namespace

void Connection::on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
    auto span = static_cast<Connection*>(h->data)->loop_.read_buffer();
    *buf = uv_buf_init(span.data(), static_cast<unsigned>(span.size()));
}

void Connection::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
    auto* c = static_cast<Connection*>(s->data);
    if (nread == 0) return;  // EAGAIN; the buffer is the loop's, nothing to free
    if (nread < 0) {
        if (nread != UV_EOF) {
            log::debug("connection_read_error",
                       {log::conn(c->id_), log::Field("error", uv_strerror(static_cast<int>(nread)))});
            c->close();
            return;
        }
        // The peer finished sending: let the answer to its last command go out.
        c->close_after_flush();
        return;
    }
    c->on_data(std::string_view(buf->base, static_cast<std::size_t>(nread)));
}

void Connection::on_data(std::string_view data) {
    if (closing()) return;
    restart_idle_timer();
    if (!tls_) {
        (deflate_ ? deflated_in_ : in_).append(data);
        process_input();
        return;
    }
    // Ciphertext goes in by slices, each decrypted before the next: OpenSSL's memory BIOs
    // never shrink, so this keeps a TLS connection's BIO buffers at one slice for life.
    bool peer_closed = false;
    while (!data.empty() && !peer_closed && !closing()) {
        std::string_view slice = data.substr(0, kTlsSlice);
        data.remove_prefix(slice.size());
        tls_->feed(slice);
        if (!tls_->handshake_done()) {
            TlsEngine::Status s = tls_->handshake();
            flush_tls();  // handshake records, or the alert that explains a failure
            if (s == TlsEngine::Status::Failed) {
                log::info("tls_handshake_failed", {log::conn(id_), log::Field("peer", peer_),
                                                   log::Field("error", tls_->error())});
                close_after_flush();
                return;
            }
            if (s != TlsEngine::Status::Done) continue;
            on_handshake_done();
            if (closing()) return;
        }
        TlsEngine::Status s = tls_->read(deflate_ ? deflated_in_ : in_);
        flush_tls();  // TLS 1.3 may answer post-handshake messages
        if (s == TlsEngine::Status::Failed) {
            log::info("tls_read_failed", {log::conn(id_), log::Field("error", tls_->error())});
            close();
            return;
        }
        peer_closed = s == TlsEngine::Status::PeerClosed;
    }
    process_input();
    if (peer_closed) close_after_flush();
}

void Connection::on_handshake_done() {
    log::debug("tls_established", {log::conn(id_), log::Field("version", tls_->version()),
                                   log::Field("cipher", tls_->cipher())});
    if (!tls_pending_.empty()) {
        std::string pending = std::move(tls_pending_);
        tls_pending_.clear();
        write(pending);
    }
    if (!started_) {  // implicit TLS: the protocol starts now
        started_ = true;
        handler_->on_start(*this);
    } else {
        handler_->on_tls_ready(*this);
    }
}

bool Connection::can_deliver() const {
    return started_ && !closing() && !user_paused_ && !bp_paused_ &&
           !(tls_ && !tls_->handshake_done());
}

void Connection::process_input() {
    if (processing_) return;  // called from inside a callback: the running loop continues
    processing_ = true;
    while (!discard_pending_ && can_deliver()) {
        if (in_pos_ >= in_.size()) {
            if (!deflate_ || !inflate_input()) break;
            continue;
        }
        if (strip_sync_marker_ && !strip_sync_marker()) break;  // after end_compression()
        if (in_pos_ >= in_.size()) continue;
        std::string_view avail(in_.data() + in_pos_, in_.size() - in_pos_);
        if (!lines_) {  // HandlerFrames
            in_pos_ = in_.size();
            handler_->on_bytes(*this, avail, 0);
            continue;
        }
        if (bytes_wanted_ > 0) {
            // Applied here, not in read_bytes(): the line view of the callback that asked
            // lives in lines_ until that callback has returned.
            const std::uint64_t n = std::exchange(bytes_wanted_, 0);
            if (!lines_->expect_raw(n)) {
                log::error("connection_read_bytes_mid_line", {log::conn(id_)});
                close();
                break;
            }
        }
        const std::size_t before = avail.size();
        const text::LineEvent event = lines_->next(avail);
        in_pos_ += before - avail.size();
        if (std::holds_alternative<text::NeedMore>(event)) break;
        if (const auto* line = std::get_if<text::Line>(&event)) {
            handler_->on_line(*this, line->text, line->bare_lf ? LineEnd::LF : LineEnd::CRLF);
        } else if (const auto* chunk = std::get_if<text::RawChunk>(&event)) {
            handler_->on_bytes(*this, chunk->bytes, static_cast<std::size_t>(lines_->raw_remaining()));
        } else if (const auto* refused = std::get_if<text::RefusedLine>(&event)) {
            handler_->on_refused_line(*this, *refused);
        } else {
            handler_->on_line_too_long(*this);
        }
    }
    if (discard_pending_) discard_input();
    compact_input();
    processing_ = false;
    if (deflate_) flush_compressor();
    start_write();  // uncork (see send_raw)
}

void Connection::discard_input() {
    discard_pending_ = false;
    if (std::size_t n = in_.size() - in_pos_; n > 0) {
        log::warn("starttls_pipelined_input_discarded",
                  {log::conn(id_), log::Field("peer", peer_), log::Field("bytes", n)});
    }
    in_.clear();
    in_pos_ = 0;
    release_if_big(in_);
    if (lines_) lines_->reset();
}

void Connection::compact_input() {
    if (in_pos_ == 0) return;
    if (in_pos_ >= in_.size()) {
        in_.clear();
        release_if_big(in_);
    } else {
        in_.erase(0, in_pos_);
    }
    in_pos_ = 0;
}

void Connection::update_reading() {
    auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
    // Reading continues while paused for back-pressure only during a TLS handshake, which
    // cannot complete (and so cannot drain anything) without input.
    bool handshaking = tls_ && !tls_->handshake_done();
    bool want = !closing() && (handshaking || (!user_paused_ && !bp_paused_));
    if (want && !reading_) {
        reading_ = uv_read_start(stream, &Connection::on_alloc, &Connection::on_read) == 0;
    } else if (!want && reading_) {
        uv_read_stop(stream);
        reading_ = false;
    }
}

void Connection::write(std::string_view data) {
    if (closing() || data.empty()) return;
    if (deflate_) {
        // Inside process_input() the flush waits for its end, with the rest of the burst.
        write_compressed(data, !processing_);
        return;
    }
    write_transport(data);
}

void Connection::write_transport(std::string_view data) {
    if (closing()) return;
    if (!tls_) {
        send_raw(data);
        return;
    }
    if (!tls_->handshake_done()) {
        tls_pending_.append(data);
        return;
    }
    // By slices, drained after each, for the same reason as in on_data().
    while (!data.empty() && !closing_) {
        std::string_view slice = data.substr(0, kTlsSlice);
        data.remove_prefix(slice.size());
        if (!tls_->write(slice)) {
            log::info("tls_write_failed", {log::conn(id_), log::Field("error", tls_->error())});
            close();
            return;
        }
        flush_tls();
    }
}

void Connection::flush_tls() {
    std::string cipher;
    if (tls_ && tls_->take_output(cipher) > 0) send_raw(cipher);
}

void Connection::send_raw(std::string_view bytes) {
    if (closing_) return;
    // Inside process_input() output is corked: the replies to a burst of pipelined
    // commands leave in one write when the burst is done, not one syscall per reply.
    if (out_queued_.empty() && out_inflight_.empty() && !processing_) {
        // Fast path: most replies fit in the socket buffer and never get copied.
        uv_buf_t buf = uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
        int n = uv_try_write(reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
        } else if (n != UV_EAGAIN) {
            log::debug("connection_write_error", {log::conn(id_), log::Field("error", uv_strerror(n))});
            close();
            return;
        }
    }
    if (bytes.empty()) return;
    out_queued_.append(bytes);
    if (!processing_) start_write();
    if (!bp_paused_ && buffered_output() >= options_.high_water) {
        bp_paused_ = true;  // stop taking input from a peer that does not take our output
        update_reading();
    }
}

void Connection::start_write() {
    if (closing_ || !out_inflight_.empty() || out_queued_.empty()) return;
    out_inflight_.swap(out_queued_);
    uv_buf_t buf = uv_buf_init(out_inflight_.data(), static_cast<unsigned>(out_inflight_.size()));
    int rc = uv_write(&write_req_, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1,
                      &Connection::on_write);
    if (rc != 0) {
        log::debug("connection_write_error", {log::conn(id_), log::Field("error", uv_strerror(rc))});
        close();
    }
}

void Connection::on_write(uv_write_t* req, int status) {
    auto* c = static_cast<Connection*>(req->handle->data);
    if (status < 0) {  // includes UV_ECANCELED when close() ran with a write in flight
        c->close();
        return;
    }
    c->out_inflight_.clear();
    release_if_big(c->out_inflight_);
    release_if_big(c->out_queued_);
    // A peer that is slowly taking a big response is not idle.
    c->restart_idle_timer();
    c->start_write();
    if (c->closing_) return;
    if (c->bp_paused_ && c->buffered_output() <= c->options_.low_water) {
        c->bp_paused_ = false;
        if (!c->close_after_flush_) c->handler_->on_drain(*c);
        c->update_reading();
        c->process_input();
    }
    if (c->close_after_flush_ && c->buffered_output() == 0) c->begin_shutdown();
}

}  // namespace mr::net
