// libFuzzer target for the milter client's reading side (common/milter/): the input is
// the byte stream a milter sends back. Every packet is parsed as a response; header
// changes are applied to a fixed header block. Checks: no crash, no allocation beyond the
// packet bound, and an applied change never ends the header early or adds a field we did
// not ask for with a bare line end.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/milter/header_edits.hpp"
#include "common/milter/milter_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mr::milter;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    PacketReader reader;
    // Fed in two pieces, as a socket might deliver it.
    reader.feed(input.substr(0, size / 2));
    std::vector<HeaderEdit> edits;
    bool fed_rest = false;
    for (;;) {
        auto p = reader.next();
        if (!p) break;
        if (!*p) {
            if (fed_rest) break;
            reader.feed(input.substr(size / 2));
            fed_rest = true;
            continue;
        }
        if ((*p)->data.size() + 1 > kMaxPacket) std::abort();
        auto r = parse_response(**p);
        if (!r) continue;
        using K = Response::Kind;
        if (r->kind == K::ReplyCode && (r->reply.code < 400 || r->reply.code > 599)) std::abort();
        if (r->kind == K::OptNeg) {
            auto a = agree({kVersion, action::kSupported, protocol::kOffered}, r->negotiation);
            if (a && ((a->actions & ~action::kSupported) || (a->protocol_flags & ~protocol::kOffered))) std::abort();
        }
        if (r->kind == K::AddHeader) edits.push_back({HeaderEdit::Kind::Add, 0, r->name, r->value});
        if (r->kind == K::InsHeader) edits.push_back({HeaderEdit::Kind::Insert, r->index, r->name, r->value});
        if (r->kind == K::ChgHeader) edits.push_back({HeaderEdit::Kind::Change, r->index, r->name, r->value});
    }
    static const std::string kHead = "Received: from a\r\n\tby b\r\nSubject: x\r\nX-Spam: no\r\n\r\n";
    const std::string out = apply_header_edits(kHead, edits);
    // One empty line, at the end: no value can end the header block early.
    if (out != "\r\n" && (!out.ends_with("\r\n\r\n") || out.find("\r\n\r\n") != out.size() - 4)) std::abort();
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
        if (out[i] == '\n' && i > 0 && out[i - 1] != '\r') std::abort();  // bare LF
        if (out[i] == '\r' && out[i + 1] != '\n') std::abort();           // bare CR
    }
    return 0;
}
