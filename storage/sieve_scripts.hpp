// A user's Sieve scripts: the one module that lists, reads, writes, activates, renames and
// deletes them (the `mailroom sieve` CLI and ManageSieve both go through it; deliverd only
// reads the active one, deliverd/sieve_filter).
//
// Layout (deliverd/sieve_filter.hpp): <user dir>/sieve/NAME.sieve, the active one named by
// the relative symlink <user dir>/sieve/active -> "NAME.sieve".
//
// Invariants:
//  - A stored script always compiles: put() compiles first (mr::sieve::compile_script) and
//    refuses with the compiler's "line L, column C: ..." message (ErrorKind::Syntax).
//  - A script file appears complete or not at all (written to a ".tmp-" name, fsync'd,
//    renamed over the old one); the active link is replaced by rename(2) too, so deliverd
//    sees the old script or the new one, never none.
//  - Names are RFC 5804 §1.6 script names that are also safe file names:
//    valid UTF-8, 1-128 bytes, no control characters (C0, DEL, C1, U+2028, U+2029), no '/',
//    not starting with '.' (temporaries and the link's neighbours start with a dot).
//  - Quotas: at most `max_scripts` scripts and `max_script_bytes` per script.
//  - Error codes, for protocols to map (ManageSieve response codes): NoSuchMailbox = no such
//    script (NONEXISTENT), MailboxExists = the new name is taken (ALREADYEXISTS),
//    InboxProtected = the script is active and cannot be deleted (ACTIVE), Limit = a quota
//    (space_refusal() says which one).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"

namespace mr::storage {

struct SieveQuota {
    std::size_t max_scripts = 32;
    std::size_t max_script_bytes = 256 * 1024;
};

struct SieveScriptInfo {
    std::string name;
    bool active = false;
};

enum class SieveSpaceRefusal { MaxScripts, MaxSize };

// The administrator's scripts of a domain, run around every user's (Pigeonhole's
// sieve_before/sieve_after): a SieveScripts store of its own, data_dir/sieve-global/
// <domain>/sieve/, holding "before.sieve" and "after.sieve" (`mailroom sieve global`).
// Owned like the users' scripts (the daemons' account, 0640); deliverd only reads them.
inline std::filesystem::path global_sieve_dir(const std::filesystem::path& data_dir, std::string_view domain) {
    return data_dir / "sieve-global" / std::string(domain);
}
inline constexpr std::string_view kGlobalBefore = "before";
inline constexpr std::string_view kGlobalAfter = "after";

// Whether `name` may name a script (see the invariants); the reason when not.
std::optional<std::string> sieve_name_problem(std::string_view name);

class SieveScripts {
public:
    // `user_dir` is the user's store directory (storage::user_mail_dir); the sieve/
    // directory in it is made on the first write.
    explicit SieveScripts(std::filesystem::path user_dir, SieveQuota quota = {});

    const SieveQuota& quota() const { return quota_; }

    // Sorted by name.
    Result<std::vector<SieveScriptInfo>> list() const;
    Result<std::string> get(std::string_view name) const;
    // The active script's name, nullopt when none (or when the link is not one of ours).
    Result<std::optional<std::string>> active() const;

    // Would putting `bytes` bytes under `name` stay within the quota? (HAVESPACE, and the
    // check put() makes.) Replacing a script does not count it twice.
    Result<std::optional<SieveSpaceRefusal>> space_refusal(std::string_view name, std::size_t bytes) const;

    // Compiles, checks the quota, then writes (creates or replaces) NAME.sieve. The
    // active script stays active when replaced.
    Result<void> put(std::string_view name, std::string_view text);
    // nullopt deactivates (no script runs at delivery).
    Result<void> activate(std::optional<std::string_view> name);
    Result<void> remove(std::string_view name);
    Result<void> rename(std::string_view from, std::string_view to);

private:
    std::filesystem::path dir_;
    SieveQuota quota_;

    std::filesystem::path file_of(std::string_view name) const;
    Result<void> ensure_dir() const;
    Result<void> point_link_at(std::string_view name) const;
};

}  // namespace mr::storage
