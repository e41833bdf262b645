// See mta_sts_fetch.hpp.
#include "deliverd/tls_policy/mta_sts_fetch.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/text/ascii.hpp"

namespace mr::deliverd::tls_policy {
namespace {

struct Body {
    std::string bytes;
    bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto* body = static_cast<Body*>(user);
    std::size_t len = size * n;
    if (body->bytes.size() + len > kMaxPolicyBytes) {
        body->too_large = true;
        return 0;  // aborts the transfer
    }
    body->bytes.append(data, len);
    return len;
}

// [delivery] ca_file beside the store curl loaded: added to the handshake's X509_STORE.
CURLcode add_extra_ca(CURL* /*curl*/, void* ssl_ctx, void* user) {
    const auto* file = static_cast<const std::filesystem::path*>(user);
    X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
    return X509_STORE_load_file(store, file->c_str()) == 1 ? CURLE_OK : CURLE_SSL_CACERT_BADFILE;
}

// When a fetch for (domain, id) last failed: §3.3 asks for five minutes between attempts.
std::mutex g_failures_mutex;
std::map<std::string, std::int64_t> g_failures;

std::filesystem::path cache_path(const FetchOptions& o, const std::string& domain) {
    return o.cache_dir / (domain + ".policy");
}

std::optional<CachedPolicy> read_cache(const FetchOptions& o, const std::string& domain) {
    std::ifstream in(cache_path(o, domain), std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_cached(ss.str());
}

// Replaces the cache file whole (temporary file, then rename), readable by us only.
void write_cache(const FetchOptions& o, const std::string& domain, const CachedPolicy& c) {
    std::error_code ec;
    std::filesystem::create_directories(o.cache_dir, ec);
    const auto final_path = cache_path(o, domain);
    const auto tmp = o.cache_dir / (".tmp-" + domain + "-" + std::to_string(getpid()) + "-" +
                                    std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())));
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    const std::string bytes = format_cached(c);
    bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
    ::close(fd);
    if (ok) std::filesystem::rename(tmp, final_path, ec);
    if (!ok || ec) std::filesystem::remove(tmp, ec);
}

std::optional<std::string> first_address(dns::DnsClient& dns, const std::string& host) {
    for (auto type : {dns::RecordType::A, dns::RecordType::AAAA}) {
        auto answer = dns.lookup(host, type);
        if (answer.ok() && !answer.records.empty()) {
            return type == dns::RecordType::AAAA ? "[" + answer.records[0] + "]" : answer.records[0];
        }
    }
    return std::nullopt;
}

}  // namespace

Result<std::string> fetch_policy_text(const std::string& domain, const std::string& address,
                                      const FetchOptions& options) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return Error::internal("curl_easy_init failed");
    const std::string url = "https://mta-sts." + domain + "/.well-known/mta-sts.txt";
    // RFC 8461 §3.3: the policy host by its name (SNI, certificate), at the address our
    // resolvers gave.
    const std::string connect_to = "::" + address + ":" + std::to_string(options.port);
    curl_slist* connect = curl_slist_append(nullptr, connect_to.c_str());
    Body body;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // §3.3: "3xx redirects MUST NOT be followed"
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(kFetchTimeout.count()));
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE, static_cast<long>(kMaxPolicyBytes));
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // a worker thread: no SIGALRM
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "mailroom-mta-sts/1");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    if (!options.extra_ca_file.empty()) {
        curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, add_extra_ca);
        curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, &options.extra_ca_file);
    }
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    char* content_type = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type);
    const std::string type = content_type != nullptr ? text::to_lower(content_type) : "";
    curl_easy_cleanup(curl);
    curl_slist_free_all(connect);
    if (body.too_large || rc == CURLE_FILESIZE_EXCEEDED) return Error::refused(url + ": policy larger than 64 KiB");
    if (rc != CURLE_OK) return Error::refused(url + ": " + (error[0] != 0 ? error : curl_easy_strerror(rc)));
    // §3.3 (rfc8461.txt:564): "Policies fetched via HTTPS are only valid if the HTTP
    // response code is 200 (OK)."
    if (status != 200) return Error::refused(url + ": HTTP status " + std::to_string(status));
    // §3.2 (rfc8461.txt:372): "senders SHOULD validate that the media type is "text/plain""
    if (!type.starts_with("text/plain")) return Error::refused(url + ": content type '" + type + "', not text/plain");
    return body.bytes;
}

