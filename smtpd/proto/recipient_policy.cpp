#include "smtpd/proto/recipient_policy.hpp"

#include <string>

#include "common/text/ascii.hpp"

namespace mr::smtpd {

Reply relay_denied() { return Reply{554, "5.7.1", "Relay access denied"}; }

std::optional<Reply> relay_trick(const text::Address& r) {
    if (r.is_bare_postmaster()) return std::nullopt;
    if (r.local_part.find_first_of("%!@") != std::string::npos) {
        return Reply{554, "5.7.1", "Relay access denied (routing characters in the local part)"};
    }
    if (r.has_address_literal()) return Reply{554, "5.7.1", "Relay access denied (address literal)"};
    return std::nullopt;
}

bool is_trailing_dot_path(std::string_view arg, bool smtputf8) {
    if (!text::starts_with_ci(arg, "TO:")) return false;
    arg.remove_prefix(3);
    while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);
    const auto close = arg.find(">");
    if (close == std::string_view::npos || close < 2 || arg[close - 1] != '.') return false;
    std::string fixed(arg.substr(0, close - 1));
    fixed += arg.substr(close);
    text::PathOptions o;
    o.smtputf8 = smtputf8;
    return text::parse_path_prefix(fixed, o).ok();
}

}  // namespace mr::smtpd
