// SessionCounts; see session_counts.hpp for the table and the invariants.
#include "deliverd/tls_report/session_counts.hpp"

#include <array>
#include <map>
#include <tuple>

namespace mr::deliverd::tls_report {

namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE sessions (
    day           INTEGER NOT NULL,  -- UTC days since the epoch
    policy_domain TEXT NOT NULL,
    policy_type   TEXT NOT NULL,     -- sts | tlsa | no-policy-found
    policy_string TEXT NOT NULL,     -- lines joined by \n
    mx_host       TEXT NOT NULL,     -- sts: the policy's mx patterns, joined by \n
    result_type   TEXT NOT NULL,     -- '' for successful sessions
    sending_ip    TEXT NOT NULL,
    mx_hostname   TEXT NOT NULL,
    receiving_ip  TEXT NOT NULL,
    reason_code   TEXT NOT NULL,
    count         INTEGER NOT NULL,  -- sessions with exactly these values
    PRIMARY KEY (day, policy_domain, policy_type, policy_string, mx_host, result_type, sending_ip,
                 mx_hostname, receiving_ip, reason_code)
);
)sql";

constexpr std::array<std::string_view, 1> kMigrations = {kSchemaV1};

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
    return out;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    if (text.empty()) return out;
    std::size_t start = 0;
    for (auto nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
        out.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    out.push_back(text.substr(start));
    return out;
}

}  // namespace

std::vector<DomainDay> aggregate(const std::vector<CountRow>& rows) {
    using PolicyKey = std::tuple<std::string, std::vector<std::string>, std::vector<std::string>>;
    using FailureKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;
    struct Policy {
        std::int64_t ok = 0;
        std::map<FailureKey, std::int64_t> failures;
    };
    std::map<std::pair<std::int64_t, std::string>, std::map<PolicyKey, Policy>> days;
    for (const auto& r : rows) {
        const auto& s = r.session;
        auto& p = days[{r.day, s.policy_domain}][{s.policy_type, s.policy_string, s.mx_host}];
        if (s.success()) {
            p.ok += r.count;
        } else {
            p.failures[{s.result_type, s.sending_mta_ip, s.receiving_mx_hostname, s.receiving_ip,
                        s.failure_reason_code}] += r.count;
        }
    }
    std::vector<DomainDay> out;
    for (const auto& [key, policies] : days) {
        DomainDay d{key.first, key.second, {}};
        for (const auto& [pk, p] : policies) {
            tls_policy::TlsPolicyResult result;
            std::tie(result.policy_type, result.policy_string, result.mx_host) = pk;
            result.policy_domain = key.second;
            result.successful_sessions = p.ok;
            for (const auto& [fk, n] : p.failures) {
                tls_policy::TlsFailure f;
                std::tie(f.result_type, f.sending_mta_ip, f.receiving_mx_hostname, f.receiving_ip,
                         f.failure_reason_code) = fk;
                f.failed_session_count = n;
                result.failed_sessions += n;
                result.failures.push_back(std::move(f));
            }
            d.policies.push_back(std::move(result));
        }
        out.push_back(std::move(d));
    }
    return out;
}

Result<std::unique_ptr<SessionCounts>> SessionCounts::open(const std::filesystem::path& data_dir) {
    // Normal durability: a power loss may cost the last sessions' counts, never the table.
    auto db = storage::sqlite::Db::open(data_dir / "tlsrpt.db", storage::sqlite::Durability::Normal);
    if (!db) return db.error();
    if (auto r = db->migrate(kMigrations); !r) return r.error();
    return std::unique_ptr<SessionCounts>(new SessionCounts(std::move(*db)));
}

Result<void> SessionCounts::add(std::int64_t day, const TlsSession& s, std::int64_t count) {
    auto st = db_.prepare(
        "INSERT INTO sessions(day, policy_domain, policy_type, policy_string, mx_host, result_type, sending_ip, "
        "mx_hostname, receiving_ip, reason_code, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO UPDATE SET count = count + excluded.count");
    if (!st) return st.error();
    st->bind(1, day)
        .bind(2, s.policy_domain)
        .bind(3, s.policy_type)
        .bind(4, join_lines(s.policy_string))
        .bind(5, join_lines(s.mx_host))
        .bind(6, s.result_type)
        .bind(7, s.sending_mta_ip)
        .bind(8, s.receiving_mx_hostname)
        .bind(9, s.receiving_ip)
        .bind(10, s.failure_reason_code)
        .bind(11, count);
    return st->run();
}

Result<void> SessionCounts::record(const TlsSession& session, std::int64_t now, std::int64_t count) {
    std::lock_guard lock(mutex_);
    return add(utc_day(now), session, count);
}

Result<std::vector<DomainDay>> SessionCounts::take(std::int64_t last_day) {
    std::lock_guard lock(mutex_);
    auto tx = storage::sqlite::Transaction::begin(db_);
    if (!tx) return tx.error();
    auto st = db_.prepare(
        "SELECT day, policy_domain, policy_type, policy_string, mx_host, result_type, sending_ip, mx_hostname, "
        "receiving_ip, reason_code, count FROM sessions WHERE day <= ?");
    if (!st) return st.error();
    st->bind(1, last_day);
    auto rows = storage::sqlite::collect_rows(*st, [](const storage::sqlite::Statement& s) {
        CountRow r;
        r.day = s.column_int64(0);
        r.session.policy_domain = s.column_text(1);
        r.session.policy_type = s.column_text(2);
        r.session.policy_string = split_lines(s.column_text(3));
        r.session.mx_host = split_lines(s.column_text(4));
        r.session.result_type = s.column_text(5);
        r.session.sending_mta_ip = s.column_text(6);
        r.session.receiving_mx_hostname = s.column_text(7);
        r.session.receiving_ip = s.column_text(8);
        r.session.failure_reason_code = s.column_text(9);
        r.count = s.column_int64(10);
        return r;
    });
    if (!rows) return rows.error();
    auto del = db_.prepare("DELETE FROM sessions WHERE day <= ?");
    if (!del) return del.error();
    del->bind(1, last_day);
    if (auto r = del->run(); !r) return r.error();
    if (auto r = tx->commit(); !r) return r.error();
    return aggregate(*rows);
}

Result<void> SessionCounts::put_back(const DomainDay& counts) {
    std::lock_guard lock(mutex_);
    auto tx = storage::sqlite::Transaction::begin(db_);
    if (!tx) return tx.error();
    for (const auto& p : counts.policies) {
        TlsSession s;
        s.policy_domain = counts.policy_domain;
        s.policy_type = p.policy_type;
        s.policy_string = p.policy_string;
        s.mx_host = p.mx_host;
        if (p.successful_sessions > 0) {
            if (auto r = add(counts.day, s, p.successful_sessions); !r) return r;
        }
        for (const auto& f : p.failures) {
            s.result_type = f.result_type;
            s.sending_mta_ip = f.sending_mta_ip;
            s.receiving_mx_hostname = f.receiving_mx_hostname;
            s.receiving_ip = f.receiving_ip;
            s.failure_reason_code = f.failure_reason_code;
            if (auto r = add(counts.day, s, f.failed_session_count); !r) return r;
        }
    }
    return tx->commit();
}

}  // namespace mr::deliverd::tls_report
