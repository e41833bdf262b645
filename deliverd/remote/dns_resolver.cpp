// See dns_resolver.hpp. c-ares drives its own sockets; we only tell it when they are ready
// (uv_poll) and when its next timeout is due (one uv timer).
#include "deliverd/remote/dns_resolver.hpp"

#include <ares.h>
#include <arpa/nameser.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

#include "common/config/config.hpp"
#include "common/log/log.hpp"

namespace mr::deliverd {
namespace {

constexpr std::size_t kMaxMxHosts = 10;  // enough for any sane domain; bounds the work

struct MxRecord {
    std::string host;
    int preference = 0;
};

// Preference order; equal preferences in random order (RFC 5321 §5.1, rfc5321.txt:3888:
// "the sender-SMTP MUST randomize them to spread the load").
void order_mx(std::vector<MxRecord>& mx) {
    std::stable_sort(mx.begin(), mx.end(),
                     [](const MxRecord& a, const MxRecord& b) { return a.preference < b.preference; });
    for (std::size_t start = 0; start < mx.size();) {
        std::size_t end = start;
        while (end < mx.size() && mx[end].preference == mx[start].preference) ++end;
        for (std::size_t i = end - 1; i > start; --i) {  // Fisher-Yates within the group
            std::size_t j = start + randombytes_uniform(static_cast<std::uint32_t>(i - start + 1));
            std::swap(mx[i], mx[j]);
        }
        start = end;
    }
}

// Runs fn on the next loop iteration. Unlike Loop::post this keeps the loop running until it
// has: a result must not be lost because nothing else was pending.
void defer(net::Loop& loop, std::function<void()> fn) {
    struct Deferred {
        uv_timer_t timer{};
        std::function<void()> fn;
    };
    auto* d = new Deferred{};
    d->fn = std::move(fn);
    uv_timer_init(loop.raw(), &d->timer);
    d->timer.data = d;
    uv_timer_start(&d->timer, [](uv_timer_t* t) {
        auto* self = static_cast<Deferred*>(t->data);
        auto f = std::move(self->fn);
        uv_close(reinterpret_cast<uv_handle_t*>(&self->timer),
                 [](uv_handle_t* h) { delete static_cast<Deferred*>(h->data); });
        f();
    }, 0, 0);
}

bool is_temporary(int status) {
    return status != ARES_ENOTFOUND && status != ARES_ENODATA && status != ARES_SUCCESS;
}

}  // namespace

struct DnsResolver::Impl {
    net::Loop& loop;
    ares_channel channel = nullptr;
    uv_timer_t* timer = nullptr;
    std::map<ares_socket_t, uv_poll_t*> polls;
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);

    explicit Impl(net::Loop& l) : loop(l) {}

    // One resolve_mail_domain / resolve_host request; deletes itself when done.
    struct Lookup {
        Impl* impl = nullptr;
        std::string domain;
        Callback cb;
        bool implicit_mx = false;  // resolving the domain itself (no MX, or a smarthost)
        std::vector<std::string> hosts;
        std::vector<std::vector<sockaddr_storage>> addresses;
        std::vector<int> statuses;
        std::size_t pending = 0;
    };
    struct HostQuery {
        Lookup* lookup;
        std::size_t index;
    };

    void finish(Lookup* l, Destination d) {
        // Always through the loop, so no callback runs inside the call that asked.
        std::weak_ptr<bool> weak = alive;
        defer(loop, [weak, cb = std::move(l->cb), d = std::move(d)]() mutable {
            if (weak.lock()) cb(std::move(d));
        });
        delete l;
    }

    void temp_fail(Lookup* l, std::string why) {
        Destination d;
        d.status = Destination::Status::TempFail;
        d.reason = std::move(why);
        finish(l, std::move(d));
    }

    void start_addresses(Lookup* l) {
        l->addresses.assign(l->hosts.size(), {});
        l->statuses.assign(l->hosts.size(), ARES_SUCCESS);
        l->pending = l->hosts.size();
        for (std::size_t i = 0; i < l->hosts.size(); ++i) {
            ares_addrinfo_hints hints{};
            hints.ai_family = AF_UNSPEC;
            hints.ai_socktype = SOCK_STREAM;
            hints.ai_flags = ARES_AI_NOSORT;
            ares_getaddrinfo(channel, l->hosts[i].c_str(), nullptr, &hints, &Impl::on_addrinfo,
                             new HostQuery{l, i});
        }
        schedule_timer();
    }

