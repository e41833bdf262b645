// Address splitting, the mail directory of a user, and recipient resolution.
// Invariant: every address that reaches SQL or the file system went through
// split_address, so it is lower-case and cannot name a path outside data_dir.
#include <algorithm>
#include <string>

#include "storage/directory.hpp"

namespace mr::storage {

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
    return out;
}

// Bytes that never belong in a stored address: controls, space, '/', '\\' (path
// separators on disk) and '@' (only the split point).
bool bad_byte(unsigned char c) {
    return c < 0x21 || c == 0x7f || c == '/' || c == '\\' || c == '@';
}

bool clean(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return bad_byte(static_cast<unsigned char>(c)); });
}

}  // namespace

Result<SplitAddress> split_address(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos) {
        return Error::syntax("address without '@': " + std::string(address));
    }
    const std::string_view local = address.substr(0, at);
    const std::string_view domain = address.substr(at + 1);
    if (domain.empty() || domain.front() == '.' || domain.back() == '.' ||
        domain.find("..") != std::string_view::npos || !clean(domain)) {
        return Error::syntax("bad domain in address: " + std::string(address));
    }
    if (!clean(local) || (!local.empty() && local.front() == '.') || local.size() > 64 ||
        domain.size() > 255) {
        return Error::syntax("bad local part in address: " + std::string(address));
    }
    return SplitAddress{lower(local), lower(domain)};
}

std::filesystem::path user_mail_dir(const std::filesystem::path& data_dir, std::string_view address) {
    auto split = split_address(address);
    if (!split || split->local_part.empty()) return {};  // documented: valid addresses only
    return data_dir / "mail" / split->domain / split->local_part;
}

Result<Resolution> Directory::resolve(std::string_view address) {
    auto split = split_address(address);
    if (!split) return split.error();
    auto local_domain = has_domain(split->domain);
    if (!local_domain) return local_domain.error();
    if (!*local_domain) return Resolution{Resolution::NotLocal, {}, {}};
    if (split->local_part.empty()) return Resolution{Resolution::NotFound, {}, {}};

    // Exact user, exact alias; then the same without "+tag".
    auto try_key = [&](const std::string& key) -> Result<std::optional<Resolution>> {
        auto user = find_exact(key);
        if (!user) return user.error();
        if (*user) return std::optional<Resolution>(Resolution{Resolution::LocalUser, key, {}});
        auto targets = alias_targets(key);
        if (!targets) return targets.error();
        if (!targets->empty()) {
            return std::optional<Resolution>(Resolution{Resolution::Alias, {}, std::move(*targets)});
        }
        return std::optional<Resolution>();
    };
    const std::string exact = split->local_part + "@" + split->domain;
    auto r = try_key(exact);
    if (!r) return r.error();
    if (*r) return std::move(**r);
    const auto plus = split->local_part.find(kSubaddressSeparator);
    if (plus != std::string::npos && plus > 0) {
        auto base = try_key(split->local_part.substr(0, plus) + "@" + split->domain);
        if (!base) return base.error();
        if (*base) return std::move(**base);
    }
    auto catch_all = alias_targets("@" + split->domain);
    if (!catch_all) return catch_all.error();
    if (!catch_all->empty()) return Resolution{Resolution::Alias, {}, std::move(*catch_all)};
    return Resolution{Resolution::NotFound, {}, {}};
}

}  // namespace mr::storage
