#include "common/dkim/sign_message.hpp"

#include "common/dkim/message_signer.hpp"

namespace mr::dkim {

Result<std::string> sign_message(SignerCache& keys, const std::string& domain, std::string_view message,
                                 std::int64_t now) {
    auto signers = keys.signers(domain);
    if (!signers) return signers.error();
    if (signers->empty()) return std::string();
    MessageSigner signer(now);
    signer.feed(message);
    return signer.finish(*signers);
}

}  // namespace mr::dkim
