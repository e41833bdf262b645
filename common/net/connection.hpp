// mr::net::Connection — one accepted TCP connection (optionally TLS) driving a protocol
// session through the ConnectionHandler interface.
//
// Invariants:
// - Ownership (STYLE.md example 15): a Connection owns itself (self_) from accept until the
//   last of its libuv handles has closed; only then are on_closed() called, the handler
//   destroyed and the memory freed. Nothing else deletes a Connection. Code that may outlive
//   it (thread-pool jobs, storage callbacks) holds alive() and checks it first.
// - Handler callbacks run on the loop thread, never re-entrantly for input: while one on_line
//   / on_bytes runs, the next is not delivered. After close() or close_after_flush() no input
//   callback runs; on_closed() runs exactly once, last.
// - Framing is text::LineBuffer's (line_buffer.hpp), under the LinePolicy the options name:
//   a line ends at LF; a CR before it is stripped and LineEnd says whether it was there. A
//   line whose content exceeds the policy's max_line yields on_line_too_long() once, and
//   framing resumes after its LF. read_bytes(n) switches to byte-count mode: the next n bytes
//   arrive through on_bytes() in chunks, then lines again. With HandlerFrames instead, every
//   byte goes to on_bytes(): the handler's sans-I/O core frames it (with a LineBuffer of its
//   own), and the connection keeps no line state.
// - STARTTLS: start_tls() discards every byte received before the handshake that was not yet
//   delivered (RFC 3207 §6, rfc3207.txt:259; CVE-2011-0411): pipelined plaintext is never
//   processed as part of the protected session.
// - Back-pressure: when un-flushed output reaches high_water, reading stops and no buffered
//   input is delivered; when it falls to low_water, on_drain() runs and reading resumes.
//   Producers of big responses check writable() and continue from on_drain().
// - Memory: an idle plaintext connection holds this object (~1 KiB) plus at most a partial
//   line; reads go through the loop's shared buffer and output buffers shrink when emptied.
// - Compression (start_compression, connection_compress.cpp): a DeflateStream sits above
//   TLS: written bytes are deflated, then encrypted; received bytes decrypted, then
//   inflated (RFC 4978 §3, rfc4978.txt:161). Every byte written is flushed out of the
//   compressor before control returns to the loop (inside process_input() at its end, as
//   corked output is; elsewhere at once), so the peer never waits for a response held in
//   it. After kCompressQuiet without traffic the stream gives back its zlib state
//   (DeflateStream::shrink). Corrupt compressed input closes the connection, logged.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/net/connection_limits.hpp"
#include "common/net/loop.hpp"
#include "common/text/line_buffer.hpp"

namespace mr::net {

class Connection;
class DeflateStream;
class TlsContext;
class TlsEngine;
class Timer;

enum class LineEnd { CRLF, LF };

// Implemented by each daemon's server glue around its sans-I/O session. Callbacks may call
// any Connection method, including close().
class ConnectionHandler {
public:
    virtual ~ConnectionHandler() = default;

    // The connection is ready for the protocol: write the greeting here. For implicit-TLS
    // listeners this runs after the handshake, so the greeting is already encrypted.
    virtual void on_start(Connection& c) = 0;
    // One line, without its terminator. The view is valid only during the call. Line mode
    // only; the default (for HandlerFrames handlers, which never get one) closes.
    virtual void on_line(Connection& c, std::string_view line, LineEnd end);
    // A line exceeded max_line; its bytes are dropped up to and including its LF. Line mode
    // only; the default closes.
    virtual void on_line_too_long(Connection& c);
    // A line the LinePolicy refuses (bare LF / bare CR under Refuse); its bytes are dropped.
    // Default: close, for a handler whose policy refuses nothing has lost track.
    virtual void on_refused_line(Connection& c, const text::RefusedLine& why);
    // A chunk of a read_bytes(n) run; `remaining` is what is still expected after it (0 = done,
    // back to lines). Under HandlerFrames: every chunk received, `remaining` always 0.
    virtual void on_bytes(Connection& c, std::string_view chunk, std::size_t remaining);
    // A start_tls() upgrade finished; reset protocol state here (RFC 3207 §4.2).
    virtual void on_tls_ready(Connection& /*c*/) {}
    // No input for idle_timeout. Default: close. Write a farewell and close_after_flush().
    virtual void on_timeout(Connection& c);
    // Output fell to low_water after reaching high_water; produce more.
    virtual void on_drain(Connection& /*c*/) {}
    // Last callback; the Connection is destroyed right after it returns.
    virtual void on_closed(Connection& /*c*/) {}
    // Outbound only (connector.cpp): the TCP connect failed or timed out. on_start never runs;
    // on_closed follows.
    virtual void on_connect_failed(Connection& /*c*/, std::string_view /*reason*/) {}
};

// The handler's sans-I/O core frames the input: all of it goes to on_bytes().
struct HandlerFrames {};

// How a connection frames its input. Every listener and outbound connection names it (lines
// under a protocol's LinePolicy, or HandlerFrames); one left unset closes at start.
using InputFraming = std::variant<std::monostate, text::LinePolicy, HandlerFrames>;

struct ConnectionOptions {
    InputFraming framing;
    std::chrono::milliseconds idle_timeout{60'000};          // 0: never
    std::size_t high_water = 256 * 1024;                     // stop reading at this much output
    std::size_t low_water = 64 * 1024;                       // resume + on_drain at this much
    std::shared_ptr<TlsContext> tls;                         // enables start_tls() / implicit TLS
    bool implicit_tls = false;                               // handshake before on_start
    std::string tls_server_name;                             // client: SNI and name to verify
};

class Connection final : public LoopResident {
public:
    using Id = std::uint64_t;

