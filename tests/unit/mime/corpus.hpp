// Test helpers: load a message of tests/data/messages and find byte offsets by
// searching for literal markers, so expected offsets come from the bytes and the RFC
// rules, never from the parser under test.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace mr::mime::test {

inline const std::vector<std::string>& corpus_names() {
    static const std::vector<std::string> names = {
        "single_part.eml",          "multipart_mixed_attachment.eml", "nested_alternative.eml",
        "message_rfc822.eml",       "no_content_type.eml",            "malformed_headers.eml",
        "rfc2231_filename.eml",     "utf8_body.eml",                  "encoded_word_subject.eml",
        "group_to.eml",             "missing_final_boundary.eml",     "bare_lf.eml",
        "prefix_boundaries.eml",    "digest.eml"};
    return names;
}

inline std::string load(const std::string& name) {
    std::ifstream in(std::string(MR_MIME_TEST_DATA) + "/" + name, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "missing corpus file " << name);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Offset of the nth (1-based) occurrence of marker; fails the test if absent.
inline std::size_t at(std::string_view msg, std::string_view marker, int nth = 1) {
    std::size_t pos = std::string_view::npos;
    std::size_t from = 0;
    for (int i = 0; i < nth; ++i) {
        pos = msg.find(marker, from);
        REQUIRE_MESSAGE(pos != std::string_view::npos, "marker not found: " << marker);
        from = pos + 1;
    }
    return pos;
}

// Offset just past the nth occurrence of marker.
inline std::size_t after(std::string_view msg, std::string_view marker, int nth = 1) {
    return at(msg, marker, nth) + marker.size();
}

}  // namespace mr::mime::test
