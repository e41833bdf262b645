// The one entry point storage uses at delivery: parse a whole message once and
// return the compact serialised structure the mailbox index caches (envelope,
// body structure, byte offsets of every part), so IMAP never re-parses a message.
#pragma once

#include <string>
#include <string_view>

namespace mr::mime {

// Never fails: malformed input yields the structure a lenient reader would see.
// = serialize(parse_message(message)); read it back with mr::mime::deserialize()
// from common/mime/message_structure.hpp (the blob starts with a version byte).
std::string structure_blob(std::string_view message);

}  // namespace mr::mime
