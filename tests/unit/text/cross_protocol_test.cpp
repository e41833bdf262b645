#include <doctest/doctest.h>

#include "common/text/cross_protocol.hpp"

using mr::text::is_http_verb;

TEST_CASE("HTTP verbs sent to a mail port") {
    for (const char* verb : {"GET", "get", "Post", "CONNECT", "HEAD", "PUT", "OPTIONS"}) {
        CAPTURE(verb);
        CHECK(is_http_verb(verb));
    }
    for (const char* command : {"GETS", "RETR", "EHLO", "", "GE"}) {
        CAPTURE(command);
        CHECK_FALSE(is_http_verb(command));
    }
}