    ~Connection() override;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    Id id() const { return id_; }                            // unique within the process
    const std::string& peer() const { return peer_; }        // "1.2.3.4:5678" / "[::1]:5678"
    const std::string& peer_ip() const { return peer_ip_; }  // "1.2.3.4" / "::1"
    std::string local_ip() const;  // our end's address ("" when not connected)
    Loop& loop() { return loop_; }

    // Queues bytes for the peer (encrypted once TLS is up). Never blocks, never drops: the
    // caller bounds its own output with writable()/on_drain. Ignored once closing.
    void write(std::string_view data);
    // Stops input, sends what is queued (and close_notify under TLS), then closes.
    void close_after_flush();
    // Closes now; queued output is dropped.
    void close();
    bool closing() const { return closing_ || close_after_flush_; }

    // Server-side STARTTLS (or client-side, with a client context). Call from on_line()
    // after writing the "go ahead" reply. False if no TLS context or TLS is already on.
    bool start_tls();
    bool is_tls() const;
    std::string tls_version() const;  // "" when not TLS
    std::string tls_cipher() const;
    long tls_verify_result() const;  // TlsEngine::verify_result(); 0 (X509_V_OK) without TLS

    // Stop / restart delivering input (e.g. while waiting for storage). resume_reading() may
    // deliver buffered lines before it returns.
    void pause_reading();
    void resume_reading();
    // Deliver the next n bytes through on_bytes() (IMAP literal, SMTP BDAT chunk). Line mode
    // only, and at a line boundary (from on_line(), or before any input): the connection
    // closes otherwise, since it would have lost track of the framing.
    void read_bytes(std::size_t n);

    // The idle timer restarts on every read and on write progress of queued output.
    void set_idle_timeout(std::chrono::milliseconds timeout);
    std::chrono::milliseconds idle_timeout() const { return options_.idle_timeout; }

    bool writable() const { return buffered_output() < options_.high_water; }
    std::size_t buffered_output() const { return out_queued_.size() + out_inflight_.size(); }

    // The client logged in as `user` (canonical, lower-case): the connection stops counting
    // against its address's unauthenticated connections and takes one of the user's
    // connections from this address (connection_limits.hpp). False, and nothing changed,
    // when the user already has its maximum of connections from this address: the
    // caller refuses the login. Call once, on the loop thread; a connection that was not
    // counted at accept (outbound) returns false.
    bool count_login(const std::string& user) { return slot_.log_in(user); }
    // The session went back to not authenticated (IMAP UNAUTHENTICATE): undoes count_login.
    void count_logout() { slot_.log_out(); }
    std::size_t max_logins_per_user_ip() const { return slot_.max_per_user_address(); }

    // RFC 4978 COMPRESS=DEFLATE from here on, both ways (HandlerFrames only). `received`:
    // bytes the handler was given after the command that asked for it; they are already
    // compressed, so they are inflated and delivered again, ahead of anything read later,
    // once the current callback has returned (or at the next resume_reading()). Call
    // right after writing the reply that must still go out uncompressed. False when
    // compression is already on, or under line framing.
    bool start_compression(std::string_view received);
    bool compressed() const { return deflate_ != nullptr; }
    // The end of both compression layers (IMAP UNAUTHENTICATE, RFC 8437 §4.1): what was
    // written so far goes out flushed, what follows is plain both ways. `received`: bytes the
    // handler was given after the command that ended it (inflated: the peer compressed them,
    // so they stay plaintext input, delivered again ahead of the rest). The peer's last
    // compressed bytes end with a sync flush; received compressed bytes not yet inflated
    // after it are plain, less that flush's empty stored block (00 00 FF FF) when it is
    // still ahead of them. Call right after writing the reply that is still compressed.
    void end_compression(std::string_view received);

    // Expires once the Connection is destroyed.
    std::weak_ptr<void> alive();
    ConnectionHandler& handler() { return *handler_; }

    void close_for_shutdown() override { close(); }

