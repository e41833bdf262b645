// DKIM signing and verification rates of our code, one thread (per core), on a 4 KiB
// message, beside `openssl speed` for the same algorithms in the same run (issue 15's
// figures). Rates are per CPU second of the one thread, as openssl speed counts them.
// Usage: dkim_bench [--seconds N]
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/dkim/message_signer.hpp"
#include "common/mailauth/dkim_verify.hpp"

using namespace mr;

namespace {

struct KeyDns final : dns::DnsClient {
    std::map<std::string, std::string> txt;
    dns::DnsAnswer lookup(std::string_view name, dns::RecordType) override {
        auto it = txt.find(std::string(name));
        if (it == txt.end()) return {dns::DnsAnswer::Status::NxDomain, {}};
        return {dns::DnsAnswer::Status::Ok, {it->second}};
    }
};

std::string message_4k() {
    std::string m =
        "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.net>\r\nSubject: benchmark\r\n"
        "Date: Mon, 07 Dec 2026 10:00:00 +0000\r\nMessage-ID: <bench@example.org>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
    while (m.size() < 4096) m += "The quick brown fox jumps over the lazy dog, again and again.  \r\n";
    return m;
}

// The CPU time this thread has used: `openssl speed` counts user CPU time (unless told
// -elapsed), so on a machine shared with other work wall-clock rates would compare our code
// running a fraction of the time with openssl running all of it.
double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Operations per CPU second of this thread, over `seconds` of its CPU time.
template <class F>
double rate(double seconds, F&& op) {
    std::size_t n = 0;
    const double start = thread_cpu_seconds();
    double now = start;
    while (now - start < seconds) {
        op();
        ++n;
        now = thread_cpu_seconds();
    }
    return static_cast<double>(n) / (now - start);
}

// openssl speed's sign/s and verify/s for "rsa 2048" and "Ed25519" lines.
std::map<std::string, std::pair<double, double>> openssl_speed(int seconds) {
    std::map<std::string, std::pair<double, double>> out;
    const std::string cmd = "openssl speed -seconds " + std::to_string(seconds) + " rsa2048 ed25519 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return out;
    char line[512];
    while (std::fgets(line, sizeof line, p) != nullptr) {
        std::string l(line);
        std::istringstream in(l);
        std::vector<std::string> w;
        for (std::string t; in >> t;) w.push_back(t);
        // "rsa 2048 bits 0.000587s 0.000017s 1703.5 58823.5"
        if (w.size() >= 7 && w[0] == "rsa" && w[1] == "2048" && w[2] == "bits") {
            out["rsa-sha256"] = {std::stod(w[5]), std::stod(w[6])};
        }
        // " 253 bits EdDSA (Ed25519)   0.0000s   0.0001s  23473.0   8553.2"
        if (l.find("(Ed25519)") != std::string::npos && w.size() >= 8) {
            out["ed25519-sha256"] = {std::stod(w[w.size() - 2]), std::stod(w[w.size() - 1])};
        }
    }
    pclose(p);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 3;
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::stod(argv[i + 1]);
    }
    const std::string message = message_4k();
    KeyDns dns;
    const auto speed = openssl_speed(static_cast<int>(seconds));
    std::cout << "DKIM, one thread, " << message.size() << "-byte message, " << seconds
              << " CPU s each (per core, like openssl speed)\n";
    for (auto alg : {dkim::Algorithm::RsaSha256, dkim::Algorithm::Ed25519Sha256}) {
        auto key = dkim::SigningKey::generate(alg);
        if (!key) return 1;
        const std::string name(dkim::algorithm_tag(alg));
        dns.txt["sel._domainkey.example.org"] = *key->dns_record();
        std::vector<dkim::Signer> signers{{"example.org", "sel", std::make_shared<const dkim::SigningKey>(std::move(*key))}};
        std::string signed_message;
        const double signs = rate(seconds, [&] {
            auto f = dkim::sign_message(message, signers, 1796601600);
            signed_message = *f + message;
        });
        bool ok = true;
        const double verifies = rate(seconds, [&] {
            auto r = mailauth::verify_dkim(dns, signed_message, 1796601600);
            ok = ok && r.size() == 1 && r[0].result == mailauth::DkimVerdict::Pass;
        });
        if (!ok) {
            std::cerr << name << ": a verification did not pass\n";
            return 1;
        }
        std::printf("%-15s sign %8.0f/s   verify %8.0f/s", name.c_str(), signs, verifies);
        auto it = speed.find(name);
        if (it != speed.end()) {
            std::printf("   openssl speed: sign %8.0f/s verify %8.0f/s   ours/openssl: sign %.2f verify %.2f",
                        it->second.first, it->second.second, signs / it->second.first, verifies / it->second.second);
        }
        std::printf("\n");
    }
    return 0;
}
