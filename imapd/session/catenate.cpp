// CATENATE message building; see catenate.hpp.
#include "imapd/session/catenate.hpp"

#include <optional>

#include "common/mime/message_structure.hpp"
#include "common/text/ascii.hpp"
#include "imapd/proto/imap_url.hpp"
#include "imapd/render/section.hpp"

namespace mr::imapd::session {

namespace {

// The content a URL names, or nullopt when it names nothing of this user's.
std::optional<std::string> resolve(storage::MailboxStore& store, std::string_view user, std::string_view text) {
    auto url = parse_imap_url(text);
    if (!url) return std::nullopt;
    if (url->user && !text::iequals(*url->user, user)) return std::nullopt;
    auto box = store.mailbox(url->mailbox);
    if (!box) return std::nullopt;
    if (url->uidvalidity && *url->uidvalidity != box->uidvalidity) return std::nullopt;
    const std::uint32_t uid = url->uid;
    auto records = store.messages(url->mailbox, std::span<const std::uint32_t>(&uid, 1));
    if (!records || records->empty()) return std::nullopt;
    auto structure = mime::deserialize(records->front().structure);
    if (!structure) return std::nullopt;
    auto bytes = store.read_message(url->mailbox, uid);
    if (!bytes) return std::nullopt;
    return fetch_section(*bytes, *structure, url->section, url->partial);
}

}  // namespace

std::variant<std::string, BadUrl, TooBig> build_catenated(storage::MailboxStore& store, std::string_view user,
                                                          const std::vector<CatenatePart>& parts,
                                                          std::uint64_t max_size) {
    std::string message;
    for (const CatenatePart& part : parts) {
        if (!part.is_url) {
            message += part.data;
        } else {
            auto content = resolve(store, user, part.data);
            if (!content) return BadUrl{part.data};
            message += *content;
        }
        if (message.size() > max_size) return TooBig{};
    }
    return message;
}

}  // namespace mr::imapd::session
