#include "storage/export.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <fstream>

#include "common/mime/header_parser.hpp"
#include "common/text/mail_date.hpp"
#include "storage/atomic_file.hpp"
#include "storage/mailbox_index.hpp"
#include "storage/maildir.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

namespace {

Result<void> make_dir(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Error::internal("create " + dir.string() + ": " + ec.message());
    return {};
}

// RFC 4155 §2: the envelope sender of the "From " line; the Return-Path deliverd wrote, or
// MAILER-DAEMON for a message that has none (an APPENDed one).
std::string envelope_sender(std::string_view message) {
    mime::HeaderScanner scan(message);
    while (auto f = scan.next()) {
        if (!mime::header_name_equals(f->name, "Return-Path")) continue;
        std::string v(f->raw_value);
        v.erase(std::remove_if(v.begin(), v.end(), [](char c) { return c == '<' || c == '>' || c == ' ' ||
                                                                        c == '\t' || c == '\r' || c == '\n'; }),
                v.end());
        if (!v.empty()) return v;
        break;
    }
    return "MAILER-DAEMON";
}

// mboxrd: LF line ends, and ">" before every line that is ">"* then "From ".
void append_mboxrd(std::string& out, std::string_view message) {
    std::size_t pos = 0;
    while (pos < message.size()) {
        std::size_t end = message.find('\n', pos);
        const bool last = end == std::string_view::npos;
        std::string_view line = message.substr(pos, last ? std::string_view::npos : end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const std::size_t quotes = line.find_first_not_of('>');
        if (quotes != std::string_view::npos && line.substr(quotes).starts_with("From ")) out += '>';
        out.append(line);
        out += '\n';
        pos = last ? message.size() : end + 1;
    }
    out += '\n';  // the blank line that separates messages
}

std::string mbox_file_name(const std::string& imap_name) {
    std::string name = imap_name;
    std::replace(name.begin(), name.end(), '/', '.');
    return name;
}

class Exporter {
public:
    Exporter(const fs::path& user_dir, const fs::path& out, ExportFormat format)
        : maildir_(user_dir), out_(out), format_(format) {}

    Result<ExportReport> run(sqlite::Db& db) {
        auto mailboxes = index::list_mailboxes(db);
        if (!mailboxes) return mailboxes.error();
        for (const auto& mailbox : *mailboxes) {
            auto rows = index::load_messages(db, mailbox.id);
            if (!rows) return rows.error();
            std::sort(rows->begin(), rows->end(), [](const auto& a, const auto& b) { return a.uid < b.uid; });
            auto r = format_ == ExportFormat::Maildir ? maildir_folder(mailbox, *rows) : mbox_file(mailbox, *rows);
            if (!r) return r.error();
            ++report_.mailboxes;
        }
        return report_;
    }

private:
    Result<void> maildir_folder(const MailboxRecord& mailbox, const std::vector<MessageRecord>& rows) {
        const fs::path folder = out_ / folder_dir_name(mailbox.name);
        for (const char* sub : {"cur", "new", "tmp"}) {
            if (auto r = make_dir(folder / sub); !r) return r;
        }
        if (mailbox.name != "INBOX") {
            if (auto r = write_file_atomically(folder, "maildirfolder", ""); !r) return r;
        }
        // Dovecot's uidlist version 3: "3 V<uidvalidity> N<uidnext>", then "<uid> :<base>".
        std::string uidlist = "3 V" + std::to_string(mailbox.uidvalidity) + " N" + std::to_string(mailbox.uidnext) + "\n";
        for (const auto& row : rows) {
            auto path = maildir_.locate(mailbox.name, row.file);
            std::error_code ec;
            if (!path) {
                ++report_.missing;
                continue;
            }
            const fs::path target = folder / fs::path(row.file).parent_path().filename() / path->filename();
            fs::copy_file(*path, target, fs::copy_options::overwrite_existing, ec);
            if (ec) return Error::internal("copy " + path->string() + ": " + ec.message());
            fs::last_write_time(target, fs::last_write_time(*path, ec), ec);
            uidlist += std::to_string(row.uid) + " :" + parse_maildir_file_name(path->filename().string()).base + "\n";
            ++report_.messages;
            report_.bytes += static_cast<std::uint64_t>(row.size);
        }
        return write_file_atomically(folder, "dovecot-uidlist", uidlist);
    }

    Result<void> mbox_file(const MailboxRecord& mailbox, const std::vector<MessageRecord>& rows) {
        const fs::path file = out_ / mbox_file_name(mailbox.name);
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        if (!out) return Error::internal("create " + file.string());
        std::string chunk;
        for (const auto& row : rows) {
            auto path = maildir_.locate(mailbox.name, row.file);
            auto bytes = path ? read_file(*path) : Result<std::string>(path.error());
            if (!bytes) {
                ++report_.missing;
                continue;
            }
            chunk = "From " + envelope_sender(*bytes) + " " + text::asctime_date(row.internal_date) + "\n";
            append_mboxrd(chunk, *bytes);
            out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
            ++report_.messages;
            report_.bytes += bytes->size();
        }
        out.close();
        if (!out) return Error::internal("write " + file.string());
        return {};
    }

    Maildir maildir_;
    fs::path out_;
    ExportFormat format_;
    ExportReport report_;
};

}  // namespace

Result<ExportReport> export_user_mail(const fs::path& user_dir, const fs::path& out, ExportFormat format) {
    std::error_code ec;
    if (fs::exists(out, ec) && !fs::is_empty(out, ec)) {
        return Error::refused(out.string() + " is not empty: export needs a new or empty directory");
    }
    if (index::missing(user_dir)) return Error::refused("no index in " + user_dir.string() + " (run mailroom reindex)");
    if (auto r = make_dir(out); !r) return r.error();
    auto db = index::open(user_dir / index::kFileName);
    if (!db) return db.error();
    return Exporter(user_dir, out, format).run(*db);
}

}  // namespace mr::storage
