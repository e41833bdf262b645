#include "smtpd/server/dkim_signing.hpp"

#include <fstream>

#include "common/text/ascii.hpp"
#include "smtpd/proto/header_from.hpp"

namespace mr::smtpd::server {

namespace {

std::string signing_domain(std::string_view header) {
    const auto from = header_from(header);
    if (from.addresses.empty()) return {};
    const auto& address = from.addresses.front();
    return text::to_lower(std::string_view(address).substr(address.rfind('@') + 1));
}

Result<SigningOutcome> finish(dkim::SignerCache& keys, dkim::MessageSigner& signer) {
    SigningOutcome out;
    out.domain = signing_domain(signer.header());
    if (out.domain.empty()) return out;
    auto signers = keys.signers(out.domain);
    if (!signers) return signers.error();
    if (signers->empty()) return out;
    auto fields = signer.finish(*signers);
    if (!fields) return fields.error();
    out.fields = std::move(*fields);
    return out;
}

}  // namespace

Result<SigningOutcome> dkim_sign(dkim::SignerCache& keys, std::string_view message, std::time_t now) {
    dkim::MessageSigner signer(now);
    signer.feed(message);
    return finish(keys, signer);
}

Result<SigningOutcome> dkim_sign_spool(dkim::SignerCache& keys, storage::QueueSpool& spool, std::time_t now) {
    dkim::MessageSigner signer(now);
    std::ifstream in(spool.path(), std::ios::binary);
    if (!in) return Error::internal("cannot read spool " + spool.path().string());
    std::string buffer(64 * 1024, '\0');
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        signer.feed(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
    }
    if (in.bad()) return Error::internal("cannot read spool " + spool.path().string());
    auto out = finish(keys, signer);
    if (!out || out->fields.empty()) return out;
    if (auto r = spool.prepend(out->fields); !r) return r.error();
    return out;
}

}  // namespace mr::smtpd::server
