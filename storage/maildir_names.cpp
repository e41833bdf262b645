// Maildir naming: flag letters, unique base names, folder directory names.
// See maildir.hpp for the layout; everything here is pure string work.
#include <sodium.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "storage/maildir.hpp"

namespace mr::storage {

namespace {

struct FlagLetter {
    char letter;
    std::uint32_t flag;
};
// Sorted by letter: Maildir requires the info letters in ASCII order.
constexpr FlagLetter kLetters[] = {
    {'D', kDraft}, {'F', kFlagged}, {'R', kAnswered}, {'S', kSeen}, {'T', kDeleted}};

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto la = (a[i] >= 'a' && a[i] <= 'z') ? a[i] - 32 : a[i];
        const auto lb = (b[i] >= 'a' && b[i] <= 'z') ? b[i] - 32 : b[i];
        if (la != lb) return false;
    }
    return true;
}

// The host part of a unique name: '/' ':' ',' would break the name, so they are
// written as octal escapes like other Maildir writers do.
std::string sanitized_hostname() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == 0) return "localhost";
    std::string out;
    for (const char* p = host; *p; ++p) {
        switch (*p) {
            case '/': out += "\\057"; break;
            case ':': out += "\\072"; break;
            case ',': out += "\\054"; break;
            default: out += *p;
        }
    }
    return out;
}

}  // namespace

std::string flags_to_maildir_letters(std::uint32_t flags) {
    std::string out;
    for (const auto& l : kLetters) {
        if (flags & l.flag) out += l.letter;
    }
    return out;
}

std::uint32_t maildir_letters_to_flags(std::string_view letters) {
    std::uint32_t flags = 0;
    for (char c : letters) {
        for (const auto& l : kLetters) {
            if (c == l.letter) flags |= l.flag;
        }
    }
    return flags;
}

Result<std::string> normalize_mailbox_name(std::string_view name) {
    if (name.empty() || name.front() == '/' || name.back() == '/' ||
        name.find("//") != std::string_view::npos) {
        return Error::syntax("bad mailbox name: empty component");
    }
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return Error::syntax("bad mailbox name: control character");
    }
    std::string out(name);
    const auto first_end = name.find('/');
    if (iequals(name.substr(0, first_end), "INBOX")) out.replace(0, 5, "INBOX");
    if (folder_dir_name(out).size() > 255) return Error::syntax("mailbox name too long");
    return out;
}

std::string folder_dir_name(std::string_view imap_name) {
    if (imap_name == "INBOX") return {};
    std::string out = ".";
    for (char c : imap_name) {
        switch (c) {
            case '/': out += '.'; break;
            case '.': out += "%2E"; break;
            case '%': out += "%25"; break;
            default: out += c;
        }
    }
    return out;
}

std::optional<std::string> imap_name_from_folder_dir(std::string_view dir) {
    if (dir.size() < 2 || dir.front() != '.' || dir == "..") return std::nullopt;
    std::string out;
    for (std::size_t i = 1; i < dir.size(); ++i) {
        const char c = dir[i];
        if (c == '.') {
            out += '/';
        } else if (c == '%') {
            const auto code = dir.substr(i, 3);
            if (code == "%2E" || code == "%2e") out += '.';
            else if (code == "%25") out += '%';
            else return std::nullopt;
            i += 2;
        } else {
            out += c;
        }
    }
    auto normalized = normalize_mailbox_name(out);
    if (!normalized || *normalized == "INBOX") return std::nullopt;
    return *normalized;
}

MaildirFileName parse_maildir_file_name(std::string_view name) {
    MaildirFileName out;
    const auto info = name.find(':');
    out.base = std::string(name.substr(0, info));
    if (info != std::string_view::npos && name.substr(info, 3) == ":2,") {
        out.flags = maildir_letters_to_flags(name.substr(info + 3));
    }
    const auto s = out.base.find(",S=");
    if (s != std::string::npos) {
        std::int64_t size = 0;
        std::size_t i = s + 3;
        for (; i < out.base.size() && out.base[i] >= '0' && out.base[i] <= '9' && size < (1LL << 50); ++i) {
            size = size * 10 + (out.base[i] - '0');
        }
        if (i > s + 3) out.size = size;
    }
    return out;
}

std::string new_unique_base(std::size_t size, bool delivery) {
    static std::atomic<std::uint64_t> counter{0};
    static const std::string host = sanitized_hostname();
    struct timeval tv {};
    ::gettimeofday(&tv, nullptr);
    unsigned char random[8];
    randombytes_buf(random, sizeof random);
    char hex[2 * sizeof random + 1];
    sodium_bin2hex(hex, sizeof hex, random, sizeof random);
    return std::to_string(tv.tv_sec) + ".M" + std::to_string(tv.tv_usec) + "P" +
           std::to_string(::getpid()) + "Q" + std::to_string(++counter) + "R" + hex +
           (delivery ? std::string(kDeliveryMark) : std::string()) + "." + host + ",S=" + std::to_string(size);
}

bool is_delivery_file_name(std::string_view name) {
    // Consumes `prefix` then at least one character of `ok`; false when either is missing.
    auto field = [&name](std::string_view prefix, auto ok) {
        if (name.substr(0, prefix.size()) != prefix) return false;
        name.remove_prefix(prefix.size());
        std::size_t n = 0;
        while (n < name.size() && ok(name[n])) ++n;
        name.remove_prefix(n);
        return n > 0;
    };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
    if (!(field("", digit) && field(".M", digit) && field("P", digit) && field("Q", digit))) return false;
    if (name.size() < 17 || name.front() != 'R') return false;
    for (std::size_t i = 1; i <= 16; ++i) {
        if (!hex(name[i])) return false;
    }
    name.remove_prefix(17);
    if (name.substr(0, kDeliveryMark.size()) != kDeliveryMark) return false;
    name.remove_prefix(kDeliveryMark.size());
    // ".<host>,S=<size>": the host is sanitised (no '/', ':' or ','), so the first ','
    // starts the size, which ends the name (new/ files carry no ":2," info).
    const auto comma = name.find(',');
    if (comma == std::string_view::npos || comma < 2 || name.front() != '.') return false;
    if (name.substr(0, comma).find_first_of("/:") != std::string_view::npos) return false;
    name.remove_prefix(comma);
    return field(",S=", digit) && name.empty();
}

}  // namespace mr::storage
