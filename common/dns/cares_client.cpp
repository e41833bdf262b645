#include "common/dns/cares_client.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <netdb.h>
#include <poll.h>

#include <algorithm>
#include <mutex>

#include "common/dns/reply_ttl.hpp"

namespace mr::dns {

struct CaresDnsClient::Impl {
    ares_channel channel = nullptr;
    std::chrono::milliseconds timeout{5000};
};

namespace {

struct Query {
    RecordType type;
    bool done = false;
    DnsAnswer answer;
};

std::string address_text(int family, const void* addr) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(family, addr, buf, sizeof buf) == nullptr) return {};
    return buf;
}

std::string without_final_dot(std::string name) {
    if (!name.empty() && name.back() == '.') name.pop_back();
    return name;
}

std::uint16_t read16(const unsigned char* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

// The answer section's records of `want` type, each handed to `take` with its RDATA (the
// CNAMEs on the way to them are skipped). For the types c-ares has no parser for.
template <typename Take>
int walk_answers(const unsigned char* buf, int len, int want, Take take) {
    if (len < 12) return ARES_EBADRESP;
    const int qdcount = read16(buf + 4);
    const int ancount = read16(buf + 6);
    const unsigned char* p = buf + 12;
    const unsigned char* end = buf + len;
    auto skip_name = [&]() {
        char* name = nullptr;
        long n = 0;
        if (ares_expand_name(p, buf, len, &name, &n) != ARES_SUCCESS) return false;
        ares_free_string(name);
        p += n;
        return p <= end;
    };
    for (int i = 0; i < qdcount; ++i) {
        if (!skip_name() || end - p < 4) return ARES_EBADRESP;
        p += 4;
    }
    for (int i = 0; i < ancount; ++i) {
        if (!skip_name() || end - p < 10) return ARES_EBADRESP;
        const int type = read16(p);
        const int rdlength = read16(p + 8);
        p += 10;
        if (end - p < rdlength) return ARES_EBADRESP;
        if (type == want && !take(p, rdlength)) return ARES_EBADRESP;
        p += rdlength;
    }
    return ARES_SUCCESS;
}

// TLSA (RFC 6698 §2.1): "usage selector mtype hex".
int parse_tlsa(const unsigned char* buf, int len, std::vector<std::string>& out) {
    static const char* hex = "0123456789abcdef";
    return walk_answers(buf, len, ns_t_tlsa, [&](const unsigned char* p, int rdlength) {
        if (rdlength < 3) return false;
        std::string rec = std::to_string(p[0]) + " " + std::to_string(p[1]) + " " + std::to_string(p[2]) + " ";
        for (int k = 3; k < rdlength; ++k) {
            rec += hex[p[k] >> 4];
            rec += hex[p[k] & 0x0f];
        }
        out.push_back(std::move(rec));
        return true;
    });
}

int parse_cname(const unsigned char* buf, int len, std::vector<std::string>& out) {
    return walk_answers(buf, len, ns_t_cname, [&](const unsigned char* p, int /*rdlength*/) {
        char* name = nullptr;
        long n = 0;
        if (ares_expand_name(p, buf, len, &name, &n) != ARES_SUCCESS) return false;
        out.push_back(without_final_dot(name));
        ares_free_string(name);
        return true;
    });
}

// Fills q.answer from a reply whose header said NOERROR. A reply c-ares cannot parse is
// a TempFail: we could not learn the answer.
void parse_reply(Query& q, const unsigned char* buf, int len) {
    DnsAnswer& a = q.answer;
    a.status = DnsAnswer::Status::Ok;
    int rc = ARES_SUCCESS;
    switch (q.type) {
    case RecordType::A: {
        ares_addrttl ttls[64];
        int n = 64;
        rc = ares_parse_a_reply(buf, len, nullptr, ttls, &n);
        if (rc == ARES_SUCCESS) {
            for (int i = 0; i < n; ++i) a.records.push_back(address_text(AF_INET, &ttls[i].ipaddr));
        }
        break;
    }
    case RecordType::AAAA: {
        ares_addr6ttl ttls[64];
        int n = 64;
        rc = ares_parse_aaaa_reply(buf, len, nullptr, ttls, &n);
        if (rc == ARES_SUCCESS) {
            for (int i = 0; i < n; ++i) a.records.push_back(address_text(AF_INET6, &ttls[i].ip6addr));
        }
        break;
    }
    case RecordType::MX: {
        ares_mx_reply* mx = nullptr;
        rc = ares_parse_mx_reply(buf, len, &mx);
        if (rc == ARES_SUCCESS) {
            for (auto* m = mx; m != nullptr; m = m->next) {
                a.records.push_back(std::to_string(m->priority) + " " + without_final_dot(m->host));
            }
            ares_free_data(mx);
        }
        break;
    }
    case RecordType::TXT: {
        ares_txt_ext* txt = nullptr;
        rc = ares_parse_txt_reply_ext(buf, len, &txt);
        if (rc == ARES_SUCCESS) {
            for (auto* t = txt; t != nullptr; t = t->next) {
                const std::string part(reinterpret_cast<const char*>(t->txt), t->length);
                if (t->record_start || a.records.empty()) {
                    a.records.push_back(part);
                } else {
                    a.records.back() += part;  // strings of one record are concatenated
                }
            }
            ares_free_data(txt);
        }
        break;
    }
    case RecordType::TLSA:
        rc = parse_tlsa(buf, len, a.records);
        break;
    case RecordType::CNAME:
        rc = parse_cname(buf, len, a.records);
        break;
    case RecordType::SRV: {
        ares_srv_reply* srv = nullptr;
        rc = ares_parse_srv_reply(buf, len, &srv);
        if (rc == ARES_SUCCESS) {
            for (auto* r = srv; r != nullptr; r = r->next) {
                a.records.push_back(std::to_string(r->priority) + " " + std::to_string(r->weight) + " " +
                                    std::to_string(r->port) + " " + without_final_dot(r->host));
            }
            ares_free_data(srv);
        }
        break;
    }
    case RecordType::PTR: {
        hostent* host = nullptr;
        rc = ares_parse_ptr_reply(buf, len, nullptr, 0, AF_INET, &host);
        if (rc == ARES_SUCCESS && host != nullptr) {
            if (host->h_name != nullptr) a.records.push_back(without_final_dot(host->h_name));
            for (char** alias = host->h_aliases; alias != nullptr && *alias != nullptr; ++alias) {
                a.records.push_back(without_final_dot(*alias));
            }
            ares_free_hostent(host);
        }
        break;
    }
    }
    if (rc == ARES_ENODATA) {
        a.records.clear();
        a.ttl = reply_ttl(buf, len, true);
    } else if (rc != ARES_SUCCESS) {
        a.status = DnsAnswer::Status::TempFail;
        a.records.clear();
    } else {
        a.ttl = reply_ttl(buf, len, false);
    }
}

void on_reply(void* arg, int status, int /*timeouts*/, unsigned char* buf, int len) {
    auto& q = *static_cast<Query*>(arg);
    q.done = true;
    switch (status) {
    case ARES_SUCCESS:
        // ares_send hands over any reply: its RCODE is ours to read (ares_query did it).
        if (len < 12) {
            q.answer.status = DnsAnswer::Status::TempFail;
        } else if ((buf[3] & 0x0f) == ns_r_noerror) {
            parse_reply(q, buf, len);
        } else if ((buf[3] & 0x0f) == ns_r_nxdomain) {
            q.answer.status = DnsAnswer::Status::NxDomain;
            q.answer.ttl = reply_ttl(buf, len, true);  // RFC 2308 §5: cached as negative
        } else {
            q.answer.status = DnsAnswer::Status::TempFail;
        }
        q.answer.authenticated = len >= 12 && (buf[3] & 0x20) != 0;  // the AD bit
        break;
    case ARES_ENODATA:
        q.answer.status = DnsAnswer::Status::Ok;
        q.answer.ttl = reply_ttl(buf, len, true);
        break;
    case ARES_ENOTFOUND:
        q.answer.status = DnsAnswer::Status::NxDomain;
        q.answer.ttl = reply_ttl(buf, len, true);
        break;
    default:  // timeout, SERVFAIL, refused, cancelled, shutdown
        q.answer.status = DnsAnswer::Status::TempFail;
        break;
    }
}

int type_code(RecordType t) {
    switch (t) {
    case RecordType::A: return ns_t_a;
    case RecordType::AAAA: return ns_t_aaaa;
    case RecordType::MX: return ns_t_mx;
    case RecordType::TXT: return ns_t_txt;
    case RecordType::PTR: return ns_t_ptr;
    case RecordType::TLSA: return ns_t_tlsa;
    case RecordType::CNAME: return ns_t_cname;
    case RecordType::SRV: return ns_t_srv;
    }
    return ns_t_a;
}

}  // namespace

