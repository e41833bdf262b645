// The TLS session counts of RFC 8460 reports (deliverd/tls_report/session_counts): how
// sessions become §4.4 policy results (aggregate), and the SQLite table under the data
// dir: counts survive reopening, take() hands each session out once, put_back() undoes it.
#include "deliverd/tls_report/session_counts.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::deliverd::tls_report;

namespace {

constexpr std::int64_t kNoon = 1459512000;  // 2016-04-01T12:00:00Z
const std::int64_t kApril1 = utc_day(kNoon);

TlsSession sts(const std::string& result_type = "", const std::string& mx = "mx1.example.net") {
    TlsSession s;
    s.policy_domain = "example.net";
    s.policy_type = "sts";
    s.policy_string = {"version: STSv1", "mode: enforce", "mx: *.example.net", "max_age: 86400"};
    s.mx_host = {"*.example.net"};
    s.result_type = result_type;
    s.sending_mta_ip = "192.0.2.1";
    s.receiving_mx_hostname = mx;
    s.receiving_ip = "198.51.100.7";
    if (!result_type.empty()) s.failure_reason_code = "hostname mismatch";
    return s;
}

TlsSession no_policy(const std::string& domain, const std::string& result_type = "") {
    TlsSession s;
    s.policy_domain = domain;
    s.result_type = result_type;
    s.receiving_mx_hostname = "mx." + domain;
    return s;
}

}  // namespace

TEST_CASE("aggregate: one policy result per domain, day and policy, failures by detail") {
    std::vector<CountRow> rows = {
        {kApril1, sts(), 3},
        {kApril1, sts("certificate-host-mismatch"), 1},
        {kApril1, sts("certificate-host-mismatch", "mx2.example.net"), 2},  // another MX: its own detail
        {kApril1, sts("certificate-host-mismatch"), 4},                     // same detail: added up
        {kApril1, no_policy("other.example"), 5},
        {kApril1 + 1, sts(), 7},  // the next day: its own report
    };
    auto out = aggregate(rows);
    REQUIRE(out.size() == 3);
    CHECK(out[0].day == kApril1);
    CHECK(out[0].policy_domain == "example.net");
    REQUIRE(out[0].policies.size() == 1);
    const auto& p = out[0].policies[0];
    CHECK(p.policy_type == "sts");
    CHECK(p.policy_domain == "example.net");
    CHECK(p.policy_string == sts().policy_string);
    CHECK(p.mx_host == std::vector<std::string>{"*.example.net"});
    CHECK(p.successful_sessions == 3);
    CHECK(p.failed_sessions == 7);
    REQUIRE(p.failures.size() == 2);
    CHECK(p.failures[0].result_type == "certificate-host-mismatch");
    CHECK(p.failures[0].receiving_mx_hostname == "mx1.example.net");
    CHECK(p.failures[0].failed_session_count == 5);
    CHECK(p.failures[0].sending_mta_ip == "192.0.2.1");
    CHECK(p.failures[0].receiving_ip == "198.51.100.7");
    CHECK(p.failures[0].failure_reason_code == "hostname mismatch");
    CHECK(p.failures[1].receiving_mx_hostname == "mx2.example.net");
    CHECK(p.failures[1].failed_session_count == 2);
    CHECK(out[1].policy_domain == "other.example");
    CHECK(out[1].policies[0].policy_type == "no-policy-found");
    CHECK(out[1].policies[0].successful_sessions == 5);
    CHECK(out[1].policies[0].failures.empty());
    CHECK(out[2].day == kApril1 + 1);
    CHECK(out[2].policies[0].successful_sessions == 7);
}

TEST_CASE("aggregate: a domain with two policies (DANE for one MX, MTA-STS for another) gets two results") {
    TlsSession tlsa = no_policy("example.net", "certificate-host-mismatch");
    tlsa.policy_type = "tlsa";
    tlsa.policy_string = {"3 1 1 abcd"};
    auto out = aggregate({{kApril1, sts(), 1}, {kApril1, tlsa, 1}});
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].policies.size() == 2);
    CHECK(out[0].policies[0].policy_type == "sts");
    CHECK(out[0].policies[0].failed_sessions == 0);
    CHECK(out[0].policies[1].policy_type == "tlsa");
    CHECK(out[0].policies[1].successful_sessions == 0);
    CHECK(out[0].policies[1].failed_sessions == 1);
}

TEST_CASE("SessionCounts: durable per day, taken once, put back on failure") {
    mr::storage::test::TempDir dir;
    {
        auto counts = SessionCounts::open(dir.path());
        REQUIRE(counts);
        CHECK((*counts)->record(sts(), kNoon));
        CHECK((*counts)->record(sts(), kNoon + 60));
        CHECK((*counts)->record(sts("starttls-not-supported"), kNoon + 120));
        CHECK((*counts)->record(no_policy("other.example"), kNoon + 86400));  // April 2
    }
    struct stat st {};
    REQUIRE(::stat((dir / "tlsrpt.db").c_str(), &st) == 0);

    auto counts = SessionCounts::open(dir.path());  // a restart keeps the day's counts
    REQUIRE(counts);
    auto april1 = (*counts)->take(kApril1);
    REQUIRE(april1);
    REQUIRE(april1->size() == 1);
    CHECK((*april1)[0].policies[0].successful_sessions == 2);
    CHECK((*april1)[0].policies[0].failed_sessions == 1);
    CHECK((*april1)[0].policies[0].failures[0].result_type == "starttls-not-supported");
    CHECK((*april1)[0].policies[0].policy_string == sts().policy_string);

    auto again = (*counts)->take(kApril1);
    REQUIRE(again);
    CHECK(again->empty());  // in one report only

    REQUIRE((*counts)->put_back((*april1)[0]));
    CHECK((*counts)->record(sts(), kNoon));  // a session after the put-back adds to it
    auto both = (*counts)->take(kApril1 + 1);
    REQUIRE(both);
    REQUIRE(both->size() == 2);
    CHECK((*both)[0].policies[0].successful_sessions == 3);
    CHECK((*both)[0].policies[0].failed_sessions == 1);
    CHECK((*both)[1].policy_domain == "other.example");
}
