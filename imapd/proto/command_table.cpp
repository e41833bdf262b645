#include "imapd/proto/command_table.hpp"

#include <variant>

namespace mr::imapd {

namespace {

constexpr std::uint8_t kNotAuth = static_cast<std::uint8_t>(SessionState::NotAuthenticated);
constexpr std::uint8_t kAuth = static_cast<std::uint8_t>(SessionState::Authenticated);
constexpr std::uint8_t kSelected = static_cast<std::uint8_t>(SessionState::Selected);
constexpr std::uint8_t kAny = kNotAuth | kAuth | kSelected;
constexpr std::uint8_t kLoggedIn = kAuth | kSelected;

CommandRules rules(std::uint8_t states) { return CommandRules{states, false, false, false}; }

// Commands on messages of the selected mailbox.
CommandRules message_rules(bool uid, bool forbids_expunge_when_not_uid) {
    CommandRules r = rules(kSelected);
    r.uses_sequence_numbers = !uid;
    r.forbids_expunge = !uid && forbids_expunge_when_not_uid;
    return r;
}

struct RulesOf {
    // RFC 3501 §6.1 (rfc3501.txt:1295): any state. ID too (RFC 2971 §3.1, rfc2971.txt:141).
    CommandRules operator()(const CapabilityCmd&) const { return rules(kAny); }
    CommandRules operator()(const NoopCmd&) const { return rules(kAny); }
    CommandRules operator()(const LogoutCmd&) const { return rules(kAny); }
    CommandRules operator()(const IdCmd&) const { return rules(kAny); }
    // RFC 5161 §3.1 (rfc5161.txt:125): authenticated state only.
    CommandRules operator()(const EnableCmd&) const { return rules(kAuth); }
    // §6.2 (rfc3501.txt:1426): not authenticated.
    CommandRules operator()(const StartTlsCmd&) const { return rules(kNotAuth); }
    CommandRules operator()(const AuthenticateCmd&) const {
        CommandRules r = rules(kNotAuth);
        r.raw_line_follows = true;
        return r;
    }
    CommandRules operator()(const LoginCmd&) const { return rules(kNotAuth); }
    // §6.3 (rfc3501.txt:1715): authenticated or selected; NAMESPACE and IDLE likewise
    // (RFC 2342 §5, RFC 2177 §4 command_auth).
    CommandRules operator()(const SelectCmd&) const { return rules(kLoggedIn); }
    CommandRules operator()(const CreateCmd&) const { return rules(kLoggedIn); }
    CommandRules operator()(const DeleteCmd&) const { return rules(kLoggedIn); }
    CommandRules operator()(const RenameCmd&) const { return rules(kLoggedIn); }
    CommandRules operator()(const SubscribeCmd&) const { return rules(kLoggedIn); }
    CommandRules operator()(const ListCmd&) const { return rules(kLoggedIn); }
    CommandRules operator()(const StatusCmd&) const { return rules(kLoggedIn); }
    CommandRules operator()(const AppendCmd&) const { return rules(kLoggedIn); }
    CommandRules operator()(const NamespaceCmd&) const { return rules(kLoggedIn); }
    CommandRules operator()(const IdleCmd&) const {
        CommandRules r = rules(kLoggedIn);
        r.raw_line_follows = true;
        return r;
    }
    // §6.4 (rfc3501.txt:2607): selected; UNSELECT (RFC 3691, RFC 9051 §6.4.2) too.
    CommandRules operator()(const CheckCmd&) const { return rules(kSelected); }
    CommandRules operator()(const CloseCmd&) const { return rules(kSelected); }
    CommandRules operator()(const UnselectCmd&) const { return rules(kSelected); }
    CommandRules operator()(const ExpungeCmd&) const { return rules(kSelected); }
    CommandRules operator()(const SearchCmd& c) const { return message_rules(c.uid, true); }
    CommandRules operator()(const FetchCmd& c) const { return message_rules(c.uid, true); }
    CommandRules operator()(const StoreCmd& c) const { return message_rules(c.uid, true); }
    CommandRules operator()(const CopyCmd& c) const { return message_rules(c.uid, false); }
};

}  // namespace

CommandRules command_rules(const CommandArgs& args) { return std::visit(RulesOf{}, args); }

}  // namespace mr::imapd
