// imap_fill: the mailboxes of the IMAP benchmark (bench/imap.sh), the same bytes for
// mailroom and Dovecot, each filled the way its own delivery path would.
//
//   imap_fill store USER_DIR COUNT [COPIES]
//       mailroom: MailboxStore::append_batch into INBOX (what deliverd does, so the
//       index caches envelope and body structure per message), 500 per batch; with
//       COPIES > 0 also a mailbox "Big" holding COPIES copies of INBOX, made with
//       MailboxStore::copy (hard links + index rows, as IMAP COPY does).
//   imap_fill maildir MAILDIR COUNT [COPIES]
//       Dovecot: Maildir files in MAILDIR/cur (tmp -> rename, what any MDA does), and
//       with COPIES > 0 a Maildir++ folder ".Big" of hard links to them; Dovecot
//       indexes both at their first SELECT.
//   imap_fill sample N       message N on stdout, to eyeball it
//   imap_fill stats COUNT    shape and size counts of messages 0..COUNT-1
//
// Message n is always the same bytes (std::mt19937 seeded with n): a realistic mix of
// plain text (8bit and quoted-printable), multipart/alternative with HTML, multipart/mixed
// with base64 attachments, forwarded message/rfc822, RFC 2047 subjects and display names
// in UTF-8 and ISO-8859-1, replies with In-Reply-To/References, 2-50 KiB, CRLF line ends.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bench/fill_common.hpp"
#include "common/text/sasl.hpp"
#include "storage/mailbox_store.hpp"

namespace fs = std::filesystem;

namespace {

constexpr const char* kWords[] = {
    "meeting", "budget", "report", "quarter", "review", "draft", "project", "deadline", "invoice",
    "schedule", "update", "release", "customer", "server", "holiday", "lunch", "figures", "contract",
    "the", "and", "for", "with", "about", "next", "week", "please", "thanks", "regards", "team",
    "attached", "question", "answer", "issue", "plan", "office", "travel", "notes", "agenda"};
constexpr const char* kNames[] = {"Alice Martin", "Bob Chen", "Carla Rossi", "David Okafor", "Eva Novak",
                                  "Frank Weber", "Grace Kim", "Hugo Lefebvre", "Ines Garcia", "Jon Berg"};
// Display names and subjects a client must decode (RFC 2047): UTF-8 B, UTF-8 Q, Latin-1 Q.
constexpr const char* kEncodedNames[] = {"=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?=", "=?UTF-8?Q?Fran=C3=A7oise_Dupr=C3=A9?=",
                                         "=?ISO-8859-1?Q?Bj=F6rn_=C5strand?="};
constexpr const char* kEncodedSubjects[] = {
    "=?UTF-8?B?w5xiZXJwcsO8ZnVuZyBkZXIgUXVhcnRhbHN6YWhsZW4=?=",          // Überprüfung der Quartalszahlen
    "=?UTF-8?Q?R=C3=A9union_de_l=27=C3=A9quipe_=E2=80=93_ordre_du_jour?=",  // Réunion de l'équipe – ordre du jour
    "=?ISO-8859-1?Q?K=F6ln_Reise_=FCbermorgen?=",                          // Köln Reise übermorgen
    "=?UTF-8?B?5pyI5qyh5aCx5ZGK?="};                                       // 月次報告

class Generator {
public:
    explicit Generator(int n) : n_(n), rng_(static_cast<std::mt19937::result_type>(n) * 2654435761u + 17u) {}

    std::string message() {
        const std::uint32_t target = size_target();
        const int shape = pick(100);
        std::string body;
        std::string type;
        if (shape < 35) {
            type = plain_part(body, target, true);
        } else if (shape < 65) {
            type = alternative(body, target);
        } else if (shape < 90) {
            type = mixed_with_attachments(body, target);
        } else {
            type = forwarded(body, target);
        }
        return headers(type) + "\r\n" + body;
    }

    static const char* shape_name(int n) {
        Generator g(n);
        (void)g.size_target();
        const int shape = g.pick(100);
        return shape < 35 ? "text/plain" : shape < 65 ? "alternative" : shape < 90 ? "mixed+attachment" : "forward";
    }

private:
    int pick(int bound) { return static_cast<int>(rng_() % static_cast<std::uint32_t>(bound)); }

