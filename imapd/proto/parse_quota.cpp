// The QUOTA commands (RFC 9208 §7, rfc9208.txt:665) and COMPRESS (RFC 4978 §5,
// rfc4978.txt:310): small grammars of the extensions this file's session handlers answer
// (session_quota.cpp, session_compress.cpp).
#include <string>
#include <utility>

#include "imapd/proto/parse_internal.hpp"

namespace mr::imapd::detail {

// getquota = "GETQUOTA" SP quota-root-name; quota-root-name = astring
Result<CommandArgs> parse_getquota(ArgCursor& in) {
    GetQuotaCmd cmd;
    auto root = in.astring("quota root name");
    if (!root) return root.error();
    cmd.root = std::move(*root);
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

// getquotaroot = "GETQUOTAROOT" SP mailbox
Result<CommandArgs> parse_getquotaroot(ArgCursor& in) {
    GetQuotaRootCmd cmd;
    auto mailbox = in.mailbox("mailbox name");
    if (!mailbox) return mailbox.error();
    cmd.mailbox = std::move(*mailbox);
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

// setquota = "SETQUOTA" SP quota-root-name SP setquota-list
// setquota-list = "(" [setquota-resource *(SP setquota-resource)] ")"
// setquota-resource = resource-name SP resource-limit; resource-limit = number64
Result<CommandArgs> parse_setquota(ArgCursor& in) {
    SetQuotaCmd cmd;
    auto root = in.astring("quota root name");
    if (!root) return root.error();
    cmd.root = std::move(*root);
    if (auto r = in.sp(); !r) return r.error();
    if (auto r = in.expect('(', "( before resource limits"); !r) return r.error();
    if (!in.eat(')')) {
        while (true) {
            auto name = in.atom("resource name");
            if (!name) return name.error();
            if (auto r = in.sp(); !r) return r.error();
            auto limit = in.number64("resource limit");
            if (!limit) return limit.error();
            cmd.limits.emplace_back(std::string(*name), *limit);
            if (in.eat(')')) break;
            if (auto r = in.sp(); !r) return r.error();
        }
    }
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

// command-auth =/ compress; compress = "COMPRESS" SP algorithm; algorithm = "DEFLATE"
// (any atom is read: an unknown one is the session's NO, not a syntax error).
Result<CommandArgs> parse_compress(ArgCursor& in) {
    CompressCmd cmd;
    auto mechanism = in.atom("compression mechanism");
    if (!mechanism) return mechanism.error();
    cmd.mechanism = std::string(*mechanism);
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

}  // namespace mr::imapd::detail
