#include "smtpd/server/directory_lookup.hpp"

#include <ctime>
#include <optional>

#include "common/mailauth/srs.hpp"
#include "common/util/quota.hpp"
#include "storage/directory.hpp"
#include "storage/mailbox_usage.hpp"
#include "storage/srs_key.hpp"

namespace mr::smtpd::server {

namespace {

struct CachedDirectory {
    std::filesystem::path path;
    std::optional<storage::Directory> dir;
};

Result<storage::Directory*> thread_directory(const std::filesystem::path& db) {
    thread_local CachedDirectory cache;
    if (!cache.dir || cache.path != db) {
        cache.dir.reset();
        auto d = storage::Directory::open(db);
        if (!d) return d.error();
        cache.dir.emplace(std::move(*d));
        cache.path = db;
    }
    return &*cache.dir;
}

// The user's quota (users primary key) and, only when there is one, the bytes stored.
Result<RecipientCheck> local_user(storage::Directory& dir, const std::filesystem::path& data_dir,
                                  const std::string& user) {
    RecipientCheck check{RecipientKind::Local, std::nullopt};
    auto found = dir.find_user(user);
    if (!found) return found.error();
    if (!*found || (*found)->quota_bytes <= 0) return check;
    // Kept per thread like the directory: a RCPT reads the usage, it does not open an index.
    thread_local storage::UsageReader usage;
    auto used = usage.stored_bytes(storage::user_mail_dir(data_dir, user));
    if (!used) return used.error();
    check.quota_room = util::quota_room((*found)->quota_bytes, *used);
    return check;
}

// The SRS secret, read (or created) once per thread like the directory.
Result<std::string> thread_srs_key(const std::filesystem::path& data_dir) {
    thread_local std::optional<std::pair<std::filesystem::path, std::string>> cache;
    if (!cache || cache->first != data_dir) {
        auto key = storage::load_or_create_srs_key(data_dir);
        if (!key) return Error::internal("SRS key: " + key.error().message);
        cache.emplace(data_dir, std::move(*key));
    }
    return cache->second;
}

// A bounce coming back to an SRS address of ours (deliverd routes it to the original
// sender): accepted when its hash and timestamp are ours and valid, unknown otherwise.
Result<RecipientCheck> srs_recipient(const std::filesystem::path& data_dir, const std::string& address) {
    auto key = thread_srs_key(data_dir);
    if (!key) return key.error();
    if (!mailauth::srs_reverse(address, *key, static_cast<std::int64_t>(std::time(nullptr)))) {
        return RecipientCheck{RecipientKind::Unknown, std::nullopt};
    }
    return RecipientCheck{RecipientKind::Local, std::nullopt};
}

bool is_srs_address(const std::string& address) {
    const auto at = address.rfind('@');
    return at != std::string::npos && mailauth::is_srs_local_part(std::string_view(address).substr(0, at));
}

}  // namespace

Result<RecipientCheck> lookup_recipient(const std::filesystem::path& db, const std::filesystem::path& data_dir,
                                        const std::string& address) {
    auto dir = thread_directory(db);
    if (!dir) return dir.error();
    auto r = (*dir)->resolve(address);
    if (!r && r.error().kind == ErrorKind::Internal) return r.error();
    // Like deliverd's planner: an exact user keeps its mail, any other SRS address of our
    // domains is judged by its hash, ahead of aliases and catch-alls. Its hash is base64 and
    // may hold '/', which no stored address can (the directory refuses it): then whether the
    // domain is ours decides.
    if (is_srs_address(address)) {
        if (!r) {
            auto hosted = (*dir)->has_domain(address.substr(address.rfind('@') + 1));
            if (!hosted) return hosted.error();
            if (!*hosted) return RecipientCheck{RecipientKind::Remote, std::nullopt};
            return srs_recipient(data_dir, address);
        }
        if (r->kind != storage::Resolution::LocalUser && r->kind != storage::Resolution::NotLocal) {
            return srs_recipient(data_dir, address);
        }
    }
    if (!r) return RecipientCheck{RecipientKind::Unknown, std::nullopt};
    switch (r->kind) {
        case storage::Resolution::LocalUser: return local_user(**dir, data_dir, r->user_address);
        case storage::Resolution::Alias: return RecipientCheck{RecipientKind::Local, std::nullopt};
        case storage::Resolution::NotLocal: return RecipientCheck{RecipientKind::Remote, std::nullopt};
        case storage::Resolution::NotFound: break;
    }
    return RecipientCheck{RecipientKind::Unknown, std::nullopt};
}

Result<bool> check_sender(const std::filesystem::path& db, const std::string& user, const std::string& address) {
    auto dir = thread_directory(db);
    if (!dir) return dir.error();
    auto r = (*dir)->may_send_as(user, address);
    if (!r && r.error().kind != ErrorKind::Internal) return false;
    return r;
}

Result<std::string> first_not_owned(const std::filesystem::path& db, const std::string& user,
                                    const std::vector<std::string>& addresses) {
    for (const auto& address : addresses) {
        auto owned = check_sender(db, user, address);
        if (!owned) return owned.error();
        if (!*owned) return address;
    }
    return std::string();
}

Result<bool> verify_password(const std::filesystem::path& db, const std::string& user, const std::string& password) {
    auto dir = thread_directory(db);
    if (!dir) return dir.error();
    auto r = (*dir)->verify_password(user, password);
    if (!r && r.error().kind != ErrorKind::Internal) return false;
    return r;
}

}  // namespace mr::smtpd::server
