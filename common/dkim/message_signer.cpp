#include "common/dkim/message_signer.hpp"

#include <openssl/evp.h>

#include "common/dkim/base64.hpp"
#include "common/dkim/signature_writer.hpp"
#include "common/mime/header_parser.hpp"
#include "common/text/ascii.hpp"

namespace mr::dkim {

struct MessageSigner::Hash {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1;
    ~Hash() { EVP_MD_CTX_free(ctx); }
    void update(std::string_view b) {
        if (ok && !b.empty()) ok = EVP_DigestUpdate(ctx, b.data(), b.size()) == 1;
    }
    Result<std::string> final() {
        unsigned char out[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (!ok || EVP_DigestFinal_ex(ctx, out, &n) != 1) return Error::internal("dkim: sha256 failed");
        return std::string(reinterpret_cast<const char*>(out), n);
    }
};

namespace {

// The end of the header block (just after its empty line) or npos; line ends are LF with an
// optional CR. Only LFs at or after `from` are looked at.
std::size_t header_end(std::string_view h, std::size_t from) {
    if (from == 0 && h.starts_with("\r\n")) return 2;
    if (from == 0 && h.starts_with("\n")) return 1;
    for (std::size_t i = h.find('\n', from); i != std::string_view::npos; i = h.find('\n', i + 1)) {
        if (i + 1 < h.size() && h[i + 1] == '\n') return i + 2;
        if (i + 2 < h.size() && h[i + 1] == '\r' && h[i + 2] == '\n') return i + 3;
    }
    return std::string_view::npos;
}

}  // namespace

MessageSigner::MessageSigner(std::int64_t timestamp)
    : timestamp_(timestamp),
      body_hash_(std::make_unique<Hash>()),
      body_(Canon::Relaxed, [this](std::string_view b) { body_hash_->update(b); }) {}

MessageSigner::~MessageSigner() = default;

void MessageSigner::feed(std::string_view bytes) {
    if (in_body_) return feed_body(bytes);
    if (header_too_long_) return;
    // The empty line may straddle two chunks: look again from just before the new bytes.
    const std::size_t resume = header_.size() >= 2 ? header_.size() - 2 : 0;
    header_ += bytes;
    const std::size_t end = header_end(header_, resume);
    if (end == std::string_view::npos) {
        if (header_.size() > kMaxHeaderBytes) {
            header_too_long_ = true;
            header_ = std::string();
        }
        return;
    }
    in_body_ = true;
    const std::string body_part = header_.substr(end);
    header_.resize(end);
    feed_body(body_part);
}

void MessageSigner::feed_body(std::string_view bytes) { body_.feed(bytes); }

// What every signature of this message shares: the body hash and the fields h= names.
struct MessageSigner::Prepared {
    std::string bh;           // base64
    std::string h;            // h= value
    std::string signed_part;  // the canonical fields, in h= order
};

Result<MessageSigner::Prepared> MessageSigner::prepare() {
    if (header_too_long_) return Error::refused("dkim: header section too long to sign");
    body_.finish();
    auto body_hash = body_hash_->final();
    if (!body_hash) return body_hash.error();
    Prepared p;
    p.bh = base64_encode(*body_hash);

    // Fields as they stand, top to bottom, with lower-case names.
    struct Field {
        std::string name;
        std::string_view raw_name, raw_value;
    };
    std::vector<Field> fields;
    mime::HeaderScanner scan(header_);
    while (auto f = scan.next()) fields.push_back({text::to_lower(f->name), f->name, f->raw_value});

    std::string& h = p.h;
    std::string& signed_part = p.signed_part;
    for (std::string_view name : kSignedFields) {
        std::size_t count = 0;
        // Instances are taken from the bottom up (RFC 6376 §5.4.2, rfc6376.txt:2317).
        for (auto it = fields.rbegin(); it != fields.rend(); ++it) {
            if (it->name != name) continue;
            ++count;
            signed_part += relaxed_header(it->raw_name, it->raw_value);
        }
        const std::size_t listed = count + (name == "from" ? 1 : 0);
        for (std::size_t i = 0; i < listed; ++i) {
            if (!h.empty()) h += ':';
            h += name;
        }
    }
    return p;
}

// One signature field: `name`, then `first_tag` (v=1, or an ARC i=), then the tags DKIM
// and the ARC-Message-Signature share.
Result<std::string> MessageSigner::signature_field(std::string_view name, std::string_view first_tag,
                                                   const Signer& s, const Prepared& p) const {
    SignatureWriter field(name);
    field.tag(first_tag);
    field.tag("a=" + std::string(algorithm_tag(s.key->algorithm())));
    field.tag("c=relaxed/relaxed");
    field.tag("d=" + s.domain);
    field.tag("s=" + s.selector);
    field.tag("t=" + std::to_string(timestamp_));
    field.header_list(p.h);
    field.tag("bh=" + p.bh);
    return field.sign(p.signed_part, *s.key);
}

Result<std::string> MessageSigner::finish(std::span<const Signer> signers) {
    auto p = prepare();
    if (!p) return p.error();
    std::string out;
    for (const auto& s : signers) {
        auto field = signature_field("DKIM-Signature", "v=1", s, *p);
        if (!field) return field.error();
        out += *field;
    }
    return out;
}

Result<std::string> MessageSigner::finish_arc(const Signer& signer, std::uint32_t instance) {
    auto p = prepare();
    if (!p) return p.error();
    return signature_field("ARC-Message-Signature", "i=" + std::to_string(instance), signer, *p);
}

Result<std::string> sign_message(std::string_view message, std::span<const Signer> signers, std::int64_t timestamp) {
    MessageSigner signer(timestamp);
    signer.feed(message);
    return signer.finish(signers);
}

}  // namespace mr::dkim
