#include <doctest/doctest.h>

#include "deliverd/mail_loop.hpp"

using namespace mr::deliverd;

TEST_CASE("mail loop: Received count and Delivered-To") {
    std::string msg;
    for (int i = 0; i < 30; ++i) msg += "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\r\n";
    msg += "Delivered-To: <Bob@Example.test>\r\nSubject: x\r\n\r\nReceived: in the body does not count\r\n";
    auto t = scan_trace_headers(msg);
    CHECK(t.received == 30);
    CHECK_FALSE(loop_reason(t, "carol@example.test").has_value());  // 30 is still fine
    CHECK(loop_reason(t, "bob@example.test").has_value());          // case-insensitive

    auto t31 = scan_trace_headers("Received: x\r\n" + msg);
    CHECK(t31.received == 31);
    auto why = loop_reason(t31, "carol@example.test");
    REQUIRE(why.has_value());
    CHECK(why->find("31") != std::string::npos);
}

TEST_CASE("mail loop: a message without a header/body separator and trace prefix") {
    auto t = scan_trace_headers("Delivered-To: a@b\r\n");
    CHECK(t.delivered_to.size() == 1);
    CHECK(trace_prefix("", "a@b") == "Return-Path: <>\r\nDelivered-To: a@b\r\n");
}
