// See client.hpp.
#include "common/acme/client.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/acme/certificate.hpp"
#include "common/acme/messages.hpp"
#include "common/acme/store.hpp"
#include "common/log/log.hpp"

namespace mr::acme {

namespace {

struct Response {
    long status = 0;
    std::string body;
    std::string nonce;
    std::string location;
    std::string retry_after;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    auto* r = static_cast<Response*>(user);
    std::string_view line(data, size * n);
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        std::string name(line.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
            value.remove_suffix(1);
        }
        if (name == "replay-nonce") r->nonce = value;
        if (name == "location") r->location = value;
        if (name == "retry-after") r->retry_after = value;
    }
    return size * n;
}

class Session {
public:
    Session(const ClientOptions& o, const AccountKey& key) : opt_(o), key_(key), curl_(curl_easy_init()) {}
    ~Session() { curl_easy_cleanup(curl_); }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // method: "GET", "HEAD" or "POST" (with a JOSE body).
    Result<Response> request(const std::string& method, const std::string& url, const std::string& body = {}) {
        if (curl_ == nullptr) return Error::internal("curl_easy_init failed");
        Response r;
        curl_easy_reset(curl_);
        curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "https,http");
        curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 30L);
        curl_easy_setopt(curl_, CURLOPT_USERAGENT, "mailroom-acme/1");
        if (!opt_.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, opt_.ca_file.c_str());
        curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &r.body);
        curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &r);
        curl_slist* headers = nullptr;
        if (method == "HEAD") {
            curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
        } else if (method == "POST") {
            headers = curl_slist_append(headers, "Content-Type: application/jose+json");
            curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
            curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
            curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
        }
        CURLcode rc = curl_easy_perform(curl_);
        curl_slist_free_all(headers);
        if (rc != CURLE_OK) return Error::refused(url + ": " + curl_easy_strerror(rc));
        curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &r.status);
        if (!r.nonce.empty()) nonce_ = r.nonce;
        return r;
    }

    Result<void> start() {
        auto dir = request("GET", opt_.directory);
        if (!dir) return dir.error();
        if (dir->status != 200) return Error::refused("ACME directory: HTTP " + std::to_string(dir->status));
        auto d = parse_directory(dir->body);
        if (!d) return d.error();
        dir_ = *d;
        auto n = request("HEAD", dir_.new_nonce);
        if (!n) return n.error();
        if (nonce_.empty()) return Error::refused("ACME newNonce gave no Replay-Nonce");
        return {};
    }

    // A signed POST (payload empty: POST-as-GET); HTTP errors become Errors.
    Result<Response> post(const std::string& url, const std::string& payload) {
        for (int attempt = 0;; ++attempt) {
            auto jws = make_jws(key_, url, nonce_, kid_, payload);
            if (!jws) return jws.error();
            auto r = request("POST", url, *jws);
            if (!r) return r.error();
            if (r->status < 400) return r;
            const bool bad_nonce = r->body.find("urn:ietf:params:acme:error:badNonce") != std::string::npos;
            if (bad_nonce && attempt == 0) continue;
            return Error::refused(url + ": HTTP " + std::to_string(r->status) + " " + problem_text(r->body));
        }
    }

    Result<void> account() {
        auto r = post(dir_.new_account, new_account_payload(opt_.email));
        if (!r) return r.error();
        if (r->location.empty()) return Error::refused("ACME newAccount gave no Location");
        kid_ = r->location;
        return {};
    }

    const Directory& directory() const { return dir_; }
    const ClientOptions& options() const { return opt_; }

private:
    const ClientOptions& opt_;
    const AccountKey& key_;
    CURL* curl_;
    Directory dir_;
    std::string nonce_;
    std::string kid_;
};

// Polls `url` (POST-as-GET) until `done(body)` says so, with back-off.
template <class Done>
Result<Response> poll(Session& s, const std::string& url, Done done) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::seconds(s.options().poll_timeout_s);
    long delay = 1;
    for (;;) {
        auto r = s.post(url, "");
        if (!r) return r.error();
        auto d = done(r->body);
        if (!d) return d.error();
        if (*d) return r;
        const long wait = std::min<long>(retry_after_seconds(r->retry_after, delay), 30);
        if (Clock::now() + std::chrono::seconds(wait) > deadline) return Error::refused(url + ": still pending");
        std::this_thread::sleep_for(std::chrono::seconds(wait));
        delay = std::min<long>(delay * 2, 16);
    }
}

