#include "webd/proto/session.hpp"

#include <doctest/doctest.h>

#include "tests/unit/webd/test_site.hpp"

using namespace mr::webd::proto;
using mr::webd::test::test_site;

namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("HEAD: the headers of GET, Content-Length included, and no body") {
    Session s({});
    const auto site = test_site();
    auto get = s.receive("GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.example.org\r\n\r\n", site, 0);
    auto head = s.receive("HEAD /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.example.org\r\n\r\n", site, 0);
    CHECK(get.answered == 1);
    CHECK(head.answered == 1);
    CHECK(has(head.bytes, "Content-Length: 68\r\n"));
    CHECK(head.bytes.ends_with("\r\n\r\n"));
    CHECK(get.bytes == head.bytes + "version: STSv1\r\nmode: testing\r\nmx: mx.example.org\r\nmax_age: 604800\r\n");
    CHECK(has(get.bytes, "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"));
    CHECK_FALSE(head.close);
}

TEST_CASE("pipelined requests are answered in order in one output") {
    Session s({});
    auto out = s.receive(
        "GET /nothing HTTP/1.1\r\nHost: example.org\r\n\r\n"
        "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.example.org\r\nConnection: close\r\n\r\n"
        "GET /never HTTP/1.1\r\nHost: example.org\r\n\r\n",
        test_site(), 0);
    CHECK(out.answered == 2);
    CHECK(out.close);
    CHECK(out.bytes.starts_with("HTTP/1.1 404 Not Found\r\n"));
    CHECK(has(out.bytes, "404 Not Found\nHTTP/1.1 200 OK\r\n"));
    CHECK(has(out.bytes, "Connection: close\r\n"));
    CHECK(s.closed());
}

TEST_CASE("an over-long header gets 431 and the connection closes") {
    Session s({});
    auto out = s.receive("GET / HTTP/1.1\r\nHost: h\r\nCookie: " + std::string(9000, 'c') + "\r\n\r\n", test_site(), 0);
    CHECK(out.bytes.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    CHECK(out.close);
    CHECK(s.receive("GET / HTTP/1.1\r\n\r\n", test_site(), 0).bytes.empty());
}

TEST_CASE("timeout: 408 inside a request, a silent close between requests") {
    Session a({});
    a.receive("GET / HTTP/1.1\r\nHost:", test_site(), 0);
    CHECK(a.in_request());
    auto t = a.timeout(0);
    CHECK(t.bytes.starts_with("HTTP/1.1 408 Request Timeout\r\n"));
    CHECK(t.close);
    Session b({});
    auto idle = b.timeout(0);
    CHECK(idle.bytes.empty());
    CHECK(idle.close);
}

TEST_CASE("Expect: 100-continue gets 100 before the body, and only when the body is still to come") {
    Session s({});
    const std::string head =
        "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: autodiscover.example.org\r\n"
        "Expect: 100-continue\r\nContent-Length: 4\r\n\r\n";
    auto first = s.receive(head, test_site(), 0);
    CHECK(first.bytes == "HTTP/1.1 100 Continue\r\n\r\n");
    auto rest = s.receive("<x/>", test_site(), 0);
    CHECK(rest.bytes.starts_with("HTTP/1.1 400 Bad Request\r\n"));
    Session whole({});
    auto both = whole.receive(head + "<x/>", test_site(), 0);
    CHECK(both.bytes.starts_with("HTTP/1.1 400 Bad Request\r\n"));
}

TEST_CASE("more than kMaxPipelined requests in one read: those are answered, then the connection closes") {
    Session s({});
    std::string many;
    for (unsigned i = 0; i < kMaxPipelined + 5; ++i) many += "GET /x HTTP/1.1\r\nHost: example.org\r\n\r\n";
    auto out = s.receive(many, test_site(), 0);
    CHECK(out.answered == kMaxPipelined);
    CHECK(out.close);
    Session exact({});
    std::string sixteen;
    for (unsigned i = 0; i < kMaxPipelined; ++i) sixteen += "GET /x HTTP/1.1\r\nHost: example.org\r\n\r\n";
    auto ok = exact.receive(sixteen, test_site(), 0);
    CHECK(ok.answered == kMaxPipelined);
    CHECK_FALSE(ok.close);
}
