#include <doctest/doctest.h>

#include "smtpd/proto/trace.hpp"

using namespace mr::smtpd;

TEST_CASE("Received: with TLS, user and single recipient") {
    TraceInfo t{"client.example", "192.0.2.7", true, false, "TLSv1.3", "TLS_AES_256_GCM_SHA384", "alice@example.test",
                "bob@remote.example"};
    const std::string h = received_header(t, "mx.example.test", "00abc", 0);
    CHECK(h ==
          "Received: from client.example ([192.0.2.7])\r\n"
          "\tby mx.example.test (mailroom) with ESMTPSA id 00abc\r\n"
          "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)\r\n"
          "\t(authenticated as alice@example.test)\r\n"
          "\tfor <bob@remote.example>;\r\n"
          "\tThu, 1 Jan 1970 00:00:00 +0000\r\n");
}

TEST_CASE("Received: protocol names and hostile EHLO names") {
    TraceInfo t;
    t.helo = "evil)\r\nX-Injected: yes";
    t.peer_ip = "2001:db8::1";
    const std::string h = received_header(t, "mx", "id1", 0);
    CHECK(h.find("with ESMTP id id1") != std::string::npos);
    CHECK(h.find("[IPv6:2001:db8::1]") != std::string::npos);
    CHECK(h.find("\r\nX-Injected") == std::string::npos);
    t.esmtp = false;
    CHECK(received_header(t, "mx", "id1", 0).find("with SMTP id") != std::string::npos);
    t.smtputf8 = true;
    t.tls_version = "TLSv1.2";
    CHECK(received_header(t, "mx", "id1", 0).find("with UTF8SMTPS id") != std::string::npos);
}

TEST_CASE("submission fix-ups only for missing fields") {
    auto m = find_missing_headers("Subject: x\r\nDATE: today\r\n\r\nMessage-ID: <body@x>\r\n");
    CHECK_FALSE(m.date);
    CHECK(m.message_id);
    CHECK(submission_fixups(m, "q1", "mx", 0) == "Message-ID: <q1@mx>\r\n");
    m = find_missing_headers("Subject: x\r\n Date: folded, not a field\r\nmessage-id : <a@b>\r\n\r\n");
    CHECK(m.date);
    CHECK_FALSE(m.message_id);
    CHECK(submission_fixups(m, "q1", "mx", 0) == "Date: Thu, 1 Jan 1970 00:00:00 +0000\r\n");
    CHECK(submission_fixups(MissingHeaders{}, "q1", "mx", 0).empty());
    m = find_missing_headers("");
    CHECK(m.date);
    CHECK(m.message_id);
}
