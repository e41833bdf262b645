// BINARY sections; see binary_section.hpp.
#include "imapd/render/binary_section.hpp"

namespace mr::imapd {

BinaryPlan plan_binary(const mime::MessageStructure& structure, const std::vector<std::uint32_t>& part) {
    BinaryPlan plan;
    Section body;
    body.part = part;
    plan.range = locate_section(structure, body);
    if (part.empty()) return plan;  // BINARY[]: the message as it is
    const mime::Part* p = find_part(structure, part);
    if (!p || p->kind != mime::PartKind::Leaf) return plan;
    const auto cte = mime::parse_transfer_encoding(p->encoding);
    if (cte == mime::TransferEncoding::Unknown) plan.unknown_cte = true;
    plan.as_stored = cte == mime::TransferEncoding::Binary;
    if (cte == mime::TransferEncoding::Base64 || cte == mime::TransferEncoding::QuotedPrintable) plan.decode = cte;
    return plan;
}

std::string decode_binary(const BinaryPlan& plan, std::string wire) {
    if (plan.decode != mime::TransferEncoding::Base64 && plan.decode != mime::TransferEncoding::QuotedPrintable)
        return wire;
    return mime::decode_transfer(plan.decode, wire);
}

bool needs_literal8(std::string_view content) {
    for (std::size_t i = 0; i < content.size(); ++i) {
        const char c = content[i];
        if (c == '\0') return true;
        if (c == '\r' && (i + 1 == content.size() || content[i + 1] != '\n')) return true;
        if (c == '\n' && (i == 0 || content[i - 1] != '\r')) return true;
    }
    return false;
}

void append_binary_name(std::string& out, const BodySection& bs, bool size) {
    out += size ? "BINARY.SIZE[" : "BINARY[";
    for (std::size_t i = 0; i < bs.section.part.size(); ++i) {
        if (i) out += '.';
        out += std::to_string(bs.section.part[i]);
    }
    out += ']';
    if (!size && bs.partial) {
        out += '<';
        out += std::to_string(bs.partial->offset);
        out += '>';
    }
}

}  // namespace mr::imapd
