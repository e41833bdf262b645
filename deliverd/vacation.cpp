#include "deliverd/vacation.hpp"

#include <sodium.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "common/mime/address_list.hpp"
#include "common/text/ascii.hpp"
#include "common/text/mail_date.hpp"
#include "common/text/sasl.hpp"
#include "storage/atomic_file.hpp"

namespace mr::deliverd {

namespace {

constexpr std::string_view kStateFile = ".vacation-sent";

std::string lower(std::string_view s) { return text::to_lower(s); }

// addr-spec of every mailbox of the fields, lower-cased.
std::vector<std::string> addresses_in(const sieve::MessageView& view, std::initializer_list<std::string_view> fields) {
    std::vector<std::string> out;
    for (auto field : fields) {
        for (const auto& value : view.raw_values(field)) {
            for (const auto& a : mime::parse_address_list(value)) {
                if (!a.mailbox || !a.host || a.host->empty()) continue;
                out.push_back(lower(*a.mailbox + "@" + *a.host));
            }
        }
    }
    return out;
}

// A header value as RFC 2047 wants it when it is not ASCII.
std::string header_text(std::string_view s) {
    if (!text::has_non_ascii(s)) return std::string(s);
    return "=?utf-8?B?" + text::base64_encode(s) + "?=";
}

// Bare LF / CR to CRLF, no trailing line left open.
std::string crlf(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r') {
            out += "\r\n";
            if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
        } else if (s[i] == '\n') {
            out += "\r\n";
        } else {
            out += s[i];
        }
    }
    if (!out.ends_with("\r\n")) out += "\r\n";
    return out;
}

std::string hex_hash(std::string_view s) {
    unsigned char h[16];
    crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(s.data()), s.size(), nullptr, 0);
    char hex[2 * sizeof h + 1];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    return hex;
}

std::string domain_of(std::string_view address) {
    const auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string("localhost") : std::string(address.substr(at + 1));
}

}  // namespace

std::optional<std::string> vacation_suppressed(const sieve::MessageView& view, const VacationInput& in,
                                               const sieve::VacationAction& v) {
    if (in.sender.empty()) return "null sender";
    const std::string sender = lower(in.sender);
    const std::string local = sender.substr(0, sender.rfind('@'));
    // RFC 5230 §4.6: senders that are lists or daemons.
    if (local == "mailer-daemon" || local.starts_with("owner-") || local.ends_with("-request") ||
        local == "listserv" || local == "majordomo")
        return "sender " + sender + " is a list or a daemon";
    for (const auto& value : view.raw_values("Auto-Submitted")) {
        if (lower(text::trim(value.substr(0, value.find(';')))) != "no") return "Auto-Submitted: " + value;
    }
    for (const auto& value : view.raw_values("Precedence")) {
        const std::string p = lower(text::trim(value));
        if (p == "bulk" || p == "list" || p == "junk") return "Precedence: " + p;
    }
    for (auto list : {"List-Id", "List-Help", "List-Subscribe", "List-Unsubscribe", "List-Post", "List-Owner",
                      "List-Archive"}) {
        if (view.has_field(list)) return std::string(list) + " present";
    }
    // RFC 5230 §4.5: only mail addressed to the user, in a field a person reads.
    std::vector<std::string> mine = {lower(in.recipient), lower(in.user)};
    for (const auto& a : v.addresses) mine.push_back(lower(a));
    const auto to = addresses_in(view, {"To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"});
    for (const auto& a : to) {
        for (const auto& m : mine)
            if (a == m) return std::nullopt;
    }
    return "the user's address is not in To or Cc";
}

std::string vacation_handle(const sieve::VacationAction& v) {
    if (v.handle) return *v.handle;
    return v.reason + '\0' + v.subject.value_or("") + '\0' + v.from.value_or("") + (v.mime ? "\1" : "\0");
}

Result<bool> vacation_due(const std::filesystem::path& user_dir, std::string_view handle, std::string_view sender,
                          std::uint64_t period_seconds, std::int64_t now) {
    const auto dir = user_dir / "sieve";
    const auto path = dir / kStateFile;
    const std::string key = hex_hash(handle);
    const std::string who = lower(sender);
    std::string kept;
    bool due = true;
    {
        std::ifstream in(path);
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::int64_t expiry = 0;
            std::string h;
            std::string s;
            if (!(fields >> expiry >> h >> s) || expiry <= now) continue;
            if (h == key && s == who) due = false;
            kept += line + "\n";
        }
    }
    if (!due) return false;
    kept += std::to_string(now + static_cast<std::int64_t>(period_seconds)) + " " + key + " " + who + "\n";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    // write_file_atomically never replaces: write a new name, then rename over the state.
    unsigned char random[8];
    randombytes_buf(random, sizeof random);
    char hex[2 * sizeof random + 1];
    sodium_bin2hex(hex, sizeof hex, random, sizeof random);
    const std::string tmp = std::string(kStateFile) + "." + hex;
    storage::AtomicWriteOptions options;
    options.fsync_dir = false;  // the rename below is what must last; losing it only repeats a reply
    if (auto w = storage::write_file_atomically(dir, tmp, kept, options); !w) return w.error();
    std::filesystem::rename(dir / tmp, path, ec);
    if (ec) {
        std::filesystem::remove(dir / tmp, ec);
        return Error::internal("cannot write " + path.string());
    }
    return true;
}

std::string compose_vacation_reply(const sieve::MessageView& view, const VacationInput& in,
                                   const sieve::VacationAction& v, std::int64_t now) {
    std::string subject;
    if (v.subject) {
        subject = *v.subject;
    } else {
        const auto original = view.decoded_values("Subject");
        subject = "Auto: " + (original.empty() ? std::string() : original.front());
    }
    unsigned char random[12];
    randombytes_buf(random, sizeof random);
    char hex[2 * sizeof random + 1];
    sodium_bin2hex(hex, sizeof hex, random, sizeof random);

    std::string out;
    out += "From: " + (v.from ? *v.from : std::string(in.user)) + "\r\n";
    out += "To: <" + std::string(in.sender) + ">\r\n";
    out += "Subject: " + header_text(subject) + "\r\n";
    out += "Date: " + text::rfc5322_date(now) + "\r\n";
    out += "Message-ID: <vacation." + std::string(hex) + "@" + domain_of(in.user) + ">\r\n";
    const auto ids = view.raw_values("Message-ID");
    if (!ids.empty()) {
        const std::string id(text::trim(ids.front()));
        out += "In-Reply-To: " + id + "\r\n";
        const auto refs = view.raw_values("References");
        out += "References: " + (refs.empty() ? id : std::string(text::trim(refs.front())) + " " + id) + "\r\n";
    }
    out += "Auto-Submitted: auto-replied (vacation)\r\n";
    out += "MIME-Version: 1.0\r\n";
    if (v.mime) return out + crlf(v.reason);  // :mime: the reason is a MIME entity
    out += "Content-Type: text/plain; charset=utf-8\r\n";
    out += "Content-Transfer-Encoding: 8bit\r\n\r\n";
    return out + crlf(v.reason);
}

}  // namespace mr::deliverd
