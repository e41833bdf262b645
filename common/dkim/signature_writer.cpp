#include "common/dkim/signature_writer.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include "common/dkim/base64.hpp"
#include "common/dkim/canonicalization.hpp"

namespace mr::dkim {

namespace {

Result<std::string> sha256(std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), out, &n, EVP_sha256(), nullptr) != 1) {
        return Error::internal("dkim: sha256 failed");
    }
    return std::string(reinterpret_cast<const char*>(out), n);
}

// Appends "tag=value;" to `field`, starting a new line (CRLF TAB) when the current one would
// pass 76 columns.
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

SignatureWriter::SignatureWriter(std::string_view name)
    : name_(name), field_(std::string(name) + ":"), column_(field_.size()) {}

void SignatureWriter::tag(std::string_view tag_and_value) { append_tag(field_, column_, tag_and_value, false); }

void SignatureWriter::header_list(std::string_view names) { append_header_list(field_, column_, names); }

Result<std::string> SignatureWriter::sign(std::string signed_fields, const SigningKey& key) {
    append_tag(field_, column_, "b=", true);
    std::string canonical = relaxed_header(name_, std::string_view(field_).substr(name_.size() + 1));
    canonical.resize(canonical.size() - 2);  // hashed without its CRLF (RFC 6376 §3.7)
    signed_fields += canonical;
    Result<std::string> sig = key.algorithm() == Algorithm::Ed25519Sha256
                                  ? [&]() -> Result<std::string> {
                                        auto digest = sha256(signed_fields);
                                        if (!digest) return digest.error();
                                        return key.sign(*digest);
                                    }()
                                  : key.sign(signed_fields);
    if (!sig) return sig.error();
    field_ += folded_signature(base64_encode(*sig), column_);
    field_ += "\r\n";
    return std::move(field_);
}

}  // namespace mr::dkim
