#include "common/mailauth/dmarc.hpp"

#include <libpsl.h>

#include "common/mime/address_list.hpp"
#include "common/mime/header_parser.hpp"
#include "common/text/ascii.hpp"

namespace mr::mailauth {

std::string_view dmarc_result_name(DmarcResult r) {
    switch (r) {
    case DmarcResult::None: return "none";
    case DmarcResult::Pass: return "pass";
    case DmarcResult::Fail: return "fail";
    case DmarcResult::TempError: return "temperror";
    case DmarcResult::PermError: return "permerror";
    }
    return "none";
}

std::string_view dmarc_policy_name(DmarcPolicy p) {
    switch (p) {
    case DmarcPolicy::None: return "none";
    case DmarcPolicy::Quarantine: return "quarantine";
    case DmarcPolicy::Reject: return "reject";
    }
    return "none";
}

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

std::optional<DmarcPolicy> parse_policy(std::string_view v) {
    const std::string p = text::to_lower(v);
    if (p == "none") return DmarcPolicy::None;
    if (p == "quarantine") return DmarcPolicy::Quarantine;
    if (p == "reject") return DmarcPolicy::Reject;
    return std::nullopt;
}

bool aligned(std::string_view a, std::string_view b, bool strict) {
    const std::string x = text::to_lower(a), y = text::to_lower(b);
    if (x == y) return true;
    if (strict) return false;
    const std::string ox = organizational_domain(x);
    return !ox.empty() && ox == organizational_domain(y);
}

// The author domain, or "" with `problem` set (§6.6.1).
std::string author_domain(std::string_view header, std::string& problem) {
    std::string domain;
    int fields = 0;
    mime::HeaderScanner scan(header);
    while (auto f = scan.next()) {
        if (!mime::header_name_equals(f->name, "From")) continue;
        if (++fields > 1) {
            problem = "more than one From field";
            return {};
        }
        const auto list = mime::parse_address_list(mime::unfold(f->raw_value));
        std::size_t addresses = 0;
        for (const auto& a : list) {
            if (a.is_group_start() || a.is_group_end()) continue;
            ++addresses;
            domain = a.host.value_or("");
        }
        if (addresses != 1) {
            problem = "the From field must hold exactly one address";
            return {};
        }
    }
    if (fields == 0) problem = "no From field";
    if (domain.empty() && problem.empty()) problem = "the From address has no domain";
    return text::to_lower(domain);
}

DmarcPolicy milder(DmarcPolicy p) {
    return p == DmarcPolicy::Reject ? DmarcPolicy::Quarantine : DmarcPolicy::None;
}

}  // namespace

std::optional<DmarcRecord> parse_dmarc_record(std::string_view txt) {
    DmarcRecord r;
    bool first = true, has_p = false, has_rua = false;
    std::string_view rest = txt;
    while (!rest.empty()) {
        const auto semi = rest.find(';');
        const std::string_view part = trim(rest.substr(0, semi));
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        if (part.empty()) {
            if (first) return std::nullopt;
            continue;
        }
        const auto eq = part.find('=');
        if (eq == std::string_view::npos) {
            if (first) return std::nullopt;
            continue;  // junk between tags is ignored, not fatal
        }
        const std::string tag = text::to_lower(trim(part.substr(0, eq)));
        const std::string_view value = trim(part.substr(eq + 1));
        if (first) {
            // "v=DMARC1" must be the first tag, exactly (§6.3, rfc7489.txt:919).
            if (tag != "v" || value != "DMARC1") return std::nullopt;
            first = false;
            continue;
        }
        if (tag == "p") {
            if (auto p = parse_policy(value)) {
                r.policy = *p;
                has_p = true;
            }
        } else if (tag == "sp") {
            r.subdomain_policy = parse_policy(value);
        } else if (tag == "pct") {
            // 0..100; anything else leaves the default (§6.3: a bad value is ignored).
            int v = 0;
            bool ok = !value.empty() && value.size() <= 3;
            for (std::size_t i = 0; ok && i < value.size(); ++i) {
                ok = value[i] >= '0' && value[i] <= '9';
                v = v * 10 + (value[i] - '0');
            }
            if (ok && v <= 100) r.pct = v;
        } else if (tag == "adkim") {
            r.strict_dkim = text::to_lower(value) == "s";
        } else if (tag == "aspf") {
            r.strict_spf = text::to_lower(value) == "s";
        } else if (tag == "rua") {
            has_rua = value.find("mailto:") != std::string_view::npos;
        }
    }
    if (first) return std::nullopt;
    if (!has_p) {
        // No valid p= (absent, or bad_p): with a usable rua= it is p=none, otherwise no
        // record (§6.6.3).
        if (!has_rua) return std::nullopt;
        r.policy = DmarcPolicy::None;
    }
    return r;
}

std::string organizational_domain(std::string_view domain) {
    static const psl_ctx_t* psl = [] {
        const psl_ctx_t* latest = psl_latest(nullptr);
        return latest != nullptr ? latest : psl_builtin();
    }();
    const std::string d = text::to_lower(domain);
    if (psl == nullptr) return d;
    const char* reg = psl_registrable_domain(psl, d.c_str());
    return reg != nullptr ? std::string(reg) : d;
}

DmarcOutcome check_dmarc(dns::DnsClient& dns, const DmarcInput& in, const std::function<int()>& sample) {
    DmarcOutcome out;
    out.from_domain = author_domain(in.header, out.problem);
    if (out.from_domain.empty()) {
        out.result = DmarcResult::PermError;
        return out;
    }
    const std::string org = organizational_domain(out.from_domain);

    // Policy discovery: the author domain, then its organizational domain.
    std::optional<DmarcRecord> record;
    bool from_org = false;
    for (const std::string& d : {out.from_domain, org}) {
        if (from_org && d == out.from_domain) break;
        const auto txt = dns.lookup("_dmarc." + d, dns::RecordType::TXT);
        if (txt.status == dns::DnsAnswer::Status::TempFail) {
            out.result = DmarcResult::TempError;
            out.problem = "DNS lookup of _dmarc." + d + " failed";
            return out;
        }
        std::vector<DmarcRecord> found;
        for (const auto& t : txt.records) {
            if (auto r = parse_dmarc_record(t)) found.push_back(*r);
        }
        if (found.size() == 1) {
            record = found.front();
            break;
        }
        from_org = true;
    }
    if (!record) return out;  // none: the domain publishes no policy

    out.policy = from_org && out.from_domain != org && record->subdomain_policy ? *record->subdomain_policy
                                                                                : record->policy;
    const bool spf_aligned = in.spf_pass && !in.spf_domain.empty() &&
                             aligned(in.spf_domain, out.from_domain, record->strict_spf);
    bool dkim_aligned = false;
    for (const auto& d : in.dkim_pass_domains) dkim_aligned |= aligned(d, out.from_domain, record->strict_dkim);
    out.result = spf_aligned || dkim_aligned ? DmarcResult::Pass : DmarcResult::Fail;
    if (out.result == DmarcResult::Fail) {
        out.applied = out.policy;
        if (record->pct < 100 && sample() >= record->pct) out.applied = milder(out.policy);
    }
    return out;
}

}  // namespace mr::mailauth
