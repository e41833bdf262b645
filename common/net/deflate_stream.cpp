// DeflateStream over zlib. Invariants: deflate_stream.hpp.
#include "common/net/deflate_stream.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace mr::net {

namespace {

// Sending side (see the header for why): level 1, since responses are compressed as they
// are produced and FETCH of big bodies is CPU-bound; RFC 4978 §4 suggests 1-5
// (rfc4978.txt:293).
constexpr int kLevel = 1;
constexpr int kSendWindowBits = 12;
constexpr int kMemLevel = 4;
// Receiving side: any window the client may have chosen (RFC 1951 allows 32 KiB).
constexpr int kReceiveWindowBits = 15;
constexpr std::size_t kMaxHistory = std::size_t{1} << kReceiveWindowBits;
// Output grows by this much at a time.
constexpr std::size_t kChunk = 16 * 1024;

void release(std::string& s) { std::string().swap(s); }

}  // namespace

// Both z_streams and the count of bytes zlib holds, through zalloc/zfree (each block
// carries its size in front, since zfree is not told it).
struct DeflateStream::Zlib {
    z_stream send{};
    z_stream receive{};
    bool send_open = false;
    bool receive_open = false;
    std::size_t held = 0;

    static voidpf alloc(voidpf opaque, uInt items, uInt size) {
        const std::size_t n = std::size_t{items} * size;
        auto* p = static_cast<std::size_t*>(std::malloc(n + sizeof(std::max_align_t)));
        if (!p) return nullptr;
        *p = n;
        static_cast<Zlib*>(opaque)->held += n;
        return reinterpret_cast<char*>(p) + sizeof(std::max_align_t);
    }
    static void free(voidpf opaque, voidpf address) {
        if (!address) return;
        auto* p = reinterpret_cast<std::size_t*>(static_cast<char*>(address) - sizeof(std::max_align_t));
        static_cast<Zlib*>(opaque)->held -= *p;
        std::free(p);
    }
    void hook(z_stream& s) {
        s.zalloc = &Zlib::alloc;
        s.zfree = &Zlib::free;
        s.opaque = this;
    }
    ~Zlib() {
        if (send_open) deflateEnd(&send);
        if (receive_open) inflateEnd(&receive);
    }
};

DeflateStream::DeflateStream() : z_(std::make_unique<Zlib>()) {}
DeflateStream::~DeflateStream() = default;

std::size_t DeflateStream::held_bytes() const {
    return z_->held + sent_history_.capacity() + received_history_.capacity();
}

Result<void> DeflateStream::fail(const char* what) {
    failed_ = true;
    return Error::internal(std::string(what));
}

Result<void> DeflateStream::open_deflate() {
    z_->send = z_stream{};
    z_->hook(z_->send);
    // Negative windowBits: raw deflate (rfc4978.txt:262).
    if (deflateInit2(&z_->send, kLevel, Z_DEFLATED, -kSendWindowBits, kMemLevel, Z_DEFAULT_STRATEGY) != Z_OK)
        return fail("deflate: out of memory");
    z_->send_open = true;
    if (!sent_history_.empty()) {
        // Raw deflate takes a dictionary at a block boundary (after our sync flush): the
        // peer's window ends with exactly these bytes, so references into them stay valid.
        if (deflateSetDictionary(&z_->send, reinterpret_cast<const Bytef*>(sent_history_.data()),
                                 static_cast<uInt>(sent_history_.size())) != Z_OK)
            return fail("deflate: cannot restore history");
        release(sent_history_);
    }
    return {};
}

Result<void> DeflateStream::open_inflate() {
    z_->receive = z_stream{};
    z_->hook(z_->receive);
    if (inflateInit2(&z_->receive, -kReceiveWindowBits) != Z_OK) return fail("inflate: out of memory");
    z_->receive_open = true;
    if (!received_history_.empty()) {
        if (inflateSetDictionary(&z_->receive, reinterpret_cast<const Bytef*>(received_history_.data()),
                                 static_cast<uInt>(received_history_.size())) != Z_OK)
            return fail("inflate: cannot restore history");
        release(received_history_);
    }
    return {};
}