    // 2-50 KiB, most messages small (as in a real mailbox): 60 % under 8 KiB.
    std::uint32_t size_target() {
        const int r = pick(100);
        if (r < 60) return 2048 + static_cast<std::uint32_t>(pick(6 * 1024));
        if (r < 90) return 8192 + static_cast<std::uint32_t>(pick(16 * 1024));
        return 24576 + static_cast<std::uint32_t>(pick(26 * 1024));
    }

    std::string word() { return kWords[pick(static_cast<int>(std::size(kWords)))]; }

    std::string sentence(int words) {
        std::string s;
        for (int i = 0; i < words; ++i) {
            if (i) s += ' ';
            s += word();
        }
        s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
        return s;
    }

    std::string person(bool encoded_ok) {
        const int i = pick(static_cast<int>(std::size(kNames)));
        std::string local = kNames[i];
        for (auto& c : local) c = c == ' ' ? '.' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (encoded_ok && pick(6) == 0)
            return std::string(kEncodedNames[pick(static_cast<int>(std::size(kEncodedNames)))]) + " <" + local +
                   "@partner.example>";
        return "\"" + std::string(kNames[i]) + "\" <" + local + "@example.org>";
    }

    std::string headers(const std::string& content_type) {
        const std::string id = std::to_string(n_);
        const int day = 1 + n_ % 28;
        char date[80];
        std::snprintf(date, sizeof date, "%s, %d Oct 2026 %02d:%02d:%02d +0%d00", kDays[n_ % 7], day, pick(24),
                      pick(60), pick(60), pick(3));
        std::string subject = pick(5) == 0 ? kEncodedSubjects[pick(static_cast<int>(std::size(kEncodedSubjects)))]
                                           : sentence(3 + pick(6));
        const bool reply = pick(3) == 0;
        if (reply) subject = "Re: " + subject;
        std::string h =
            "Return-Path: <sender" + id + "@example.org>\r\n"
            "Received: from mail.example.org (mail.example.org [192.0.2." + std::to_string(n_ % 250 + 1) +
            "])\r\n\tby mx.example.test with ESMTPS id 4Xy" + id + "Qz\r\n\tfor <reader@example.test>; " + date +
            "\r\n"
            "Received: from [10.0.0." + std::to_string(n_ % 200 + 2) + "] by mail.example.org with ESMTPSA id " + id +
            "\r\n\t(version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384); " + date + "\r\n"
            "From: " + person(true) + "\r\n"
            "To: Reader <reader@example.test>" + (pick(3) == 0 ? ", " + person(false) : std::string()) + "\r\n";
        if (pick(4) == 0) h += "Cc: " + person(true) + ", " + person(false) + "\r\n";
        h += "Subject: " + subject + "\r\n"
             "Date: " + std::string(date) + "\r\n"
             "Message-ID: <" + id + "." + std::to_string(rng_()) + "@mail.example.org>\r\n";
        if (reply) {
            const std::string parent = "<" + std::to_string(n_ > 0 ? n_ - 1 : 0) + ".thread@mail.example.org>";
            h += "In-Reply-To: " + parent + "\r\nReferences: <root" + std::to_string(n_ / 50) +
                 ".thread@mail.example.org>\r\n " + parent + "\r\n";
        }
        if (pick(10) == 0) h += "X-Priority: 1 (Highest)\r\n";
        if (pick(4) == 0) h += "Reply-To: " + person(false) + "\r\n";
        h += "User-Agent: Mozilla/5.0 Thunderbird/115.0\r\nMIME-Version: 1.0\r\nContent-Type: " + content_type + "\r\n";
        return h;
    }

    // Text lines up to `bytes` octets; some 8-bit (UTF-8) words, some lines starting with ".".
    std::string text(std::uint32_t bytes, bool eight_bit) {
        std::string out;
        while (out.size() < bytes) {
            std::string l = sentence(5 + pick(8));
            if (eight_bit && pick(6) == 0) l += " gr\xc3\xbc\xc3\x9f" "e \xe2\x80\x93 caf\xc3\xa9";
            if (pick(20) == 0) l = "." + l;
            if (pick(8) == 0) l = "> " + l;
            out += l + ".\r\n";
            if (pick(6) == 0) out += "\r\n";
        }
        return out;
    }