    static void on_addrinfo(void* arg, int status, int /*timeouts*/, ares_addrinfo* res) {
        std::unique_ptr<HostQuery> q(static_cast<HostQuery*>(arg));
        Lookup* l = q->lookup;
        l->statuses[q->index] = status;
        if (status == ARES_SUCCESS && res != nullptr) {
            for (auto* n = res->nodes; n != nullptr; n = n->ai_next) {
                if ((n->ai_family != AF_INET && n->ai_family != AF_INET6) || n->ai_addr == nullptr) continue;
                sockaddr_storage ss{};
                std::memcpy(&ss, n->ai_addr, std::min<std::size_t>(n->ai_addrlen, sizeof ss));
                l->addresses[q->index].push_back(ss);
            }
        }
        if (res != nullptr) ares_freeaddrinfo(res);
        if (--l->pending == 0) l->impl->addresses_done(l);
    }

    void addresses_done(Lookup* l) {
        Destination d;
        std::string temp_reason;
        for (std::size_t i = 0; i < l->hosts.size(); ++i) {
            for (const auto& a : l->addresses[i]) d.targets.push_back({l->hosts[i], a});
            if (is_temporary(l->statuses[i]) && temp_reason.empty()) {
                temp_reason = "DNS lookup of " + l->hosts[i] + " failed: " + ares_strerror(l->statuses[i]);
            }
        }
        if (!d.targets.empty()) {
            d.status = Destination::Status::Ok;
        } else if (!temp_reason.empty()) {
            d.status = Destination::Status::TempFail;
            d.reason = temp_reason;
        } else {
            d.status = Destination::Status::NotFound;
            d.reason = l->implicit_mx ? "no MX or address for " + l->domain
                                      : "no address for the MX hosts of " + l->domain;
        }
        finish(l, std::move(d));
    }

    static void on_mx(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
        auto* l = static_cast<Lookup*>(arg);
        Impl* impl = l->impl;
        std::vector<MxRecord> records;
        if (status == ARES_SUCCESS) {
            ares_mx_reply* mx = nullptr;
            status = ares_parse_mx_reply(abuf, alen, &mx);
            for (auto* r = mx; r != nullptr; r = r->next) {
                records.push_back({r->host != nullptr ? r->host : "", r->priority});
            }
            if (mx != nullptr) ares_free_data(mx);
            if (status == ARES_SUCCESS && records.empty()) status = ARES_ENODATA;
        }
        if (status == ARES_ENODATA) {
            // RFC 5321 §5.1 (rfc5321.txt:3843): no MX → the domain itself is the implicit MX.
            l->implicit_mx = true;
            l->hosts = {l->domain};
            impl->start_addresses(l);
            return;
        }
        if (status == ARES_ENOTFOUND) {
            Destination d;
            d.status = Destination::Status::NotFound;
            d.reason = "domain " + l->domain + " does not exist (NXDOMAIN)";
            impl->finish(l, std::move(d));
            return;
        }
        if (status != ARES_SUCCESS) {
            impl->temp_fail(l, "DNS lookup of the MX records of " + l->domain + " failed: " + ares_strerror(status));
            return;
        }
        // RFC 7505 §3 (rfc7505.txt:122): one MX, preference 0, exchange "." = no mail here.
        if (records.size() == 1 && records[0].preference == 0 &&
            (records[0].host.empty() || records[0].host == ".")) {
            Destination d;
            d.status = Destination::Status::NullMx;
            d.reason = "domain " + l->domain + " does not accept mail (null MX, RFC 7505)";
            impl->finish(l, std::move(d));
            return;
        }
        std::erase_if(records, [](const MxRecord& r) { return r.host.empty() || r.host == "."; });
        order_mx(records);
        if (records.size() > kMaxMxHosts) records.resize(kMaxMxHosts);
        for (auto& r : records) l->hosts.push_back(r.host);
        impl->start_addresses(l);
    }

    void schedule_timer() {
        if (channel == nullptr) return;
        timeval tv{};
        if (ares_timeout(channel, nullptr, &tv) == nullptr) {
            uv_timer_stop(timer);
            return;
        }
        auto ms = static_cast<std::uint64_t>(tv.tv_sec) * 1000 + static_cast<std::uint64_t>(tv.tv_usec) / 1000 + 1;
        uv_timer_start(timer, &Impl::on_timer, ms, 0);
    }

