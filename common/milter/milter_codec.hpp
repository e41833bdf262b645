// The Sendmail milter protocol (version 6, as libmilter, Postfix and rspamd speak it), MTA
// side, without I/O: the packets we send, the packets we read back, option negotiation.
//
// Invariants:
// - A packet is a 4-byte big-endian length, then a command byte and its data; the length
//   counts the command byte. A packet we read is at most kMaxPacket bytes: a longer (or
//   zero) length is a protocol error, never an allocation of that size.
// - Strings we send are NUL-terminated; a NUL inside peer-supplied text (a header value)
//   is sent as a space, so the milter sees the same fields we store.
// - A response is parsed whole or refused: an unknown command, a short or unterminated
//   field or a reply code outside 4xx/5xx is an Error (Syntax), never a guess.
// - Negotiation keeps only what both sides can do: the actions the milter wants that we
//   did not offer are dropped, and so are protocol flags we did not offer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/util/result.hpp"

namespace mr::milter {

inline constexpr std::uint32_t kVersion = 6;
inline constexpr std::size_t kMaxPacket = 1024 * 1024;  // our bound on what a milter sends
inline constexpr std::size_t kMaxBodyChunk = 65535;     // MILTER_CHUNK_SIZE of libmilter

// Commands, MTA to milter.
namespace command {
inline constexpr char kOptNeg = 'O';
inline constexpr char kMacro = 'D';
inline constexpr char kConnect = 'C';
inline constexpr char kHelo = 'H';
inline constexpr char kMail = 'M';
inline constexpr char kRcpt = 'R';
inline constexpr char kData = 'T';
inline constexpr char kHeader = 'L';
inline constexpr char kEoh = 'N';
inline constexpr char kBody = 'B';
inline constexpr char kEom = 'E';
inline constexpr char kAbort = 'A';
inline constexpr char kQuit = 'Q';
}  // namespace command

// Actions (SMFIF_*): what the milter may do at end of message.
namespace action {
inline constexpr std::uint32_t kAddHeaders = 0x01;
inline constexpr std::uint32_t kChangeBody = 0x02;
inline constexpr std::uint32_t kAddRcpt = 0x04;
inline constexpr std::uint32_t kDelRcpt = 0x08;
inline constexpr std::uint32_t kChangeHeaders = 0x10;
inline constexpr std::uint32_t kQuarantine = 0x20;
inline constexpr std::uint32_t kChangeFrom = 0x40;
// What mailroom applies.
inline constexpr std::uint32_t kSupported = kAddHeaders | kChangeHeaders | kQuarantine;
}  // namespace action

// Protocol flags (SMFIP_*): steps the milter does not want (kNo*) or answers no reply to
// (kNr*).
namespace protocol {
inline constexpr std::uint32_t kNoConnect = 0x1;
inline constexpr std::uint32_t kNoHelo = 0x2;
inline constexpr std::uint32_t kNoMail = 0x4;
inline constexpr std::uint32_t kNoRcpt = 0x8;
inline constexpr std::uint32_t kNoBody = 0x10;
inline constexpr std::uint32_t kNoHeaders = 0x20;
inline constexpr std::uint32_t kNoEoh = 0x40;
inline constexpr std::uint32_t kNrHeader = 0x80;
inline constexpr std::uint32_t kNoUnknown = 0x100;
inline constexpr std::uint32_t kNoData = 0x200;
inline constexpr std::uint32_t kSkip = 0x400;
inline constexpr std::uint32_t kRcptRejected = 0x800;
inline constexpr std::uint32_t kNrConnect = 0x1000;
inline constexpr std::uint32_t kNrHelo = 0x2000;
inline constexpr std::uint32_t kNrMail = 0x4000;
inline constexpr std::uint32_t kNrRcpt = 0x8000;
inline constexpr std::uint32_t kNrData = 0x10000;
inline constexpr std::uint32_t kNrUnknown = 0x20000;
inline constexpr std::uint32_t kNrEoh = 0x40000;
inline constexpr std::uint32_t kNrBody = 0x80000;
// Every step may be left out or go unanswered, and a milter may skip the rest of the body.
// Not offered: HDR_LEADSPC (values are sent and taken without their leading space).
inline constexpr std::uint32_t kOffered = kNoConnect | kNoHelo | kNoMail | kNoRcpt | kNoBody | kNoHeaders |
                                          kNoEoh | kNrHeader | kNoUnknown | kNoData | kSkip | kRcptRejected |
                                          kNrConnect | kNrHelo | kNrMail | kNrRcpt | kNrData | kNrUnknown |
                                          kNrEoh | kNrBody;
}  // namespace protocol

using Macros = std::vector<std::pair<std::string, std::string>>;

// Packets we send.
std::string packet(char command, std::string_view data);
std::string optneg_packet(std::uint32_t actions, std::uint32_t protocol_flags);
std::string macro_packet(char for_command, const Macros& macros);
// `host` is the client's name ("[192.0.2.1]" when it has none); family from the address.
std::string connect_packet(std::string_view host, std::string_view ip, std::uint16_t port);
std::string helo_packet(std::string_view helo);
std::string mail_packet(std::string_view sender);  // address without <>; empty: null sender
std::string rcpt_packet(std::string_view recipient);
std::string header_packet(std::string_view name, std::string_view value);
std::string body_packet(std::string_view chunk);  // at most kMaxBodyChunk bytes

// Splits the byte stream from a milter into packets.
struct Packet {
    char command = 0;
    std::string data;
};

class PacketReader {
public:
    void feed(std::string_view bytes) { buffer_.append(bytes); }
    // The next whole packet, nullopt while one is incomplete, an Error for a bad length
    // (the stream cannot be resynchronised after one).
    Result<std::optional<Packet>> next();

private:
    std::string buffer_;
};

struct Negotiation {
    std::uint32_t version = 0;
    std::uint32_t actions = 0;
    std::uint32_t protocol_flags = 0;
};

// The milter's OPTNEG answer (extra data after the three words, a symbol list, is ignored).
Result<Negotiation> parse_optneg(std::string_view data);
// What both sides agreed on, from our offer and the milter's answer.
Result<Negotiation> agree(const Negotiation& offered, const Negotiation& answer);

// A reply code from SMFIR_REPLYCODE: "550 5.7.1 text", possibly multi-line.
struct ReplyCode {
    int code = 0;
    std::string enhanced;  // "5.7.1", or empty
    std::string text;      // the lines' texts joined by a space
};
Result<ReplyCode> parse_reply_code(std::string_view text);

struct Response {
    enum class Kind {
        Accept,      // 'a': accept the message, no more steps
        Continue,    // 'c'
        Reject,      // 'r'
        TempFail,    // 't'
        Discard,     // 'd'
        ReplyCode,   // 'y': reject or tempfail with this reply
        AddHeader,   // 'h'
        InsHeader,   // 'i'
        ChgHeader,   // 'm'
        Quarantine,  // 'q'
        Progress,    // 'p': still working, wait on
        Skip,        // 'l': no more body chunks
        OptNeg,      // 'O'
        ConnFail,    // 'f': drop the connection (tempfail)
        Unrequested, // a modification we never offer (recipients, sender, body)
    };
    Kind kind = Kind::Continue;
    char command = 0;
    ReplyCode reply;            // ReplyCode
    std::uint32_t index = 0;    // InsHeader, ChgHeader
    std::string name;           // header name
    std::string value;          // header value; ChgHeader: empty deletes
    std::string reason;         // Quarantine
    Negotiation negotiation;    // OptNeg
};

Result<Response> parse_response(const Packet& p);

}  // namespace mr::milter
