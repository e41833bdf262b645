// Grammars of the mailbox commands with options: LIST/LSUB (RFC 3501 §6.3.8-9,
// LIST-EXTENDED RFC 5258 §6, SPECIAL-USE RFC 6154 §6, LIST-STATUS RFC 5819), STATUS
// (§6.3.10), CREATE with USE (RFC 4466 §3 create-params, RFC 6154 §6) and APPEND
// (§6.3.11, rfc3501.txt:4547).
#include <string>
#include <utility>

#include "imapd/proto/parse_internal.hpp"

namespace mr::imapd::detail {

namespace {

// status-att (rfc3501.txt:5047); HIGHESTMODSEQ (RFC 7162 §3.1.8), SIZE and DELETED
// (RFC 9051 §9 status-att), APPENDLIMIT (RFC 7889 §3.1) are parsed so the session can
// answer or refuse them.
Result<StatusItem> status_item(ArgCursor& in) {
    struct Name {
        std::string_view text;
        StatusItem item;
    };
    static constexpr Name kItems[] = {
        {"MESSAGES", StatusItem::Messages},   {"RECENT", StatusItem::Recent},
        {"UIDNEXT", StatusItem::UidNext},     {"UIDVALIDITY", StatusItem::UidValidity},
        {"UNSEEN", StatusItem::Unseen},       {"HIGHESTMODSEQ", StatusItem::HighestModSeq},
        {"SIZE", StatusItem::Size},           {"DELETED", StatusItem::Deleted},
        {"APPENDLIMIT", StatusItem::AppendLimit},
        {"DELETED-STORAGE", StatusItem::DeletedStorage},  // RFC 9208 §4.1.4 (QUOTA=RES-STORAGE)
        {"MAILBOXID", StatusItem::MailboxId},             // RFC 8474 §4.3 (OBJECTID)
    };
    for (const auto& n : kItems) {
        if (in.eat_keyword(n.text)) return n.item;
    }
    return syntax_error("status item");
}

// "(" status-att *(SP status-att) ")"
Result<std::vector<StatusItem>> status_items(ArgCursor& in) {
    std::vector<StatusItem> items;
    if (auto r = in.expect('(', "( before status items"); !r) return r.error();
    while (true) {
        auto item = status_item(in);
        if (!item) return item.error();
        items.push_back(*item);
        if (in.eat(')')) return items;
        if (auto r = in.sp(); !r) return syntax_error("SP or ) in status items");
    }
}

// list-select-opts (rfc5258.txt:1127): every option name, "(" [opt *(SP opt)] ")".
Result<void> select_options(ArgCursor& in, ListCmd& cmd) {
    if (auto r = in.expect('(', "list selection options"); !r) return r;
    bool base = false;
    bool modifier = false;
    while (!in.eat(')')) {
        if (in.eat_keyword("SUBSCRIBED")) {
            cmd.select_subscribed = base = true;
        } else if (in.eat_keyword("REMOTE")) {
            cmd.select_remote = true;
        } else if (in.eat_keyword("RECURSIVEMATCH")) {
            cmd.select_recursive_match = modifier = true;
        } else if (in.eat_keyword("SPECIAL-USE")) {
            cmd.select_special_use = base = true;
        } else {
            // RFC 5258 §3 (rfc5258.txt:261): unknown options get BAD.
            return syntax_error("list selection option");
        }
        if (in.peek() != ')') {
            if (auto r = in.sp(); !r) return syntax_error("SP or ) in selection options");
        }
    }
    // RECURSIVEMATCH needs a base option (rfc5258.txt:1134).
    if (modifier && !base) return Error::syntax("RECURSIVEMATCH needs another selection option");
    return {};
}

// list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")".
Result<void> return_options(ArgCursor& in, ListCmd& cmd) {
    if (auto r = in.expect('(', "list return options"); !r) return r;
    while (!in.eat(')')) {
        if (in.eat_keyword("SUBSCRIBED")) {
            cmd.return_subscribed = true;
        } else if (in.eat_keyword("CHILDREN")) {
            cmd.return_children = true;
        } else if (in.eat_keyword("SPECIAL-USE")) {
            cmd.return_special_use = true;
        } else if (in.eat_keyword("STATUS")) {
            if (auto r = in.sp(); !r) return r;
            auto items = status_items(in);
            if (!items) return items.error();
            cmd.return_status = std::move(*items);
        } else {
            return syntax_error("list return option");
        }
        if (in.peek() != ')') {
            if (auto r = in.sp(); !r) return syntax_error("SP or ) in return options");
        }
    }
    return {};
}

}  // namespace

// list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
// (rfc5258.txt:1095); lsub = "LSUB" SP mailbox SP list-mailbox (rfc3501.txt:4806).
Result<CommandArgs> parse_list(ArgCursor& in, bool lsub) {
    ListCmd cmd;
    cmd.lsub = lsub;
    if (!lsub && in.peek() == '(') {
        cmd.extended = true;
        if (auto r = select_options(in, cmd); !r) return r.error();
        if (auto r = in.sp(); !r) return r.error();
    }
    auto reference = in.mailbox("reference name");
    if (!reference) return reference.error();
    cmd.reference = std::move(*reference);
    if (auto r = in.sp(); !r) return r.error();
    if (!lsub && in.eat('(')) {
        // patterns = "(" list-mailbox *(SP list-mailbox) ")" (rfc5258.txt:1196)
        cmd.extended = true;
        while (true) {
            auto p = in.list_mailbox("mailbox pattern");
            if (!p) return p.error();
            cmd.patterns.push_back(std::move(*p));
            if (in.eat(')')) break;
            if (auto r = in.sp(); !r) return syntax_error("SP or ) in pattern list");
        }
    } else {
        auto p = in.list_mailbox("mailbox pattern");
        if (!p) return p.error();
        cmd.patterns.push_back(std::move(*p));
    }
    if (!lsub && in.eat(' ')) {
        if (!in.eat_keyword("RETURN")) return syntax_error("RETURN");
        cmd.extended = true;
        if (auto r = in.sp(); !r) return r.error();
        if (auto r = return_options(in, cmd); !r) return r.error();
    }
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

// status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")" (rfc3501.txt:5036).
Result<CommandArgs> parse_status(ArgCursor& in) {
    StatusCmd cmd;
    auto m = in.mailbox("mailbox name");
    if (!m) return m.error();
    cmd.mailbox = std::move(*m);
    if (auto r = in.sp(); !r) return r.error();
    auto items = status_items(in);
    if (!items) return items.error();
    cmd.items = std::move(*items);
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

// create = "CREATE" SP mailbox [create-params] (RFC 4466 §3, rfc4466.txt:500);
// create-param =/ "USE" SP "(" [use-attr *(SP use-attr)] ")" (RFC 6154 §6, rfc6154.txt:468).
Result<CommandArgs> parse_create(ArgCursor& in) {
    CreateCmd cmd;
    auto m = in.mailbox("mailbox name");
    if (!m) return m.error();
    cmd.mailbox = std::move(*m);
    if (in.eat(' ')) {
        if (auto r = in.expect('(', "( before CREATE parameters"); !r) return r.error();
        while (true) {
            if (!in.eat_keyword("USE")) return syntax_error("CREATE parameter USE");
            if (auto r = in.sp(); !r) return r.error();
            if (auto r = in.expect('(', "( before special-use attributes"); !r) return r.error();
            while (!in.eat(')')) {
                if (auto r = in.expect('\\', "special-use attribute"); !r) return r.error();
                auto attr = in.atom("special-use attribute");
                if (!attr) return attr.error();
                cmd.special_use.push_back("\\" + std::string(*attr));
                if (in.peek() != ')') {
                    if (auto r = in.sp(); !r) return syntax_error("SP or ) in USE list");
                }
            }
            if (in.eat(')')) break;
            if (auto r = in.sp(); !r) return syntax_error("SP or ) in CREATE parameters");
        }
    }
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

// append = "APPEND" SP mailbox 1*append-message; append-message = append-opts SP
// append-data; append-opts = [SP flag-list] [SP date-time] (RFC 3502 §6, MULTIAPPEND;
// one message: rfc3501.txt:4547). `messages` gets each message's literal.
// append-data =/ "CATENATE" SP "(" cat-part *(SP cat-part) ")"; cat-part = text-literal
// / url; text-literal = "TEXT" SP literal; url = "URL" SP astring (RFC 4469 §5), with
// "CATENATE" read. A TEXT literal8 is allowed as for APPEND (RFC 3516 §4.4).
Result<std::vector<CatenatePart>> parse_catenate(ArgCursor& in) {
    std::vector<CatenatePart> parts;
    if (auto r = in.sp(); !r) return r.error();
    if (auto r = in.expect('(', "( after CATENATE"); !r) return r.error();
    while (true) {
        CatenatePart part;
        if (in.eat_keyword("TEXT")) {
            if (auto r = in.sp(); !r) return r.error();
            auto lit = in.literal("TEXT literal", true);
            if (!lit) return lit.error();
            part.data = std::string(in.span_text(*lit));
        } else if (in.eat_keyword("URL")) {
            if (auto r = in.sp(); !r) return r.error();
            auto url = in.astring("URL");
            if (!url) return url.error();
            part.is_url = true;
            part.data = std::move(*url);
        } else {
            return syntax_error("TEXT or URL in CATENATE");
        }
        parts.push_back(std::move(part));
        if (in.eat(')')) return parts;
        if (auto r = in.sp(); !r) return syntax_error("SP or ) in CATENATE");
    }
}

Result<CommandArgs> parse_append(ArgCursor& in, std::vector<LiteralSpan>& messages) {
    AppendCmd cmd;
    auto m = in.mailbox("mailbox name");
    if (!m) return m.error();
    cmd.mailbox = std::move(*m);
    do {
        if (auto r = in.sp(); !r) return r.error();
        AppendItem item;
        if (in.peek() == '(') {
            auto flags = parse_flag_list(in);
            if (!flags) return flags.error();
            item.flags = std::move(*flags);
            if (auto r = in.sp(); !r) return r.error();
        }
        if (in.peek() == '"') {
            auto text = in.string("date-time");
            if (!text) return text.error();
            auto when = parse_date_time(*text);
            if (!when) return when.error();
            item.internal_date = *when;
            if (auto r = in.sp(); !r) return r.error();
        }
        if (in.eat_keyword("CATENATE")) {
            auto parts = parse_catenate(in);
            if (!parts) return parts.error();
            item.catenate = std::move(*parts);
            messages.push_back(LiteralSpan{});  // no message literal: an empty span
            cmd.messages.push_back(std::move(item));
            continue;
        }
        // utf8-literal = "UTF8" SP "(" literal8 ")" (RFC 6855 §4, rfc6855.txt:215).
        if (in.eat_keyword("UTF8")) {
            if (auto r = in.sp(); !r) return r.error();
            if (auto r = in.expect('(', "( before UTF8 literal"); !r) return r.error();
            if (auto r = in.expect('~', "literal8 in UTF8 ( )"); !r) return r.error();
            item.utf8 = true;
        }
        auto lit = in.literal("message literal", true);  // literal8: RFC 3516 §4.4
        if (!lit) return lit.error();
        if (item.utf8) {
            if (auto r = in.expect(')', ") after UTF8 literal"); !r) return r.error();
        }
        item.message_was_synchronizing = lit->synchronizing;
        messages.push_back(*lit);
        cmd.messages.push_back(std::move(item));
    } while (!in.at_end());
    return CommandArgs{std::move(cmd)};
}

}  // namespace mr::imapd::detail
