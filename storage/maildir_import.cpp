#include "storage/maildir_import.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <system_error>

#include "storage/atomic_file.hpp"
#include "storage/maildir.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

namespace {

std::optional<std::uint32_t> number(std::string_view s) {
    std::uint32_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t p = 0;
    while (p < line.size()) {
        const std::size_t start = line.find_first_not_of(' ', p);
        if (start == std::string_view::npos) break;
        const std::size_t end = line.find(' ', start);
        out.push_back(line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        p = end == std::string_view::npos ? line.size() : end;
    }
    return out;
}

std::vector<std::string_view> lines(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t p = 0;
    while (p < text.size()) {
        std::size_t end = text.find('\n', p);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(p, end - p);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.push_back(line);
        p = end + 1;
    }
    return out;
}

// The base name a uidlist records: the file name up to ":2," (Dovecot writes it without
// the flags; an old one may have them).
std::string base_of(std::string_view name) { return parse_maildir_file_name(name).base; }

Result<void> own(const fs::path& path, unsigned uid, unsigned gid) {
    if (::chown(path.c_str(), uid, gid) != 0) return Error::system(errno, "chown " + path.string());
    return {};
}

Result<bool> holds_mail(const Maildir& maildir) {
    auto folders = maildir.list_folders();
    if (!folders) return folders.error();
    folders->push_back("INBOX");
    for (const auto& name : *folders) {
        auto files = maildir.list(name);
        if (files && !files->empty()) return true;
    }
    return false;
}

// Dovecot keyword letters ('a' = keyword 0) of a file name's ":2," part.
std::vector<std::string> keywords_of(std::string_view name, const std::map<int, std::string>& table) {
    std::vector<std::string> out;
    const auto info = name.find(":2,");
    if (info == std::string_view::npos) return out;
    for (char c : name.substr(info + 3)) {
        if (c < 'a' || c > 'z') continue;
        if (auto it = table.find(c - 'a'); it != table.end()) out.push_back(it->second);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace

bool parse_dovecot_uidlist(std::string_view text, FolderHints& out) {
    const auto all = lines(text);
    if (all.empty()) return false;
    const auto header = words(all[0]);
    if (header.empty()) return false;
    if (header[0] == "1") {  // "1 <uidvalidity> <uidnext>", then "<uid> <file name>"
        if (header.size() < 3) return false;
        auto v = number(header[1]), n = number(header[2]);
        if (!v || !n) return false;
        out.uidvalidity = *v;
        out.uidnext = *n;
        for (std::size_t i = 1; i < all.size(); ++i) {
            const auto w = words(all[i]);
            if (w.size() < 2) continue;
            if (auto uid = number(w[0]); uid && *uid > 0) out.uids[base_of(w[1])] = *uid;
        }
        return true;
    }
    if (header[0] != "3") return false;
    for (std::size_t i = 1; i < header.size(); ++i) {  // "V<uidvalidity> N<uidnext> G<guid> ..."
        if (header[i].size() < 2) continue;
        auto v = number(header[i].substr(1));
        if (header[i][0] == 'V' && v) out.uidvalidity = *v;
        if (header[i][0] == 'N' && v) out.uidnext = *v;
    }
    if (out.uidvalidity == 0) return false;
    for (std::size_t i = 1; i < all.size(); ++i) {  // "<uid> [<ext> ...] :<file name>"
        const std::string_view line = all[i];
        const auto colon = line.find(" :");
        if (colon == std::string_view::npos) continue;
        const auto w = words(line.substr(0, colon));
        if (w.empty()) continue;
        auto uid = number(w[0]);
        if (!uid || *uid == 0) continue;
        const std::string base = base_of(line.substr(colon + 2));
        out.uids[base] = *uid;
        for (std::size_t k = 1; k < w.size(); ++k) {
            if (w[k].size() > 1 && w[k][0] == 'P') out.pop3_uidls[base] = std::string(w[k].substr(1));
        }
    }
    return true;
}

namespace {

// RFC 1939 §7 (rfc1939.txt:658): 1 to 70 characters from 0x21 to 0x7E.
bool valid_uidl(std::string_view u) {
    if (u.empty() || u.size() > 70) return false;
    return std::all_of(u.begin(), u.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

}  // namespace

void add_dovecot_pop3_uidls(FolderHints& hints) {
    for (auto it = hints.pop3_uidls.begin(); it != hints.pop3_uidls.end();) {
        it = valid_uidl(it->second) ? std::next(it) : hints.pop3_uidls.erase(it);
    }
    if (hints.uidvalidity == 0) return;
    for (const auto& [base, uid] : hints.uids) {
        if (hints.pop3_uidls.contains(base)) continue;
        char buf[24];
        std::snprintf(buf, sizeof buf, "%08x%08x", uid, hints.uidvalidity);
        hints.pop3_uidls[base] = buf;
    }
}

std::map<int, std::string> parse_dovecot_keywords(std::string_view text) {
    std::map<int, std::string> out;
    for (const auto line : lines(text)) {
        const auto space = line.find(' ');
        if (space == std::string_view::npos) continue;
        auto n = number(line.substr(0, space));
        const auto name = line.substr(space + 1);
        if (n && *n < 26 && !name.empty()) out[static_cast<int>(*n)] = std::string(name);
    }
    return out;
}

Result<ImportCopy> copy_maildir_for_import(const fs::path& source, const fs::path& user_dir, unsigned uid,
                                           unsigned gid) {
    std::error_code ec;
    if (!fs::is_directory(source / "cur", ec) && !fs::is_directory(source / "new", ec)) {
        return Error::refused(source.string() + " is not a Maildir (no cur/ or new/)");
    }
    if (!fs::exists(user_dir, ec)) {
        fs::create_directories(user_dir, ec);
        if (ec) return Error::internal("create " + user_dir.string() + ": " + ec.message());
        ::chmod(user_dir.c_str(), 0750);
        if (auto r = own(user_dir, uid, gid); !r) return r.error();
    }
    const Maildir target(user_dir);
    auto full = holds_mail(target);
    if (!full) return full.error();
    if (*full) return Error::refused("the user's mailboxes already hold mail: import into a new user");

    const Maildir from(source);
    auto names = from.list_folders();
    if (!names) return names.error();
    names->insert(names->begin(), "INBOX");
    ImportCopy out;
    for (const auto& name : *names) {
        const fs::path src = from.folder_path(name);
        FolderHints hints;
        if (auto text = read_file(src / "dovecot-uidlist")) parse_dovecot_uidlist(*text, hints);
        if (name == "INBOX") add_dovecot_pop3_uidls(hints);  // POP3 sees only INBOX
        std::map<int, std::string> keyword_table;
        if (auto text = read_file(src / "dovecot-keywords")) keyword_table = parse_dovecot_keywords(*text);

        if (auto r = target.create_folder(name); !r) return r.error();
        const fs::path dst = target.folder_path(name);
        for (const char* sub : {"", "cur", "new", "tmp", "maildirfolder"}) {
            if (fs::exists(dst / sub, ec)) {
                if (auto r = own(dst / sub, uid, gid); !r) return r.error();
            }
        }
        auto files = from.list(name);
        if (!files) return files.error();
        for (const auto& f : *files) {
            const fs::path in = src / f.file;
            const fs::path to = dst / f.file;
            fs::copy_file(in, to, fs::copy_options::none, ec);
            if (ec) return Error::internal("copy " + in.string() + ": " + ec.message());
            fs::last_write_time(to, fs::last_write_time(in, ec), ec);
            ::chmod(to.c_str(), 0600);
            if (auto r = own(to, uid, gid); !r) return r.error();
            auto kw = keywords_of(fs::path(f.file).filename().string(), keyword_table);
            if (!kw.empty()) hints.keywords[f.name.base] = std::move(kw);
            ++out.messages;
            out.bytes += fs::file_size(to, ec);
        }
        out.hints.folders[name] = std::move(hints);
        ++out.folders;
    }
    return out;
}

}  // namespace mr::storage
