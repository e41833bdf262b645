// Session: TRANSACTION state (RFC 1939 §5, rfc1939.txt:264) and the QUIT that enters UPDATE.
// Message numbers refer to the snapshot taken at login and never change during a session;
// a deleted message keeps its number and is answered with -ERR.
#include <cstdio>

#include "pop3d/proto/session.hpp"

namespace mr::pop3d {

Result<std::size_t> Session::message_number(const Transaction& t, std::string_view arg) const {
    const auto n = parse_number(arg);
    if (!n) return Error::syntax("Invalid message number");
    if (*n == 0 || *n > t.drop.messages.size()) return Error::refused("No such message");
    if (t.deleted[*n - 1]) return Error::refused("Message " + std::to_string(*n) + " already deleted");
    return static_cast<std::size_t>(*n);
}

// RFC 1939 §7 UIDL (rfc1939.txt:658): 1-70 characters in 0x21-0x7E, never reused. UIDs
// are never reused within a UIDVALIDITY and UIDVALIDITY values are unique per user
// (storage/mailbox_index.hpp), so the pair is.
std::string Session::uid_string(const Maildrop& d, const MessageInfo& m) {
    if (!m.uidl.empty()) return m.uidl;
    char buf[24];
    std::snprintf(buf, sizeof buf, "%08x%08x", d.uidvalidity, m.uid);
    return buf;
}

Actions Session::dispatch_transaction(Transaction& t, const Command& cmd) {
    const auto& msgs = t.drop.messages;
    switch (cmd.verb) {
        case Verb::Stat: {  // rfc1939.txt:289
            if (!cmd.args.empty()) return error("STAT takes no argument");
            std::size_t count = 0;
            std::uint64_t octets = 0;
            for (std::size_t i = 0; i < msgs.size(); ++i) {
                if (t.deleted[i]) continue;
                ++count;
                octets += msgs[i].size;
            }
            return ok(std::to_string(count) + " " + std::to_string(octets));
        }
        case Verb::List:  // rfc1939.txt:328
        case Verb::Uidl: {  // rfc1939.txt:632
            const bool uidl = cmd.verb == Verb::Uidl;
            auto value = [&](std::size_t i) {
                return uidl ? uid_string(t.drop, msgs[i]) : std::to_string(msgs[i].size);
            };
            if (cmd.args.size() > 1) return error("Too many arguments");
            if (cmd.args.size() == 1) {
                auto n = message_number(t, cmd.args[0]);
                if (!n) return error(n.error().message);
                return ok(std::to_string(*n) + " " + value(*n - 1));
            }
            std::string out = "+OK\r\n";
            out.reserve(msgs.size() * 16 + 8);
            for (std::size_t i = 0; i < msgs.size(); ++i) {
                if (t.deleted[i]) continue;
                out += std::to_string(i + 1);
                out += ' ';
                out += value(i);
                out += "\r\n";
            }
            out += ".\r\n";
            errors_ = 0;
            return {Send{std::move(out)}};
        }
        case Verb::Retr:  // rfc1939.txt:409
        case Verb::Top: {  // rfc1939.txt:585
            const bool top = cmd.verb == Verb::Top;
            if (cmd.args.size() != (top ? 2u : 1u)) {
                return error(top ? "TOP takes a message number and a line count" : "RETR takes a message number");
            }
            auto n = message_number(t, cmd.args[0]);
            if (!n) return error(n.error().message);
            std::optional<std::uint64_t> lines;
            if (top) {
                auto k = parse_number(cmd.args[1]);
                if (!k) return error("Invalid line count");
                lines = *k;
            }
            const auto& m = msgs[*n - 1];
            busy_ = true;
            std::string ok_line = top ? "+OK Top of message follows" : "+OK " + std::to_string(m.size) + " octets";
            return {SendMessage{*n, m.uid, m.size, lines, !top, line(ok_line)}};
        }
        case Verb::Dele: {  // rfc1939.txt:436
            if (cmd.args.size() != 1) return error("DELE takes a message number");
            auto n = message_number(t, cmd.args[0]);
            if (!n) return error(n.error().message);
            t.deleted[*n - 1] = true;
            return ok("Message " + std::to_string(*n) + " deleted");
        }
        case Verb::Noop:  // rfc1939.txt:474
            if (!cmd.args.empty()) return error("NOOP takes no argument");
            return ok("");
        case Verb::Rset: {  // rfc1939.txt:493
            if (!cmd.args.empty()) return error("RSET takes no argument");
            t.deleted.assign(msgs.size(), false);
            std::uint64_t octets = 0;
            for (const auto& m : msgs) octets += m.size;
            return ok("Maildrop has " + std::to_string(msgs.size()) + " messages (" + std::to_string(octets) +
                      " octets)");
        }
        case Verb::Quit: {  // rfc1939.txt:531: enter UPDATE, remove the marked messages
            if (!cmd.args.empty()) return error("QUIT takes no argument");
            std::vector<std::uint32_t> uids;
            for (std::size_t i = 0; i < msgs.size(); ++i) {
                if (t.deleted[i]) uids.push_back(msgs[i].uid);
            }
            state_ = UpdateState{};
            busy_ = true;  // even with nothing to remove: the glue stores \Seen flags here
            return {Expunge{std::move(uids)}};
        }
        case Verb::Unknown:
            return error("Unknown command");
        default:
            return error("Command not valid in TRANSACTION state");
    }
}

}  // namespace mr::pop3d