namespace {

// The live policy of `domain`, fetched now and cached as published under `id`.
Result<CachedPolicy> fetch_and_cache(dns::DnsClient& dns, const std::string& domain, const std::string& id,
                                     const FetchOptions& options, std::int64_t now) {
    const std::string host = "mta-sts." + domain;
    auto address = first_address(dns, host);
    if (!address) return Error::refused("no address for " + host);
    Result<std::string> text = fetch_policy_text(domain, *address, options);
    if (!text) return text.error();
    std::optional<StsPolicy> policy = parse_policy(*text);
    if (!policy) return Error::syntax("https://" + host + "/.well-known/mta-sts.txt: not a valid STSv1 policy");
    CachedPolicy fresh;
    fresh.fetched_at = now;
    fresh.id = id;
    fresh.text = std::move(*text);
    fresh.policy = std::move(*policy);
    write_cache(options, domain, fresh);
    return fresh;
}

}  // namespace

// RFC 8460 §4.3.2.2: what kind of failure a failed fetch was. fetch_policy_text() gives
// Syntax for a policy that does not parse, and curl's text for a certificate it refused.
static std::string fetch_failure_type(const Error& e) {
    if (e.kind == ErrorKind::Syntax) return "sts-policy-invalid";
    if (e.message.find("certificate") != std::string::npos) return "sts-webpki-invalid";
    return "sts-policy-fetch-error";
}

PolicyLookup find_mta_sts_policy(dns::DnsClient& dns, const std::string& domain, const FetchOptions& options,
                                 std::int64_t now) {
    PolicyLookup out;
    std::optional<CachedPolicy> cached = read_cache(options, domain);
    if (cached && cached->expired(now)) cached.reset();

    auto txt = dns.lookup("_mta-sts." + domain, dns::RecordType::TXT);
    std::optional<std::string> id = txt.ok() ? policy_id(txt.records) : std::nullopt;
    if (!id) {
        // §3.1 (rfc8461.txt:341): no usable TXT record is "not by itself sufficient to
        // remove a sender's previously cached policy".
        out.policy = std::move(cached);
        out.note = out.policy ? "no usable _mta-sts record; cached policy applies" : "no policy";
        return out;
    }
    if (cached && cached->id == *id) {
        out.policy = std::move(cached);
        out.note = "cached";
        return out;
    }
    const std::string failure_key = domain + " " + *id;
    {
        std::lock_guard lock(g_failures_mutex);
        auto it = g_failures.find(failure_key);
        if (it != g_failures.end() && now < it->second + kFetchRetryAfter) {
            out.policy = std::move(cached);
            out.note = "policy fetch failed recently; not retried yet";
            return out;
        }
    }
    Result<CachedPolicy> fresh = fetch_and_cache(dns, domain, *id, options, now);
    if (!fresh) {
        std::lock_guard lock(g_failures_mutex);
        g_failures[failure_key] = now;
        // §3.3 (rfc8461.txt:583): a valid unexpired cache still applies.
        out.policy = std::move(cached);
        out.note = "policy fetch failed: " + fresh.error().message;
        out.fetch_failure = fetch_failure_type(fresh.error());
        return out;
    }
    out.policy = std::move(*fresh);
    out.note = "fetched";
    return out;
}

RefreshScan refresh_due_policies(dns::DnsClient& dns, const FetchOptions& options, std::int64_t now) {
    RefreshScan out;
    auto due_at = [&out](std::int64_t t) { out.next_due = out.next_due ? std::min(*out.next_due, t) : t; };
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(options.cache_dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with(".") || !name.ends_with(".policy")) continue;  // .tmp-* files being written
        const std::string domain = name.substr(0, name.size() - std::string_view(".policy").size());
        auto cached = read_cache(options, domain);
        // An expired policy is gone (§3.3); the next message to the domain discovers anew.
        if (!cached || cached->expired(now)) continue;
        if (now < cached->refresh_at()) {
            due_at(cached->refresh_at());
            continue;
        }
        // §10.2 (rfc8461.txt:1036): "fetching the current live policy in a background task
        // [...] regardless of the state of the "_mta-sts" TXT record": a new id is taken,
        // a missing record keeps the cached one.
        auto txt = dns.lookup("_mta-sts." + domain, dns::RecordType::TXT);
        std::optional<std::string> id = txt.ok() ? policy_id(txt.records) : std::nullopt;
        PolicyRefresh r;
        r.domain = domain;
        r.mode = cached->policy.mode;
        auto fresh = fetch_and_cache(dns, domain, id.value_or(cached->id), options, now);
        if (fresh) {
            r.note = "refreshed, id " + fresh->id + ", mode " + mode_name(fresh->policy.mode);
            due_at(fresh->refresh_at());
        } else {
            r.failed = true;
            r.note = fresh.error().message;
            due_at(now + kFetchRetryAfter);
        }
        out.refreshed.push_back(std::move(r));
    }
    return out;
}

}  // namespace mr::deliverd::tls_policy
