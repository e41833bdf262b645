// What a Sieve script sees of one message (RFC 5228 §5): its header fields, envelope,
// size and body, read through the project's MIME parsers.
//
// Invariants:
//  - The view borrows the message bytes; the caller keeps them alive while scripts run.
//  - Header values for "header" are unfolded and RFC 2047-decoded (RFC 5228 §2.7.2);
//    "address" parses the unfolded value as an address list (common/mime/address_list).
//  - The MIME structure is parsed lazily, once, only when a body test asks for it.
//  - RFC 5293 editheader changes the view's field list (tests see the edited header);
//    added fields' text is owned through shared pointers, so a copy's views stay valid.
//    rendered() is the message with the edited header: each kept field's bytes as they
//    were, each added one as written, CRLF after each, then the original body.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
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

    // RFC 5293: a new field at the top (or, `last`, at the end of the header); `value`
    // is written as is (the caller encodes it).
    void add_field(std::string_view name, std::string_view value, bool last);
    // Removes the fields named `name` for which remove(occurrence, count, decoded value)
    // is true: occurrence counts the fields of that name from 1, top down, of `count`.
    // Returns how many went.
    std::size_t delete_fields(std::string_view name,
                              const std::function<bool(std::size_t, std::size_t, const std::string&)>& remove);
    bool edited() const { return edited_; }
    std::string rendered() const;

private:
    std::string_view message_;
    std::vector<mr::mime::HeaderFieldView> fields_;  // offset npos: added by a script
    std::vector<std::shared_ptr<const std::string>> added_;
    bool edited_ = false;
    std::size_t body_start_ = 0;
    mutable std::optional<mr::mime::MessageStructure> structure_;
};

}  // namespace mr::sieve
