// What a Sieve script sees of one message (RFC 5228 §5): its header fields, envelope,
// size and body, read through the project's MIME parsers.
//
// Invariants:
//  - The view borrows the message bytes; the caller keeps them alive while scripts run.
//  - Header values for "header" are unfolded and RFC 2047-decoded (RFC 5228 §2.7.2);
//    "address" parses the unfolded value as an address list (common/mime/address_list).
//  - The MIME structure is parsed lazily, once, only when a body test asks for it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mime/header_parser.hpp"
#include "common/mime/message_structure.hpp"
#include "common/sieve/program.hpp"

namespace mr::sieve {

class MessageView {
public:
    explicit MessageView(std::string_view message);

    // The SMTP envelope (RFC 5228 §5.4): from is "" for the null reverse-path "<>".
    std::string envelope_from;
    std::string envelope_to;
    // RFC 5490 mailboxexists; unset means no mailbox exists.
    std::function<bool(std::string_view)> mailbox_exists;
    // RFC 5260: the clock (seconds since the epoch) for currentdate, and the local zone
    // (minutes east of UTC) dates are shown in without :zone.
    std::int64_t now = 0;
    int local_zone_minutes = 0;

    std::uint64_t size() const { return message_.size(); }
    std::size_t field_count() const { return fields_.size(); }
    // Unfolded values of every field named `name` (case-insensitive), in order.
    std::vector<std::string> raw_values(std::string_view name) const;
    // The same with RFC 2047 encoded words decoded.
    std::vector<std::string> decoded_values(std::string_view name) const;
    bool has_field(std::string_view name) const;
    // RFC 5173: the body parts a body test compares with its keys.
    std::vector<std::string> body(BodyTransform transform, const std::vector<std::string>& content_types) const;

private:
    std::string_view message_;
    std::vector<mr::mime::HeaderFieldView> fields_;
    std::size_t body_start_ = 0;
    mutable std::optional<mr::mime::MessageStructure> structure_;
};

}  // namespace mr::sieve
