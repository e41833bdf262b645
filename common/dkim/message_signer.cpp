#include "common/dkim/message_signer.hpp"

#include <openssl/evp.h>

#include "common/dkim/base64.hpp"
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

Result<std::string> sha256(std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), out, &n, EVP_sha256(), nullptr) != 1) {
        return Error::internal("dkim: sha256 failed");
    }
    return std::string(reinterpret_cast<const char*>(out), n);
}

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

// Appends "tag=value;" to `field`, starting a new line (CRLF TAB) when the current one would
// pass 76 columns. Folding whitespace between tags is allowed anywhere (RFC 6376 §3.2).
void append_tag(std::string& field, std::size_t& column, std::string_view tag_and_value, bool last) {
    const std::size_t len = tag_and_value.size() + (last ? 0 : 1);
    if (column + 1 + len > 76) {
        field += "\r\n\t";
        column = 8;
    } else {
        field += ' ';
        column += 1;
    }
    field += tag_and_value;
    if (!last) field += ';';
    column += len;
}

// "h=a:b:c;" folded at its colons.
void append_header_list(std::string& field, std::size_t& column, std::string_view names) {
    std::string_view rest = names;
    std::string token = "h=";
    bool first = true;
    while (!rest.empty()) {
        const std::size_t colon = rest.find(':');
        const std::string_view piece = rest.substr(0, colon == std::string_view::npos ? rest.size() : colon + 1);
        rest.remove_prefix(piece.size());
        token += piece;
        if (rest.empty()) token += ';';
        const bool fits = column + token.size() + (first ? 1 : 0) <= 76;
        if (first || !fits) {
            if (!fits) {
                field += "\r\n\t";
                column = 8;
            } else {
                field += ' ';
                column += 1;
            }
        }
        field += token;
        column += token.size();
        token.clear();
        first = false;
    }
}

// b= value folded in pieces that fit the line.
std::string folded_signature(std::string_view b64, std::size_t column) {
    std::string out;
    while (!b64.empty()) {
        const std::size_t room = column < 72 ? 76 - column : 0;
        if (room == 0) {
            out += "\r\n\t";
            column = 8;
            continue;
        }
        const std::size_t n = std::min(room, b64.size());
        out += b64.substr(0, n);
        b64.remove_prefix(n);
        column += n;
        if (!b64.empty()) {
            out += "\r\n\t";
            column = 8;
        }
    }
    return out;
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

Result<std::string> MessageSigner::finish(std::span<const Signer> signers) {
    if (header_too_long_) return Error::refused("dkim: header section too long to sign");
    body_.finish();
    auto body_hash = body_hash_->final();
    if (!body_hash) return body_hash.error();
    const std::string bh = base64_encode(*body_hash);

    // Fields as they stand, top to bottom, with lower-case names.
    struct Field {
        std::string name;
        std::string_view raw_name, raw_value;
    };
    std::vector<Field> fields;
    mime::HeaderScanner scan(header_);
    while (auto f = scan.next()) fields.push_back({text::to_lower(f->name), f->name, f->raw_value});

    std::string h;
    std::string signed_part;  // the canonical fields, in h= order
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

    std::string out;
    for (const auto& s : signers) {
        std::string field = "DKIM-Signature:";
        std::size_t column = field.size();
        append_tag(field, column, "v=1", false);
        append_tag(field, column, "a=" + std::string(algorithm_tag(s.key->algorithm())), false);
        append_tag(field, column, "c=relaxed/relaxed", false);
        append_tag(field, column, "d=" + s.domain, false);
        append_tag(field, column, "s=" + s.selector, false);
        append_tag(field, column, "t=" + std::to_string(timestamp_), false);
        append_header_list(field, column, h);
        append_tag(field, column, "bh=" + bh, false);
        append_tag(field, column, "b=", true);

        auto header_hash_input = signed_part;
        std::string_view unsigned_field = field;
        unsigned_field.remove_prefix(std::string_view("DKIM-Signature:").size());
        std::string canonical = relaxed_header("DKIM-Signature", unsigned_field);
        canonical.resize(canonical.size() - 2);  // hashed without its CRLF (RFC 6376 §3.7)
        header_hash_input += canonical;

        Result<std::string> sig = s.key->algorithm() == Algorithm::Ed25519Sha256
                                      ? [&]() -> Result<std::string> {
                                            auto digest = sha256(header_hash_input);
                                            if (!digest) return digest.error();
                                            return s.key->sign(*digest);
                                        }()
                                      : s.key->sign(header_hash_input);
        if (!sig) return sig.error();
        field += folded_signature(base64_encode(*sig), column);
        field += "\r\n";
        out += field;
    }
    return out;
}

Result<std::string> sign_message(std::string_view message, std::span<const Signer> signers, std::int64_t timestamp) {
    MessageSigner signer(timestamp);
    signer.feed(message);
    return signer.finish(signers);
}

}  // namespace mr::dkim
