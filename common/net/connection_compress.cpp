// Connection's compression layer (RFC 4978 COMPRESS=DEFLATE): a DeflateStream between the
// handler's bytes and the transport (TLS or plain). Invariants: connection.hpp.
#include "common/log/log.hpp"
#include "common/net/connection.hpp"
#include "common/net/deflate_stream.hpp"
#include "common/net/timer.hpp"

namespace mr::net {
namespace {

// Traffic-free time after which the stream gives back its zlib state: long enough that a
// burst of commands does not rebuild it between each, short enough that idle connections
// (IMAP IDLE, a mail client left open) spend their hours small.
constexpr std::chrono::milliseconds kCompressQuiet{2'000};

// Plaintext inflated per step: what one compressed read may expand to before the handler
// has taken it (a few KiB of zeros inflate to MiBs).
constexpr std::size_t kInflateSlice = 64 * 1024;

// Scratch buffers above this are given back after use.
constexpr std::size_t kKeepScratch = 16 * 1024;

void release_if_big(std::string& s) {
    if (s.capacity() > kKeepScratch) std::string().swap(s);
}

}  // namespace

bool Connection::start_compression(std::string_view received) {
    if (deflate_ || lines_ || closing()) return false;
    deflate_ = std::make_unique<DeflateStream>();
    // Undelivered input followed the command too (normally none: HandlerFrames hands
    // everything over at once). The callback running now has been given all of in_ up to
    // in_pos_, so cutting in_ there leaves its view alone.
    deflated_in_.assign(received);
    if (in_pos_ < in_.size()) {
        deflated_in_.append(in_, in_pos_);
        in_.resize(in_pos_);
    }
    compress_quiet_ = std::make_unique<Timer>(loop_);
    note_compressed_traffic();
    log::debug("compression_started", {log::conn(id_)});
    return true;
}

void Connection::end_compression(std::string_view received) {
    if (!deflate_ || closing()) return;
    flush_compressor();
    // Plaintext the peer compressed after the command (none from a peer that ended its
    // layer at the CRLF): input still, ahead of what it sends plain.
    std::string inflated(received);
    if (in_pos_ < in_.size()) {
        inflated.append(in_, in_pos_);
        in_.resize(in_pos_);
    }
    strip_sync_marker_ = inflated.empty();
    in_ += inflated;
    // decompress() stops at block ends, so nothing after the command's block was inflated.
    in_ += deflated_in_;
    std::string().swap(deflated_in_);
    std::string().swap(deflated_out_);
    deflate_.reset();
    compress_quiet_.reset();
    log::debug("compression_ended", {log::conn(id_)});
    if (!processing_) process_input();
}

bool Connection::strip_sync_marker() {
    // A sync flush ends with an empty stored block: its 3 header bits (held by the
    // inflater after a Huffman block, or in one more zero byte), padding, LEN 0000, NLEN FFFF.
    static constexpr std::string_view kMarkers[] = {std::string_view("\0\0\xff\xff", 4),
                                                   std::string_view("\0\0\0\xff\xff", 5)};
    const std::string_view avail(in_.data() + in_pos_, in_.size() - in_pos_);
    bool could_be = false;
    for (std::string_view m : kMarkers) {
        if (avail.substr(0, m.size()) == m) {
            in_pos_ += m.size();
            strip_sync_marker_ = false;
            return true;
        }
        could_be = could_be || m.substr(0, avail.size()) == avail;
    }
    if (!could_be) strip_sync_marker_ = false;
    return !could_be;
}

void Connection::write_compressed(std::string_view data, bool flush) {
    note_compressed_traffic();
    if (auto r = deflate_->compress(data, flush, deflated_out_); !r) {
        log::error("compress_failed", {log::conn(id_), log::Field("error", r.error().message)});
        close();
        return;
    }
    write_transport(deflated_out_);
    deflated_out_.clear();
    release_if_big(deflated_out_);
}

void Connection::flush_compressor() {
    if (!deflate_->needs_flush()) return;
    write_compressed({}, true);
}

bool Connection::inflate_input() {
    if (deflated_in_.empty() && !deflate_->inflate_pending()) return false;
    if (in_pos_ > 0) compact_input();  // all of in_ was delivered
    std::string_view pending(deflated_in_);
    const std::size_t before_in = pending.size();
    const std::size_t before_out = in_.size();
    if (auto r = deflate_->decompress(pending, in_, kInflateSlice); !r) {
        log::info("compressed_input_corrupt",
                  {log::conn(id_), log::Field("peer", peer_), log::Field("error", r.error().message)});
        in_.resize(before_out);
        close();
        return false;
    }
    deflated_in_.erase(0, before_in - pending.size());
    if (deflated_in_.empty()) release_if_big(deflated_in_);
    note_compressed_traffic();
    return pending.size() < before_in || in_.size() > before_out;
}

void Connection::note_compressed_traffic() {
    compress_traffic_ = std::chrono::steady_clock::now();
    if (!compress_quiet_->active()) compress_quiet_->start(kCompressQuiet, [this] { on_compress_quiet(); });
}

void Connection::on_compress_quiet() {
    if (closing()) return;
    const auto quiet = std::chrono::steady_clock::now() - compress_traffic_;
    if (quiet < kCompressQuiet || !deflated_in_.empty()) {
        compress_quiet_->start(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::max<std::chrono::steady_clock::duration>(kCompressQuiet - quiet,
                                                                                 std::chrono::milliseconds(10))),
                               [this] { on_compress_quiet(); });
        return;
    }
    deflate_->shrink();
    std::string().swap(deflated_in_);
    std::string().swap(deflated_out_);
}

}  // namespace mr::net