    static void on_timer(uv_timer_t* t) {
        auto* impl = static_cast<Impl*>(t->data);
        ares_process_fd(impl->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        impl->schedule_timer();
    }

    static void on_poll(uv_poll_t* p, int status, int events) {
        auto* impl = static_cast<Impl*>(p->data);
        uv_os_fd_t fd = -1;
        if (uv_fileno(reinterpret_cast<uv_handle_t*>(p), &fd) != 0) return;
        // On a poll error let c-ares read and write, so it sees the socket error itself.
        bool r = status < 0 || (events & UV_READABLE) != 0;
        bool w = status < 0 || (events & UV_WRITABLE) != 0;
        ares_process_fd(impl->channel, r ? fd : ARES_SOCKET_BAD, w ? fd : ARES_SOCKET_BAD);
        impl->schedule_timer();
    }

    static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
        auto* impl = static_cast<Impl*>(data);
        auto it = impl->polls.find(fd);
        if (!readable && !writable) {
            if (it != impl->polls.end()) {
                uv_poll_stop(it->second);
                net::close_and_delete(it->second);
                impl->polls.erase(it);
            }
            return;
        }
        uv_poll_t* p = nullptr;
        if (it == impl->polls.end()) {
            p = new uv_poll_t{};
            if (uv_poll_init_socket(impl->loop.raw(), p, fd) != 0) {
                delete p;
                log::error("dns_poll_failed", {log::Field("fd", fd)});
                return;
            }
            p->data = impl;
            impl->polls[fd] = p;
        } else {
            p = it->second;
        }
        uv_poll_start(p, (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0), &Impl::on_poll);
    }
};

Result<std::unique_ptr<DnsResolver>> DnsResolver::create(net::Loop& loop,
                                                          const std::vector<std::string>& servers) {
    static std::once_flag once;
    static int init_status = ARES_SUCCESS;
    std::call_once(once, [] {
        init_status = ares_library_init(ARES_LIB_INIT_ALL);
        if (sodium_init() < 0) init_status = ARES_ENOMEM;
    });
    if (init_status != ARES_SUCCESS) return Error::internal("c-ares init failed");

    auto impl = std::make_unique<Impl>(loop);
    ares_options opts{};
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_DOMAINS;
    opts.sock_state_cb = &Impl::on_socket_state;
    opts.sock_state_cb_data = impl.get();
    opts.timeout = 2000;  // per try; c-ares backs off between tries
    opts.tries = 2;
    opts.ndomains = 0;  // mail domains are absolute: no search list
    std::string lookups = "b";
    if (!servers.empty()) {
        opts.lookups = lookups.data();  // tests' resolvers only: no /etc/hosts
        mask |= ARES_OPT_LOOKUPS;
    }
    if (int rc = ares_init_options(&impl->channel, &opts, mask); rc != ARES_SUCCESS) {
        return Error::internal(std::string("ares_init_options: ") + ares_strerror(rc));
    }
    if (!servers.empty()) {
        std::string csv;
        for (const auto& s : servers) {
            auto ep = config::parse_endpoint(s);
            if (!ep) return Error::syntax("dns server " + s + ": " + ep.error().message);
            csv += (csv.empty() ? "" : ",") + s;
        }
        if (int rc = ares_set_servers_ports_csv(impl->channel, csv.c_str()); rc != ARES_SUCCESS) {
            ares_destroy(impl->channel);
            return Error::syntax("dns servers '" + csv + "': " + ares_strerror(rc));
        }
    }
    impl->timer = new uv_timer_t{};
    uv_timer_init(loop.raw(), impl->timer);
    impl->timer->data = impl.get();
    return std::unique_ptr<DnsResolver>(new DnsResolver(std::move(impl)));
}

DnsResolver::DnsResolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DnsResolver::~DnsResolver() {
    impl_->alive.reset();  // results still in flight are dropped
    if (impl_->channel != nullptr) ares_destroy(impl_->channel);  // runs callbacks: they free themselves
    impl_->channel = nullptr;
    for (auto& [fd, p] : impl_->polls) {
        uv_poll_stop(p);
        net::close_and_delete(p);
    }
    impl_->polls.clear();
    net::close_and_delete(impl_->timer);
}

void DnsResolver::resolve_mail_domain(const std::string& domain, Callback cb) {
    auto* l = new Impl::Lookup;
    l->impl = impl_.get();
    l->domain = domain;
    l->cb = std::move(cb);
    ares_query(impl_->channel, domain.c_str(), ns_c_in, ns_t_mx, &Impl::on_mx, l);
    impl_->schedule_timer();
}

void DnsResolver::resolve_host(const std::string& host, Callback cb) {
    auto* l = new Impl::Lookup;
    l->impl = impl_.get();
    l->domain = host;
    l->cb = std::move(cb);
    l->implicit_mx = true;
    l->hosts = {host};
    impl_->start_addresses(l);
}

void DnsResolver::shutdown() {
    // Every pending callback runs now with ARES_ECANCELLED and reports a TempFail.
    if (impl_->channel != nullptr) ares_cancel(impl_->channel);
    impl_->schedule_timer();
}

}  // namespace mr::deliverd
