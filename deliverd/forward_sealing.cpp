#include "deliverd/forward_sealing.hpp"

#include "common/log/log.hpp"
#include "common/mailauth/arc_seal.hpp"
#include "common/text/ascii.hpp"

namespace mr::deliverd {

std::optional<std::string> ForwardSealer::seal(std::string_view message, std::string_view forwarded_by,
                                               std::string_view queue_id, std::int64_t now) const {
    const auto at = forwarded_by.rfind('@');
    const std::string domain = text::to_lower(at == std::string_view::npos ? std::string_view{} : forwarded_by.substr(at + 1));
    auto not_sealed = [&](std::string_view why) -> std::optional<std::string> {
        log::info("arc_not_sealed", {log::qid(queue_id), {"domain", domain}, {"reason", std::string(why)}});
        return std::nullopt;
    };
    auto signers = keys_->signers(domain);
    if (!signers) return not_sealed("cannot read the DKIM keys: " + signers.error().message);
    const dkim::Signer* signer = mailauth::arc_signer(*signers);
    if (signer == nullptr) return not_sealed("no rsa-sha256 DKIM key");
    auto sealed = mailauth::arc_seal({message, authserv_id_, signer, now});
    if (!sealed) return not_sealed(sealed.error().message);
    if (sealed->fields.empty()) return not_sealed(sealed->skipped);
    log::info("arc_sealed", {log::qid(queue_id), {"domain", domain}, {"i", sealed->instance},
                             {"cv", sealed->cv}});
    std::string out;
    out.reserve(sealed->fields.size() + message.size());
    out = std::move(sealed->fields);
    out += message;
    return out;
}

}  // namespace mr::deliverd
