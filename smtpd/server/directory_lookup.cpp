#include "smtpd/server/directory_lookup.hpp"

#include <optional>

#include "storage/directory.hpp"

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

}  // namespace

Result<RecipientKind> lookup_recipient(const std::filesystem::path& db, const std::string& address) {
    auto dir = thread_directory(db);
    if (!dir) return dir.error();
    auto r = (*dir)->resolve(address);
    if (!r) {
        if (r.error().kind != ErrorKind::Internal) return RecipientKind::Unknown;
        return r.error();
    }
    switch (r->kind) {
        case storage::Resolution::LocalUser:
        case storage::Resolution::Alias: return RecipientKind::Local;
        case storage::Resolution::NotLocal: return RecipientKind::Remote;
        case storage::Resolution::NotFound: break;
    }
    return RecipientKind::Unknown;
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
