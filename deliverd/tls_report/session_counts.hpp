// SessionCounts: the TLS session counts of SMTP TLS Reporting (RFC 8460), per UTC day,
// policy domain, policy and result, kept where a restart cannot lose them.
//
// On disk: <data_dir>/tlsrpt.db (SQLite, WAL), one table
//   sessions(day, policy_domain, policy_type, policy_string, mx_host, result_type,
//            sending_ip, mx_hostname, receiving_ip, reason_code, count)
//   day: UTC days since the epoch; policy_string and mx_host: lines joined by "\n";
//   result_type: '' for successful sessions; count: sessions with exactly these values.
//
// Invariants:
// - record() adds to a row in one statement; take() reads and deletes in one transaction,
//   so a session is in exactly one report (or still in the table), never two.
// - Thread-safe: deliverd records from pool threads while a report run takes.
// - aggregate() is the only place rows become §4.4 policy results; pure.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/util/result.hpp"
#include "deliverd/tls_policy/tlsrpt_report.hpp"
#include "deliverd/tls_report/tls_session.hpp"
#include "storage/sqlite/db.hpp"

namespace mr::deliverd::tls_report {

inline constexpr std::int64_t kDay = 86400;
inline std::int64_t utc_day(std::int64_t unix_seconds) { return unix_seconds / kDay; }

struct CountRow {
    std::int64_t day = 0;
    TlsSession session;
    std::int64_t count = 0;
};

// What one report carries: the counts of one policy domain over one UTC day.
struct DomainDay {
    std::int64_t day = 0;
    std::string policy_domain;
    std::vector<tls_policy::TlsPolicyResult> policies;
};

// Rows grouped by (day, domain), then by policy (type, string, mx patterns); failure
// details by everything else. Sorted by day, then domain.
std::vector<DomainDay> aggregate(const std::vector<CountRow>& rows);

class SessionCounts {
public:
    static Result<std::unique_ptr<SessionCounts>> open(const std::filesystem::path& data_dir);

    Result<void> record(const TlsSession& session, std::int64_t now, std::int64_t count = 1);
    // Removes and returns the counts of every day up to and including `last_day`.
    Result<std::vector<DomainDay>> take(std::int64_t last_day);
    // Puts taken counts back (a report that could not be queued).
    Result<void> put_back(const DomainDay& counts);

private:
    explicit SessionCounts(storage::sqlite::Db db) : db_(std::move(db)) {}
    Result<void> add(std::int64_t day, const TlsSession& session, std::int64_t count);

    std::mutex mutex_;
    storage::sqlite::Db db_;
};

}  // namespace mr::deliverd::tls_report
