// Maildir file operations: folders, delivery, flag renames, moves, listing.
// See maildir.hpp for the layout and invariants.
#include "storage/maildir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "storage/atomic_file.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

namespace {

Error fs_error(std::string_view what, const fs::path& p, const std::error_code& ec) {
    return Error::system(ec.value(), std::string(what) + " " + p.string() + ": " + ec.message());
}

Error errno_error(std::string_view what, const fs::path& p) {
    const int e = errno;
    return Error::system(e, std::string(what) + " " + p.string() + ": " + std::strerror(e));
}

std::string cur_name(std::string_view base, std::uint32_t flags) {
    return "cur/" + std::string(base) + ":2," + flags_to_maildir_letters(flags);
}

}  // namespace

fs::path Maildir::folder_path(std::string_view imap_name) const {
    const std::string dir = folder_dir_name(imap_name);
    return dir.empty() ? root_ : root_ / dir;
}

Result<void> Maildir::create_folder(std::string_view imap_name) const {
    const fs::path folder = folder_path(imap_name);
    for (const char* sub : {"tmp", "new", "cur"}) {
        std::error_code ec;
        fs::create_directories(folder / sub, ec);
        if (ec) return fs_error("mkdir", folder / sub, ec);
    }
    if (imap_name != "INBOX") {
        const fs::path marker = folder / "maildirfolder";
        const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) return errno_error("create", marker);
        ::close(fd);
    }
    // The new directory entries must survive a crash before any message is
    // delivered into them.
    if (auto r = fsync_directory(folder); !r) return r;
    if (folder == root_) return {};
    return fsync_directory(root_);
}

Result<std::vector<std::string>> Maildir::list_folders() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_directory(ec)) continue;
        if (auto name = imap_name_from_folder_dir(it->path().filename().string())) {
            out.push_back(*name);
        }
    }
    if (ec) return fs_error("list", root_, ec);
    return out;
}

Result<std::vector<std::string>> Maildir::deliver(std::string_view imap_name,
                                                  std::span<const NewMessage> messages) const {
    const fs::path folder = folder_path(imap_name);
    std::vector<PendingFile> to_new, to_cur;
    std::vector<std::string> out;
    for (const auto& m : messages) {
        std::string base = new_unique_base(m.bytes.size(), m.delivery);
        if (m.flags == 0) {
            out.push_back("new/" + base);
            to_new.push_back(PendingFile{std::move(base), m.bytes, m.internal_date});
        } else {
            std::string name = cur_name(base, m.flags).substr(4);
            out.push_back("cur/" + name);
            to_cur.push_back(PendingFile{std::move(name), m.bytes, m.internal_date});
        }
    }
    AtomicWriteOptions options;
    options.tmp_dir = folder / "tmp";
    if (auto r = write_files_atomically(folder / "new", to_new, options); !r) return r.error();
    if (auto r = write_files_atomically(folder / "cur", to_cur, options); !r) return r.error();
    return out;
}

Result<fs::path> Maildir::locate(std::string_view imap_name, std::string_view file) const {
    const fs::path folder = folder_path(imap_name);
    fs::path direct = folder / std::string(file);
    std::error_code ec;
    if (fs::exists(direct, ec)) return direct;
    // Stale name: search cur/ and new/ for the same base (the part before ':').
    const std::string base = parse_maildir_file_name(fs::path(std::string(file)).filename().string()).base;
    for (const char* sub : {"cur", "new"}) {
        for (fs::directory_iterator it(folder / sub, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (name.compare(0, base.size(), base) == 0 &&
                (name.size() == base.size() || name[base.size()] == ':')) {
                return it->path();
            }
        }
        ec.clear();
    }
    return Error::refused(ErrorCode::NoSuchMessage, "message file missing: " + direct.string());
}

Result<std::string> Maildir::set_flags(std::string_view imap_name, std::string_view file,
                                       std::uint32_t flags) const {
    auto from = locate(imap_name, file);
    if (!from) return from.error();
    const std::string base = parse_maildir_file_name(from->filename().string()).base;
    const std::string target = cur_name(base, flags);
    const fs::path to = folder_path(imap_name) / target;
    if (*from == to) return target;
    if (::rename(from->c_str(), to.c_str()) != 0) return errno_error("rename", *from);
    return target;
}

Result<std::string> Maildir::move_to(std::string_view from_imap, std::string_view file,
                                     std::string_view to_imap, std::uint32_t flags) const {
    auto from = locate(from_imap, file);
    if (!from) return from.error();
    const std::string base = parse_maildir_file_name(from->filename().string()).base;
    const std::string target = cur_name(base, flags);
    const fs::path to = folder_path(to_imap) / target;
    if (::rename(from->c_str(), to.c_str()) != 0) return errno_error("rename", *from);
    return target;
}

Result<std::string> Maildir::link_to(std::string_view from_imap, std::string_view file,
                                     std::string_view to_imap, std::uint32_t flags) const {
    auto from = locate(from_imap, file);
    if (!from) return from.error();
    auto parsed = parse_maildir_file_name(from->filename().string());
    std::size_t size = 0;
    if (parsed.size) {
        size = static_cast<std::size_t>(*parsed.size);
    } else {
        std::error_code ec;
        size = static_cast<std::size_t>(fs::file_size(*from, ec));
    }
    const std::string target = cur_name(new_unique_base(size), flags);
    const fs::path to = folder_path(to_imap) / target;
    if (::link(from->c_str(), to.c_str()) != 0) {
        // No hard links here: copy the bytes the atomic way instead.
        auto bytes = read_file(*from);
        if (!bytes) return bytes.error();
        AtomicWriteOptions options;
        options.tmp_dir = folder_path(to_imap) / "tmp";
        options.fsync_dir = false;  // the caller fsyncs cur/ once for the batch
        if (auto r = write_file_atomically(to.parent_path(), to.filename().string(), *bytes, options); !r) {
            return r.error();
        }
    }
    return target;
}

Result<std::vector<MaildirFile>> Maildir::list(std::string_view imap_name) const {
    const fs::path folder = folder_path(imap_name);
    std::vector<MaildirFile> out;
    for (const char* sub : {"new", "cur"}) {
        std::error_code ec;
        for (fs::directory_iterator it(folder / sub, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (name.empty() || name.front() == '.') continue;  // .tmp-* and hidden files
            if (!it->is_regular_file(ec)) continue;
            MaildirFile f{std::string(sub) + "/" + name, parse_maildir_file_name(name)};
            if (std::string_view(sub) == "new") f.name.flags = 0;  // new/ carries no info
            out.push_back(std::move(f));
        }
        if (ec && ec != std::errc::no_such_file_or_directory) return fs_error("list", folder / sub, ec);
    }
    return out;
}

}  // namespace mr::storage
