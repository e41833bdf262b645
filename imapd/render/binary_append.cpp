// Binary parts of appended messages; see binary_append.hpp.
#include "imapd/render/binary_append.hpp"

#include <vector>

#include "common/mime/message_parser.hpp"
#include "common/mime/transfer_decoding.hpp"
#include "common/text/ascii.hpp"
#include "common/text/sasl.hpp"

namespace mr::imapd {

namespace {

void collect(const mime::Part& p, std::string_view message, std::vector<const mime::Part*>& out) {
    if (p.kind == mime::PartKind::Leaf) {
        if (mime::parse_transfer_encoding(p.encoding) == mime::TransferEncoding::Binary &&
            message.substr(p.body_start, p.end - p.body_start).find('\0') != std::string_view::npos)
            out.push_back(&p);
        return;
    }
    for (const auto& c : p.children) collect(c, message, out);
}

// The header block [begin, end) with its Content-Transfer-Encoding field (folded lines
// included) replaced by "Content-Transfer-Encoding: base64".
std::string rewrite_header(std::string_view header) {
    std::string out;
    bool skipping = false;
    std::size_t pos = 0;
    while (pos < header.size()) {
        std::size_t eol = header.find('\n', pos);
        eol = eol == std::string_view::npos ? header.size() : eol + 1;
        const std::string_view line = header.substr(pos, eol - pos);
        pos = eol;
        const bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t');
        if (skipping && continuation) continue;
        skipping = false;
        constexpr std::string_view kField = "content-transfer-encoding:";
        if (line.size() >= kField.size() && text::iequals(line.substr(0, kField.size()), kField)) {
            out += "Content-Transfer-Encoding: base64\r\n";
            skipping = true;
            continue;
        }
        out += line;
    }
    return out;
}

}  // namespace

std::string encode_binary_parts(std::string_view message) {
    if (message.find('\0') == std::string_view::npos) return std::string(message);
    const mime::MessageStructure s = mime::parse_message(message);
    std::vector<const mime::Part*> parts;
    collect(s.root, message, parts);
    if (parts.empty()) return std::string(message);
    std::string out;
    std::size_t done = 0;  // message bytes copied so far
    for (const mime::Part* p : parts) {  // in message order
        out.append(message, done, p->header_start - done);
        out += rewrite_header(message.substr(p->header_start, p->body_start - p->header_start));
        const std::string encoded = text::base64_encode(message.substr(p->body_start, p->end - p->body_start));
        for (std::size_t i = 0; i < encoded.size(); i += 76) {
            out.append(encoded, i, 76);
            out += "\r\n";
        }
        done = p->end;
    }
    out.append(message, done);
    return out;
}

}  // namespace mr::imapd