Result<void> DeflateStream::compress(std::string_view plain, bool flush, std::string& out) {
    if (failed_) return Error::internal("compression failed earlier");
    if (plain.empty() && !(flush && unflushed_)) return {};
    if (!z_->send_open) {
        if (auto r = open_deflate(); !r) return r;
    }
    z_stream& s = z_->send;
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
    s.avail_in = static_cast<uInt>(plain.size());
    const int mode = flush ? Z_SYNC_FLUSH : Z_NO_FLUSH;
    do {
        const std::size_t before = out.size();
        const std::size_t room = std::max(kChunk, plain.size() / 2);
        out.resize(before + room);
        s.next_out = reinterpret_cast<Bytef*>(out.data() + before);
        s.avail_out = static_cast<uInt>(room);
        const int rc = deflate(&s, mode);
        out.resize(before + room - s.avail_out);
        if (rc == Z_STREAM_ERROR) return fail("deflate: stream error");
        if (rc == Z_BUF_ERROR) break;  // no progress possible: all done
    } while (s.avail_in > 0 || s.avail_out == 0);
    unflushed_ = !flush;
    return {};
}

Result<void> DeflateStream::decompress(std::string_view& in, std::string& out, std::size_t max_out) {
    if (failed_) return Error::internal("decompression failed earlier");
    if (in.empty() && !inflate_pending_) return {};
    if (!z_->receive_open) {
        if (auto r = open_inflate(); !r) return r;
    }
    z_stream& s = z_->receive;
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    s.avail_in = static_cast<uInt>(in.size());
    std::size_t produced = 0;
    while (produced < max_out && (s.avail_in > 0 || inflate_pending_)) {
        const std::size_t before = out.size();
        const std::size_t room = std::min(kChunk, max_out - produced);
        out.resize(before + room);
        s.next_out = reinterpret_cast<Bytef*>(out.data() + before);
        s.avail_out = static_cast<uInt>(room);
        // Z_BLOCK: stop at each block end, so input after the peer's last flush is
        // left alone when its compression layer ends there (Connection::end_compression).
        const int rc = inflate(&s, Z_BLOCK);
        const std::size_t got = room - s.avail_out;
        out.resize(before + got);
        produced += got;
        inflate_pending_ = s.avail_out == 0;  // it may owe more for what it consumed
        if (rc == Z_BUF_ERROR) {  // no progress possible: needs more input
            inflate_pending_ = false;
            break;
        }
        if (rc == Z_STREAM_END) return fail("compressed stream ended by the peer");
        if (rc != Z_OK) return fail(s.msg ? s.msg : "inflate: corrupt data");
        if (got == 0 && s.avail_in == 0) break;
        if (produced > 0 && (s.data_type & 128) != 0) break;  // a block ended
    }
    in.remove_prefix(in.size() - s.avail_in);
    return {};
}

void DeflateStream::shrink() {
    if (failed_) return;
    if (z_->send_open && !unflushed_) {
        std::string history(std::size_t{1} << kSendWindowBits, '\0');
        uInt n = 0;
        if (deflateGetDictionary(&z_->send, reinterpret_cast<Bytef*>(history.data()), &n) == Z_OK) {
            history.resize(n);
            history.shrink_to_fit();
            sent_history_ = std::move(history);
            deflateEnd(&z_->send);
            z_->send_open = false;
        }
    }
    // The inflater can be rebuilt only at a block boundary with no bits left over (zlib's
    // data_type: 128 = between blocks, low 6 bits = bits held, 64 = the final block seen),
    // after all it owes was delivered; or when it never saw a byte.
    const z_stream& r = z_->receive;
    const bool fresh = r.total_in == 0;
    const bool aligned = (r.data_type & 128) != 0 && (r.data_type & 127) == 0;
    if (z_->receive_open && !inflate_pending_ && (fresh || aligned)) {
        std::string history(kMaxHistory, '\0');
        uInt n = 0;
        if (fresh || inflateGetDictionary(&z_->receive, reinterpret_cast<Bytef*>(history.data()), &n) == Z_OK) {
            history.resize(n);
            history.shrink_to_fit();
            received_history_ = std::move(history);
            inflateEnd(&z_->receive);
            z_->receive_open = false;
        }
    }
}

}  // namespace mr::net
