#include "common/mime/message_parser.hpp"

#include <array>

#include "common/mime/header_parser.hpp"
#include "common/mime/line_index.hpp"
#include "common/mime/multipart.hpp"
#include "common/mime/rfc822_lexer.hpp"
#include "common/mime/transfer_decoding.hpp"

namespace mr::mime {
namespace {

// The header fields the structure keeps; the first occurrence of each wins.
enum Field : std::size_t {
    kContentType, kContentTransferEncoding, kContentId, kContentDescription,
    kContentDisposition, kContentLanguage, kContentLocation, kContentMd5,
    kDate, kSubject, kFrom, kSender, kReplyTo, kTo, kCc, kBcc, kInReplyTo, kMessageId,
    kFieldCount
};

constexpr std::array<std::string_view, kFieldCount> kFieldNames = {
    "content-type", "content-transfer-encoding", "content-id", "content-description",
    "content-disposition", "content-language", "content-location", "content-md5",
    "date", "subject", "from", "sender", "reply-to", "to", "cc", "bcc", "in-reply-to",
    "message-id"};

struct Fields {
    std::array<std::optional<std::string_view>, kFieldCount> raw;  // raw values
    std::size_t body_start = 0;

    std::optional<std::string> text(Field f) const {
        if (!raw[f]) return std::nullopt;
        return unfold(*raw[f]);
    }
};

Fields collect(std::string_view msg, std::size_t start, std::size_t end) {
    Fields f;
    HeaderScanner scanner(msg, start, end);
    while (auto field = scanner.next()) {
        for (std::size_t k = 0; k < kFieldCount; ++k) {
            if (!f.raw[k] && header_name_equals(field->name, kFieldNames[k])) {
                f.raw[k] = field->raw_value;
                break;
            }
        }
    }
    f.body_start = scanner.body_start();
    return f;
}

std::vector<Address> addresses(const Fields& f, Field which) {
    auto v = f.text(which);
    return v ? parse_address_list(*v) : std::vector<Address>{};
}

Envelope envelope_of(const Fields& f) {
    Envelope e;
    e.date = f.text(kDate);
    e.subject = f.text(kSubject);
    e.in_reply_to = f.text(kInReplyTo);
    e.message_id = f.text(kMessageId);
    e.from = addresses(f, kFrom);
    e.sender = addresses(f, kSender);
    e.reply_to = addresses(f, kReplyTo);
    e.to = addresses(f, kTo);
    e.cc = addresses(f, kCc);
    e.bcc = addresses(f, kBcc);
    // RFC 3501 §7.4.2 (rfc3501.txt:4336): absent or empty Sender / Reply-To take From.
    if (e.sender.empty()) e.sender = e.from;
    if (e.reply_to.empty()) e.reply_to = e.from;
    return e;
}

// First token of a field such as Content-Transfer-Encoding: "base64 (comment)" -> "base64".
std::string first_token(std::string_view v) {
    std::size_t pos = lex::skip_cfws(v, 0);
    const std::size_t b = pos;
    while (pos < v.size() && !lex::is_space(v[pos]) && v[pos] != '(' && v[pos] != ';') ++pos;
    return std::string(v.substr(b, pos - b));
}

// RFC 3282 Content-Language: a comma-separated list of language tags with CFWS.
std::vector<std::string> language_tags(std::string_view v) {
    std::vector<std::string> tags;
    std::size_t pos = 0;
    while (pos < v.size()) {
        pos = lex::skip_cfws(v, pos);
        const std::size_t b = pos;
        while (pos < v.size() && v[pos] != ',' && v[pos] != '(' && !lex::is_space(v[pos])) ++pos;
        if (pos > b) tags.emplace_back(v.substr(b, pos - b));
        else if (pos < v.size()) ++pos;  // "," or a stray byte
    }
    return tags;
}

class Parser {
public:
    Parser(std::string_view msg, const ParseLimits& limits)
        : msg_(msg), limits_(limits), lines_(msg) {}