Result<std::unique_ptr<CaresDnsClient>> CaresDnsClient::create(const std::vector<std::string>& servers,
                                                               std::chrono::milliseconds timeout) {
    static std::once_flag once;
    static int init_status = ARES_SUCCESS;
    std::call_once(once, [] { init_status = ares_library_init(ARES_LIB_INIT_ALL); });
    if (init_status != ARES_SUCCESS) return Error::internal("c-ares init failed");

    auto impl = std::make_unique<Impl>();
    impl->timeout = timeout;
    ares_options opts{};
    int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_DOMAINS;
    opts.timeout = static_cast<int>(std::max<std::int64_t>(timeout.count() / 2, 100));  // per try
    opts.tries = 2;
    opts.ndomains = 0;
    std::string lookups = "b";
    if (!servers.empty()) {
        opts.lookups = lookups.data();
        mask |= ARES_OPT_LOOKUPS;
    }
    if (int rc = ares_init_options(&impl->channel, &opts, mask); rc != ARES_SUCCESS) {
        return Error::internal(std::string("ares_init_options: ") + ares_strerror(rc));
    }
    if (!servers.empty()) {
        std::string csv;
        for (const auto& s : servers) csv += (csv.empty() ? "" : ",") + s;
        if (int rc = ares_set_servers_ports_csv(impl->channel, csv.c_str()); rc != ARES_SUCCESS) {
            ares_destroy(impl->channel);
            return Error::syntax("dns servers '" + csv + "': " + ares_strerror(rc));
        }
    }
    return std::unique_ptr<CaresDnsClient>(new CaresDnsClient(std::move(impl)));
}