    // Outbound (connector.cpp): starts a TCP connect to `address` and returns the Connection,
    // which owns itself like an accepted one. The handler gets on_start once connected, or
    // on_connect_failed (refused, unreachable, no answer within connect_timeout); on_closed
    // always ends it. close() cancels a connect in progress. A tls context in `options` must
    // be a client context: start_tls() is then the client side of STARTTLS.
    static Connection* connect(Loop& loop, const struct sockaddr* address,
                               std::chrono::milliseconds connect_timeout, ConnectionOptions options,
                               std::unique_ptr<ConnectionHandler> handler);
    bool connecting() const { return connecting_; }

private:
    friend class Listener;
    friend class ProxyGate;
    Connection(Loop& loop, ConnectionOptions options);
    // A new connection with its TCP and timer handles initialised, owning itself until
    // finish() (accepted and outbound alike).
    static Connection* create(Loop& loop, ConnectionOptions options);

    // Listener side: accept from `server`; returns null (and cleans up) on failure.
    static Connection* accept(Loop& loop, uv_stream_t* server, const ConnectionOptions& options);
    void start(std::unique_ptr<ConnectionHandler> handler, ConnectionSlot slot);
    void reject(std::string_view busy_line);

    // ProxyGate (proxy_gate.hpp): the client a PROXY header names becomes the peer, and the
    // connection takes the slot counted under that address.
    void set_peer(std::string peer, std::string peer_ip);
    void hold_slot(ConnectionSlot slot) { slot_ = std::move(slot); }
    // From inside on_bytes (HandlerFrames): the last n bytes of that chunk were not consumed;
    // they are delivered again, to the handler then in place, once the callback returns.
    void unread(std::size_t n);

    // connection.cpp
    void restart_idle_timer();
    void begin_shutdown();
    void finish();
    bool begin_tls();
    static void on_handle_closed(uv_handle_t* h);
    static void on_timer(uv_timer_t* t);

    // connector.cpp
    static void on_connected(uv_connect_t* req, int status);
    static void on_connect_timeout(uv_timer_t* t);
    void fail_connect(std::string_view reason);

    // connection_io.cpp
    static void on_alloc(uv_handle_t* h, std::size_t suggested, uv_buf_t* buf);
    static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
    static void on_write(uv_write_t* req, int status);
    void on_data(std::string_view data);
    void on_handshake_done();
    void process_input();
    bool can_deliver() const;
    void discard_input();
    void compact_input();
    void update_reading();
    void send_raw(std::string_view bytes);
    void write_transport(std::string_view data);  // TLS or plain, below compression

    // connection_compress.cpp
    void write_compressed(std::string_view data, bool flush);
    void flush_compressor();
    // Inflates received compressed bytes into in_ once it is delivered; false when there
    // was nothing to do (or the input was corrupt: the connection is then closing).
    bool inflate_input();
    void note_compressed_traffic();
    void on_compress_quiet();
    // Drops the sync-flush marker ahead of in_pos_ (strip_sync_marker_); false while the
    // bytes so far could still be one.
    bool strip_sync_marker();
    void flush_tls();
    void start_write();

    Loop& loop_;
    uv_tcp_t tcp_{};
    uv_timer_t timer_{};
    uv_write_t write_req_{};
    uv_shutdown_t shutdown_req_{};
    std::unique_ptr<Connection> self_;
    std::unique_ptr<ConnectionHandler> handler_;
    std::unique_ptr<TlsEngine> tls_;
    ConnectionSlot slot_;  // held when the listener counted this connection; released in finish()
    std::shared_ptr<char> alive_;                // created on first alive()
    ConnectionOptions options_;
    std::string peer_;
    std::string peer_ip_;
    std::string in_;            // received, not yet delivered (plaintext)
    std::size_t in_pos_ = 0;    // delivered prefix of in_
    std::string out_queued_;    // not yet handed to libuv
    std::string out_inflight_;  // owned by the one uv_write in flight
    std::string tls_pending_;   // plaintext written while the handshake runs
    std::unique_ptr<DeflateStream> deflate_;  // COMPRESS is on
    std::string deflated_in_;   // received compressed, not yet inflated into in_
    std::string deflated_out_;  // scratch: one write's compressed bytes
    std::unique_ptr<Timer> compress_quiet_;  // shrinks deflate_ when traffic stops
    std::chrono::steady_clock::time_point compress_traffic_{};
    // After end_compression: the peer's sync-flush marker may still open the plain input.
    bool strip_sync_marker_ = false;
    std::optional<text::LineBuffer> lines_;  // line mode; empty under HandlerFrames
    std::uint64_t bytes_wanted_ = 0;  // read_bytes() asked, not yet handed to lines_
    Id id_;
    int open_handles_ = 0;
    bool reading_ = false;
    bool user_paused_ = false;
    bool bp_paused_ = false;
    bool closing_ = false;
    bool close_after_flush_ = false;
    bool shutdown_started_ = false;
    bool processing_ = false;
    bool discard_pending_ = false;
    bool started_ = false;  // on_start has run (implicit TLS: after the handshake)
    bool connecting_ = false;  // outbound: uv_tcp_connect in progress
    std::string connect_error_;  // outbound: uv_tcp_connect refused at once
};

}  // namespace mr::net
