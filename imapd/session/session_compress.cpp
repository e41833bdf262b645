// COMPRESS (RFC 4978): the session's half. The compression itself is the connection's
// (net::DeflateStream under net::Connection::start_compression); the session answers the
// command and tells the glue where the compressed bytes begin (StartCompression).
//
// Invariants:
// - Once per connection: a second COMPRESS gets NO [COMPRESSIONACTIVE] (as Dovecot
//   answers; RFC 4978 §3, rfc4978.txt:145, names the code for a mechanism already active).
// - Only DEFLATE exists; any other name is BAD (rfc4978.txt:131, "unknown argument").
// - The tagged OK is the last uncompressed byte, and StartCompression follows it in the
//   same Actions: on_input() consumes nothing after it (rfc4978.txt:148).
#include "common/text/ascii.hpp"
#include "imapd/session/session.hpp"

namespace mr::imapd::session {

Actions Session::cmd_compress(const std::string& tag, const CompressCmd& c) {
    if (!text::iequals(c.mechanism, "DEFLATE")) return bad(tag, "Unknown compression mechanism");
    if (compressing_) return tagged(tag, "NO", "[COMPRESSIONACTIVE] DEFLATE is already active");
    compressing_ = true;
    Actions out = tagged(tag, "OK", "DEFLATE active");
    out.push_back({StartCompression{}});
    return out;
}

}  // namespace mr::imapd::session