    Part parse_part(std::size_t start, std::size_t end, int depth, bool in_digest,
                    Envelope* envelope_out) {
        ++parts_;
        const Fields f = collect(msg_, start, end);
        if (envelope_out) *envelope_out = envelope_of(f);

        Part p;
        p.header_start = start;
        p.body_start = f.body_start;
        p.end = end;
        p.body_lines = lines_.lines(p.body_start, p.end);
        p.header_extra = lines_.imap_extra(p.header_start, p.body_start);
        p.body_extra = lines_.imap_extra(p.body_start, p.end);
        fill_content_fields(p, f, in_digest);

        const bool room = depth < limits_.max_depth && parts_ < limits_.max_parts;
        if (p.type == "multipart" && room) {
            parse_multipart(p, depth);
        } else if (p.type == "message" && (p.subtype == "rfc822" || p.subtype == "global") &&
                   room && embeddable(p.encoding)) {
            // RFC 2046 §5.2.1 (rfc2046.txt:1559); message/global is RFC 6532's UTF-8 twin
            // and IMAP4rev2 renders it the same way (RFC 9051 media-message).
            Envelope env;
            p.children.push_back(parse_part(p.body_start, p.end, depth + 1, false, &env));
            p.envelope = std::move(env);
            p.kind = PartKind::Message;
        }
        return p;
    }

private:
    static bool embeddable(std::string_view encoding) {
        // rfc2046.txt:1582: only 7bit, 8bit or binary; an encoded one stays opaque.
        const TransferEncoding e = parse_transfer_encoding(encoding);
        return e == TransferEncoding::SevenBit || e == TransferEncoding::EightBit ||
               e == TransferEncoding::Binary;
    }

    void fill_content_fields(Part& p, const Fields& f, bool in_digest) {
        ContentType ct;
        if (f.raw[kContentType]) ct = parse_content_type(*f.text(kContentType));
        if (ct.valid()) {
            p.type = std::move(ct.type);
            p.subtype = std::move(ct.subtype);
            p.params = std::move(ct.params);
        } else if (in_digest && !f.raw[kContentType]) {
            p.type = "message";  // rfc2046.txt:1446: the digest default
            p.subtype = "rfc822";
        } else {
            p.params.push_back(Param{"charset", "us-ascii", false});  // rfc2045.txt:741
        }
        p.id = f.text(kContentId);
        p.description = f.text(kContentDescription);
        if (f.raw[kContentTransferEncoding]) p.encoding = first_token(*f.raw[kContentTransferEncoding]);
        p.md5 = f.text(kContentMd5);
        if (f.raw[kContentDisposition]) {
            ContentDisposition cd = parse_content_disposition(*f.text(kContentDisposition));
            if (!cd.type.empty()) p.disposition = Disposition{std::move(cd.type), std::move(cd.params)};
        }
        if (f.raw[kContentLanguage]) p.language = language_tags(*f.text(kContentLanguage));
        p.location = f.text(kContentLocation);
    }

    void parse_multipart(Part& p, int depth) {
        const Param* boundary = find_param(p.params, "boundary");
        MultipartSplit split;
        if (boundary) {
            split = split_multipart(msg_, p.body_start, p.end, boundary->value,
                                    limits_.max_parts - parts_);
        }
        const bool digest = p.subtype == "digest";
        for (const BodyPartRange& r : split.parts) {
            if (parts_ >= limits_.max_parts) break;
            p.children.push_back(parse_part(r.start, r.end, depth + 1, digest, nullptr));
        }
        if (p.children.empty()) {
            // No part found (no boundary, or it never occurs): one empty text/plain
            // child at the end of the body keeps BODYSTRUCTURE renderable, as
            // Dovecot's imap-bodystructure does for the same case.
            Part empty;
            empty.header_start = empty.body_start = empty.end = p.end;
            empty.params.push_back(Param{"charset", "us-ascii", false});
            p.children.push_back(std::move(empty));
        }
        p.kind = PartKind::Multipart;
    }

    std::string_view msg_;
    ParseLimits limits_;
    LineIndex lines_;
    std::size_t parts_ = 0;
};

}  // namespace

MessageStructure parse_message(std::string_view message, const ParseLimits& limits) {
    MessageStructure s;
    s.size = message.size();
    Parser parser(message, limits);
    s.root = parser.parse_part(0, message.size(), 0, false, &s.envelope);
    return s;
}

Envelope parse_envelope(std::string_view message, std::size_t header_start, std::size_t header_end) {
    return envelope_of(collect(message, header_start, header_end));
}

}  // namespace mr::mime
