#include "common/dns/reply_ttl.hpp"

#include <arpa/nameser.h>

#include <algorithm>
#include <limits>

namespace mr::dns {

std::uint32_t reply_ttl(const unsigned char* buf, int len, bool negative) {
    ns_msg msg;
    if (buf == nullptr || len <= 0 || ns_initparse(buf, len, &msg) != 0) return 0;
    const ns_sect section = negative ? ns_s_ns : ns_s_an;
    std::uint32_t ttl = std::numeric_limits<std::uint32_t>::max();
    bool found = false;
    for (int i = 0; i < ns_msg_count(msg, section); ++i) {
        ns_rr rr;
        if (ns_parserr(&msg, section, i, &rr) != 0) return 0;
        std::uint32_t rr_ttl = ns_rr_ttl(rr);
        if (negative) {
            // SOA RDATA ends with SERIAL REFRESH RETRY EXPIRE MINIMUM, 32 bits each.
            if (ns_rr_type(rr) != ns_t_soa || ns_rr_rdlen(rr) < 20) continue;
            rr_ttl = std::min<std::uint32_t>(rr_ttl, ns_get32(ns_rr_rdata(rr) + ns_rr_rdlen(rr) - 4));
        }
        ttl = std::min(ttl, rr_ttl);
        found = true;
    }
    return found ? ttl : 0;
}

}  // namespace mr::dns