CaresDnsClient::CaresDnsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CaresDnsClient::~CaresDnsClient() {
    if (impl_->channel != nullptr) ares_destroy(impl_->channel);
}

DnsAnswer CaresDnsClient::lookup(std::string_view name, RecordType type) {
    Query q{type, false, {}};
    const std::string qname(name);
    // The query asks for the AD bit (RFC 6840 §5.7): a validating resolver then says whether
    // it validated the answer, without the DO bit's signatures in every reply.
    unsigned char* query = nullptr;
    int query_len = 0;
    if (ares_create_query(qname.c_str(), ns_c_in, type_code(type), 0, 1, &query, &query_len, 0) != ARES_SUCCESS) {
        return q.answer;  // TempFail: a name c-ares cannot encode
    }
    query[3] |= 0x20;
    ares_send(impl_->channel, query, query_len, &on_reply, &q);
    ares_free_string(query);
    const auto deadline = std::chrono::steady_clock::now() + impl_->timeout;
    while (!q.done) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ares_cancel(impl_->channel);  // runs on_reply with ARES_ECANCELLED
            break;
        }
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        const int bits = ares_getsock(impl_->channel, socks, ARES_GETSOCK_MAXNUM);
        pollfd fds[ARES_GETSOCK_MAXNUM];
        nfds_t n = 0;
        for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
            short events = 0;
            if (ARES_GETSOCK_READABLE(bits, i)) events |= POLLIN;
            if (ARES_GETSOCK_WRITABLE(bits, i)) events |= POLLOUT;
            if (events != 0) fds[n++] = pollfd{socks[i], events, 0};
        }
        timeval max{static_cast<time_t>(left.count() / 1000), static_cast<suseconds_t>((left.count() % 1000) * 1000)};
        timeval tv{};
        ares_timeout(impl_->channel, &max, &tv);
        const int wait_ms = static_cast<int>(tv.tv_sec * 1000 + tv.tv_usec / 1000);
        const int ready = ::poll(fds, n, std::max(wait_ms, 1));
        if (ready <= 0) {
            ares_process_fd(impl_->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
            continue;
        }
        for (nfds_t i = 0; i < n; ++i) {
            if (fds[i].revents == 0) continue;
            const bool readable = (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
            const bool writable = (fds[i].revents & POLLOUT) != 0;
            ares_process_fd(impl_->channel, readable ? fds[i].fd : ARES_SOCKET_BAD,
                            writable ? fds[i].fd : ARES_SOCKET_BAD);
        }
    }
    return q.answer;
}

}  // namespace mr::dns