Result<void> authorize(Session& s, const AccountKey& key, const std::string& authz_url,
                       std::vector<std::filesystem::path>& written) {
    auto r = s.post(authz_url, "");
    if (!r) return r.error();
    auto a = parse_authorization(r->body);
    if (!a) return a.error();
    if (a->status == "valid") return {};
    if (a->status != "pending") return Error::refused("authorization for " + a->identifier + " is " + a->status);
    const std::string& type = s.options().challenge;
    auto ch = std::find_if(a->challenges.begin(), a->challenges.end(),
                           [&](const Challenge& c) { return c.type == type; });
    if (ch == a->challenges.end()) return Error::refused("no " + type + " challenge for " + a->identifier);
    if (!valid_token(ch->token)) return Error::syntax("bad challenge token for " + a->identifier);
    std::filesystem::path file;
    std::string content;
    if (type == "tls-alpn-01") {
        if (!valid_name(a->identifier)) return Error::syntax("bad identifier " + a->identifier);
        auto challenge_key = generate_p256();
        if (!challenge_key) return challenge_key.error();
        auto pem = make_alpn_challenge_pem(challenge_key->get(), a->identifier, key.key_authorization(ch->token));
        if (!pem) return pem.error();
        file = s.options().challenge_dir / (a->identifier + ".alpn.pem");
        content = std::move(*pem);
    } else {
        file = s.options().challenge_dir / ch->token;
        content = key.key_authorization(ch->token);
    }
    if (auto w = write_private(file, content); !w) return w.error();
    written.push_back(file);
    if (auto c = s.post(ch->url, "{}"); !c) return c.error();
    auto done = poll(s, authz_url, [&](const std::string& body) -> Result<bool> {
        auto now = parse_authorization(body);
        if (!now) return now.error();
        if (now->status == "valid") return true;
        if (now->status == "pending") return false;
        return Error::refused("validation of " + a->identifier + " failed: " + now->status + " " + now->error);
    });
    if (!done) return done.error();
    log::info("acme_authorized", {{"name", a->identifier}});
    return {};
}

Result<Issued> run(Session& s, const AccountKey& key, const std::vector<std::string>& names,
                   std::vector<std::filesystem::path>& written) {
    if (auto st = s.start(); !st) return st.error();
    if (auto acc = s.account(); !acc) return acc.error();
    auto r = s.post(s.directory().new_order, new_order_payload(names));
    if (!r) return r.error();
    const std::string order_url = r->location;
    auto order = parse_order(r->body);
    if (!order) return order.error();
    if (order_url.empty()) return Error::refused("ACME newOrder gave no Location");
    for (const auto& authz : order->authorizations) {
        if (auto a = authorize(s, key, authz, written); !a) return a.error();
    }
    auto status_is = [](std::initializer_list<const char*> done_states) {
        return [done_states](const std::string& body) -> Result<bool> {
            auto o = parse_order(body);
            if (!o) return o.error();
            if (o->status == "invalid") return Error::refused("ACME order became invalid");
            for (const char* st : done_states) {
                if (o->status == st) return true;
            }
            return false;
        };
    };
    auto ready = poll(s, order_url, status_is({"ready", "valid"}));
    if (!ready) return ready.error();
    auto cert_key = generate_p256();
    if (!cert_key) return cert_key.error();
    auto csr = make_csr(cert_key->get(), names);
    if (!csr) return csr.error();
    auto fin = s.post(order->finalize, finalize_payload(*csr));
    if (!fin) return fin.error();
    auto valid = poll(s, order_url, status_is({"valid"}));
    if (!valid) return valid.error();
    auto final_order = parse_order(valid->body);
    if (!final_order) return final_order.error();
    if (final_order->certificate.empty()) return Error::refused("valid ACME order without a certificate URL");
    auto cert = s.post(final_order->certificate, "");
    if (!cert) return cert.error();
    if (auto info = read_certificate(cert->body); !info) return info.error();
    return Issued{cert->body, key_to_pem(cert_key->get())};
}

}  // namespace

Result<Issued> obtain_certificate(const ClientOptions& options, const AccountKey& account,
                                  const std::vector<std::string>& names) {
    static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!curl_ready) return Error::internal("curl_global_init failed");
    std::error_code ec;
    std::filesystem::create_directories(options.challenge_dir, ec);
    if (ec) return Error::system(ec.value(), "cannot create " + options.challenge_dir.string());
    Session session(options, account);
    std::vector<std::filesystem::path> written;
    auto out = run(session, account, names, written);
    for (const auto& f : written) std::filesystem::remove(f, ec);
    return out;
}

}  // namespace mr::acme
