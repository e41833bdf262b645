#pragma once

#include "webd/proto/site.hpp"

namespace mr::webd::test {

inline proto::Site test_site() {
    proto::Site s;
    s.hostname = "mx.example.org";
    s.domains = {"example.org"};
    s.imaps = 993;
    s.imap = 143;
    s.pop3s = 995;
    s.pop3 = 110;
    s.submissions = 465;
    s.submission = 587;
    return s;
}

}  // namespace mr::webd::test
