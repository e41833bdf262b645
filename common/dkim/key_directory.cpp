#include "common/dkim/key_directory.hpp"

#include <algorithm>
#include <optional>

namespace mr::dkim {

namespace {

std::string day_stamp(std::time_t now) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
    return buf;
}

std::optional<Algorithm> algorithm_of(std::string_view selector) {
    if (selector.starts_with("ed25519-")) return Algorithm::Ed25519Sha256;
    if (selector.starts_with("rsa-")) return Algorithm::RsaSha256;
    return std::nullopt;
}

}  // namespace

std::vector<KeyFile> list_key_files(const std::filesystem::path& key_dir, std::string_view domain) {
    std::vector<KeyFile> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(key_dir / domain, ec)) {
        const auto& p = entry.path();
        if (p.extension() != ".pem") continue;
        const std::string selector = p.stem().string();
        if (auto alg = algorithm_of(selector)) out.push_back({selector, *alg, p});
    }
    std::sort(out.begin(), out.end(), [](const KeyFile& a, const KeyFile& b) { return a.selector < b.selector; });
    return out;
}

Result<std::vector<KeyFile>> create_key_pair(const std::filesystem::path& key_dir, std::string_view domain,
                                             std::time_t now) {
    using std::filesystem::perms;
    const auto dir = key_dir / domain;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error::system(ec.value(), "cannot create " + dir.string());
    std::filesystem::permissions(key_dir, perms::owner_all | perms::group_read | perms::group_exec, ec);
    std::filesystem::permissions(dir, perms::owner_all | perms::group_read | perms::group_exec, ec);

    const auto existing = list_key_files(key_dir, domain);
    const std::string day = day_stamp(now);
    // One suffix for both keys of the pair, free for both.
    std::string suffix;
    for (char letter = 'a'; letter <= 'z'; ++letter) {
        suffix = letter == 'a' ? "" : std::string(1, letter);
        const bool taken = std::any_of(existing.begin(), existing.end(), [&](const KeyFile& k) {
            return k.selector == "ed25519-" + day + suffix || k.selector == "rsa-" + day + suffix;
        });
        if (!taken) break;
        if (letter == 'z') return Error::refused("too many DKIM keys made for " + std::string(domain) + " today");
    }
    std::vector<KeyFile> made;
    for (Algorithm alg : {Algorithm::Ed25519Sha256, Algorithm::RsaSha256}) {
        auto key = SigningKey::generate(alg);
        if (!key) return key.error();
        KeyFile file{std::string(alg == Algorithm::Ed25519Sha256 ? "ed25519-" : "rsa-") + day + suffix, alg, {}};
        file.path = dir / (file.selector + ".pem");
        if (auto saved = key->save_private_key(file.path, perms::owner_read | perms::owner_write | perms::group_read);
            !saved) {
            return saved.error();
        }
        made.push_back(std::move(file));
    }
    return made;
}

Result<std::vector<Signer>> active_signers(const std::filesystem::path& key_dir, std::string_view domain) {
    const auto files = list_key_files(key_dir, domain);
    std::vector<Signer> out;
    for (Algorithm alg : {Algorithm::Ed25519Sha256, Algorithm::RsaSha256}) {
        auto newest = std::find_if(files.rbegin(), files.rend(), [alg](const KeyFile& k) { return k.algorithm == alg; });
        if (newest == files.rend()) continue;
        auto key = SigningKey::load(newest->path);
        if (!key) return key.error();
        out.push_back({std::string(domain), newest->selector, std::make_shared<const SigningKey>(std::move(*key))});
    }
    return out;
}

Result<std::vector<Signer>> SignerCache::signers(const std::string& domain) {
    const auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(domain);
        if (it != entries_.end() && now - it->second.checked < kRecheck) return it->second.signers;
    }
    std::error_code ec;
    const auto changed = std::filesystem::last_write_time(key_dir_ / domain, ec);
    if (ec) return std::vector<Signer>{};  // no key directory: the domain does not sign
    std::lock_guard lock(mutex_);
    auto it = entries_.find(domain);
    if (it != entries_.end() && it->second.changed == changed) {
        it->second.checked = now;
        return it->second.signers;
    }
    auto loaded = active_signers(key_dir_, domain);
    if (!loaded) return loaded.error();
    entries_[domain] = Entry{changed, now, *loaded};
    return std::move(*loaded);
}

}  // namespace mr::dkim
