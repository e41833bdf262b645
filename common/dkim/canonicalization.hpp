// DKIM canonicalization (RFC 6376 §3.4, rfc6376.txt:843): the exact bytes a signer and a
// verifier hash, so that both agree although relays may refold headers or touch
// whitespace.
//
// Invariants:
//  - Input lines end at LF, with or without a CR before it: a message as queued or
//    stored, where a line break is always sent as CRLF on the wire (RFC 5321 §2.3.8,
//    rfc5321.txt:763). Canonical output always ends its lines with CRLF.
//  - "relaxed" header: lower-case name, unfolded value, runs of WSP as one SP, no WSP at
//    the end of the value or around the colon (§3.4.2, rfc6376.txt:831).
//  - "simple" body: trailing empty lines removed; an empty body is one CRLF (§3.4.3,
//    rfc6376.txt:864). "relaxed" body: also WSP at line ends removed and runs of WSP as one
//    SP (§3.4.4, rfc6376.txt:886); an empty body stays empty (erratum 3951 to §3.4.4).
//  - BodyCanonicalizer gives the same output however the body is cut into chunks, and
//    holds back at most the empty lines and spaces whose fate depends on what follows.
//    What each feed() canonicalizes goes to the sink in one piece when it returns (a hash
//    update per line cost more than the hashing itself).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace mr::dkim {

enum class Canon : std::uint8_t { Simple, Relaxed };

// One header field, "name:value" as the relaxed rule makes it, with CRLF.
std::string relaxed_header(std::string_view name, std::string_view raw_value);
// The field as it stands ("name:raw_value"), its last line end made CRLF.
std::string simple_header(std::string_view name, std::string_view raw_value);

class BodyCanonicalizer {
public:
    using Sink = std::function<void(std::string_view canonical_bytes)>;
    BodyCanonicalizer(Canon canon, Sink sink);

    void feed(std::string_view bytes);
    // Ends the body: emits what the rule keeps of the held-back part.
    void finish();

    // Canonical body bytes emitted so far (for l= and tests).
    std::uint64_t emitted() const { return emitted_; }

private:
    void end_line(std::string_view line);
    void emit(std::string_view bytes);
    void flush();

    Canon canon_;
    Sink sink_;
    std::string line_;               // a line begun in an earlier feed(), without its terminator
    std::string relaxed_;            // the relaxed form of the line at hand (reused)
    std::string out_;                // canonical bytes not yet given to the sink
    std::uint64_t empty_lines_ = 0;  // empty lines held back: kept only if text follows
    bool any_line_ = false;          // a non-empty line has been emitted
    std::uint64_t emitted_ = 0;
};

// The whole body canonicalized (tests, small messages).
std::string canonical_body(std::string_view body, Canon canon);

}  // namespace mr::dkim
