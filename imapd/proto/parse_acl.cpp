// The ACL commands of RFC 4314 §3 (formal syntax: RFC 4314 §7): GETACL, SETACL,
// DELETEACL, LISTRIGHTS, MYRIGHTS. Identifiers and rights are astrings; SETACL's rights
// ("+"/"-" prefix allowed) are parsed here, so an unknown right is a BAD naming it.
#include <string>
#include <utility>

#include "imapd/proto/parse_internal.hpp"

namespace mr::imapd::detail {

namespace {

// mailbox [SP identifier]: the arguments every ACL command starts with.
Result<std::pair<std::string, std::string>> mailbox_and(ArgCursor& in, bool with_identifier) {
    auto mailbox = in.mailbox("mailbox name");
    if (!mailbox) return mailbox.error();
    std::string identifier;
    if (with_identifier) {
        if (auto r = in.sp(); !r) return r.error();
        auto id = in.astring("identifier");
        if (!id) return id.error();
        if (id->empty()) return Error::syntax("empty identifier");
        identifier = std::move(*id);
    }
    return std::pair{std::move(*mailbox), std::move(identifier)};
}

}  // namespace

// getacl = "GETACL" SP mailbox
Result<CommandArgs> parse_getacl(ArgCursor& in) {
    auto args = mailbox_and(in, false);
    if (!args) return args.error();
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{GetAclCmd{std::move(args->first)}};
}

// myrights = "MYRIGHTS" SP mailbox
Result<CommandArgs> parse_myrights(ArgCursor& in) {
    auto args = mailbox_and(in, false);
    if (!args) return args.error();
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{MyRightsCmd{std::move(args->first)}};
}

// setacl = "SETACL" SP mailbox SP identifier SP mod-rights; mod-rights = astring
Result<CommandArgs> parse_setacl(ArgCursor& in) {
    auto args = mailbox_and(in, true);
    if (!args) return args.error();
    if (auto r = in.sp(); !r) return r.error();
    auto rights = in.astring("rights");
    if (!rights) return rights.error();
    auto change = text::parse_acl_change(*rights);
    if (!change) return change.error();
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{SetAclCmd{std::move(args->first), std::move(args->second), change.value()}};
}

// deleteacl = "DELETEACL" SP mailbox SP identifier
Result<CommandArgs> parse_deleteacl(ArgCursor& in) {
    auto args = mailbox_and(in, true);
    if (!args) return args.error();
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{DeleteAclCmd{std::move(args->first), std::move(args->second)}};
}

// listrights = "LISTRIGHTS" SP mailbox SP identifier
Result<CommandArgs> parse_listrights(ArgCursor& in) {
    auto args = mailbox_and(in, true);
    if (!args) return args.error();
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{ListRightsCmd{std::move(args->first), std::move(args->second)}};
}

}  // namespace mr::imapd::detail