    // quoted-printable of UTF-8 text: "=C3=BC" for 8-bit octets, "=3D" for "=" (short lines only).
    static std::string qp(const std::string& s) {
        static const char* const kHex = "0123456789ABCDEF";
        std::string out;
        for (unsigned char c : s) {
            if (c >= 0x80 || c == '=') {
                out += '=';
                out += kHex[c >> 4];
                out += kHex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
        return out;
    }

    std::string plain_part(std::string& body, std::uint32_t bytes, bool top) {
        const bool quoted = pick(2) == 0;
        const std::string t = text(bytes, true);
        body += quoted ? qp(t) : t;
        const std::string type = "text/plain; charset=UTF-8; format=flowed";
        const std::string cte = quoted ? "quoted-printable" : "8bit";
        if (top) return type + "\r\nContent-Transfer-Encoding: " + cte;
        return type;
    }

    std::string boundary(const char* kind) { return std::string("------------") + kind + std::to_string(n_) + "x" + std::to_string(rng_() % 100000); }

    std::string html(std::uint32_t bytes) {
        std::string out = "<!DOCTYPE html>\r\n<html><head><meta http-equiv=\"content-type\" content=\"text/html; charset=UTF-8\"></head>\r\n<body>\r\n";
        while (out.size() < bytes) out += "<p>" + sentence(6 + pick(10)) + " <b>" + word() + "</b></p>\r\n";
        return out + "</body></html>\r\n";
    }

    std::string alternative(std::string& body, std::uint32_t target) {
        const std::string b = boundary("alt");
        const std::string t = text(target / 3, true);
        body += "This is a multi-part message in MIME format.\r\n--" + b +
                "\r\nContent-Type: text/plain; charset=UTF-8; format=flowed\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
                qp(t) + "\r\n--" + b + "\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
                html(target - target / 3) + "\r\n--" + b + "--\r\n";
        return "multipart/alternative;\r\n boundary=\"" + b + "\"";
    }

    std::string attachment(std::uint32_t bytes) {
        static const char* const kTypes[][2] = {{"application/pdf", "report.pdf"},
                                                {"image/png", "screenshot.png"},
                                                {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "figures.xlsx"},
                                                {"image/jpeg", "IMG_2041.jpg"}};
        const auto& t = kTypes[pick(4)];
        std::string raw(bytes * 3 / 4, '\0');
        for (auto& c : raw) c = static_cast<char>(rng_() & 0xff);
        const std::string b64 = mr::text::base64_encode(raw);
        std::string name = t[1];
        std::string disp = "attachment;\r\n filename=\"" + name + "\"";
        if (pick(5) == 0)  // RFC 2231 file name with non-ASCII characters
            disp = "attachment;\r\n filename*=UTF-8''%C3%9Cbersicht%20" + name;
        std::string out = "Content-Type: " + std::string(t[0]) + ";\r\n name=\"" + name +
                          "\"\r\nContent-Disposition: " + disp + "\r\nContent-Transfer-Encoding: base64\r\n\r\n";
        for (std::size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
        return out;
    }

    std::string mixed_with_attachments(std::string& body, std::uint32_t target) {
        const std::string b = boundary("mix");
        std::string first;
        std::string first_type;
        if (pick(2) == 0) {
            first_type = alternative(first, 1024 + target / 8);
            first_type = "Content-Type: " + first_type + "\r\n\r\n";
        } else {
            first = text(1024 + target / 8, false);
            first_type = "Content-Type: text/plain; charset=UTF-8; format=flowed\r\nContent-Transfer-Encoding: 7bit\r\n\r\n";
        }
        body += "This is a multi-part message in MIME format.\r\n--" + b + "\r\n" + first_type + first;
        const int count = 1 + pick(3);
        const std::uint32_t each = (target > body.size() + 600 ? target - static_cast<std::uint32_t>(body.size()) : 600) / count;
        for (int i = 0; i < count; ++i) body += "\r\n--" + b + "\r\n" + attachment(each);
        body += "\r\n--" + b + "--\r\n";
        return "multipart/mixed;\r\n boundary=\"" + b + "\"";
    }

    std::string forwarded(std::string& body, std::uint32_t target) {
        const std::string b = boundary("fwd");
        Generator inner(n_ + 1000003);
        std::string inner_body;
        const std::string inner_type = pick(2) == 0 ? inner.plain_part(inner_body, target / 2, true)
                                                    : inner.alternative(inner_body, target / 2);
        const std::string inner_msg = inner.headers(inner_type) + "\r\n" + inner_body;
        body += "This is a multi-part message in MIME format.\r\n--" + b +
                "\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" +
                text(600, false) + "\r\n--" + b +
                "\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment;\r\n filename=\"Forwarded message.eml\"\r\n\r\n" +
                inner_msg + "\r\n--" + b + "--\r\n";
        return "multipart/mixed;\r\n boundary=\"" + b + "\"";
    }

    static constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    int n_;
    std::mt19937 rng_;
};

std::string make_message(int n) { return Generator(n).message(); }

int fill_store(const fs::path& user_dir, int count, int copies) {
    constexpr int kBatch = 500;
    auto store = mr::bench::fill_inbox(user_dir, count, kBatch, make_message, 1790000000);
    if (!store) return 1;
    if (copies <= 0) return 0;
    if (auto r = store->create_mailbox("Big"); !r) {
        std::cerr << "create Big: " << r.error().message << "\n";
        return 1;
    }
    std::vector<std::uint32_t> uids;
    for (int i = 1; i <= count; ++i) uids.push_back(static_cast<std::uint32_t>(i));
    for (int c = 0; c < copies; ++c) {
        if (auto r = store->copy("INBOX", uids, "Big"); !r) {
            std::cerr << "copy: " << r.error().message << "\n";
            return 1;
        }
    }
    return 0;
}

int fill_maildir(const fs::path& maildir, int count, int copies) {
    std::error_code ec;
    for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(maildir / sub, ec);
    const long pid = static_cast<long>(::getpid());
    std::vector<fs::path> files;
    for (int n = 0; n < count; ++n) {
        const std::string m = make_message(n);
        const std::string name = std::to_string(1790000000 + n) + ".M" + std::to_string(n) + "P" +
                                 std::to_string(pid) + ".imapbench,S=" + std::to_string(m.size());
        files.push_back(maildir / "cur" / (name + ":2,"));
        if (!mr::bench::deliver_to_maildir(maildir, name, m, files.back())) return 1;
    }
    if (copies <= 0) return 0;
    const fs::path big = maildir / ".Big";
    for (const char* sub : {"tmp", "new", "cur"}) fs::create_directories(big / sub, ec);
    for (int c = 0; c < copies; ++c) {
        for (std::size_t i = 0; i < files.size(); ++i) {
            const std::string name = std::to_string(1790000000 + c * count + static_cast<int>(i)) + ".C" +
                                     std::to_string(c) + "M" + std::to_string(i) + ".imapbench:2,";
            fs::create_hard_link(files[i], big / "cur" / name, ec);
            if (ec) {
                std::cerr << "link " << files[i] << ": " << ec.message() << "\n";
                return 1;
            }
        }
    }
    return 0;
}

int stats(int count) {
    std::map<std::string, int> shapes;
    std::size_t total = 0, smallest = SIZE_MAX, largest = 0;
    for (int n = 0; n < count; ++n) {
        const std::string m = make_message(n);
        ++shapes[Generator::shape_name(n)];
        total += m.size();
        smallest = std::min(smallest, m.size());
        largest = std::max(largest, m.size());
    }
    for (const auto& [k, v] : shapes) std::cout << k << " " << v << "\n";
    std::cout << "bytes " << total << " min " << smallest << " max " << largest << "\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    const int copies = argc > 4 ? std::atoi(argv[4]) : 0;
    if (mode == "store" && (argc == 4 || argc == 5)) return fill_store(argv[2], std::atoi(argv[3]), copies);
    if (mode == "maildir" && (argc == 4 || argc == 5)) return fill_maildir(argv[2], std::atoi(argv[3]), copies);
    if (mode == "stats" && argc == 3) return stats(std::atoi(argv[2]));
    if (mode == "sample" && argc == 3) {
        std::cout << make_message(std::atoi(argv[2]));
        return 0;
    }
    std::cerr << "usage: imap_fill store USER_DIR COUNT [COPIES] | maildir MAILDIR COUNT [COPIES] |"
                 " sample N | stats COUNT\n";
    return 2;
}
