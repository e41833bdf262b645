// LineIndex against a byte-by-byte count, over ranges that cross its 4 KiB blocks.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "common/mime/line_index.hpp"
#include "common/text/message_data.hpp"

using mr::mime::LineIndex;

namespace {

LineIndex::Counts slow_count(const std::string& m, std::size_t begin, std::size_t end) {
    LineIndex::Counts c;
    for (std::size_t i = begin; i < end; ++i) {
        if (m[i] == '\n') {
            ++c.lf;
            if (i == 0 || m[i - 1] != '\r') ++c.bare_lf;
        }
        if (m[i] == '\r' && (i + 1 == m.size() || m[i + 1] != '\n')) ++c.bare_cr;
    }
    return c;
}

}  // namespace

TEST_CASE("LineIndex counts LF, bare LF and bare CR of any range like a byte loop") {
    std::mt19937 rng(7);
    const char bytes[] = {'a', 'b', '\r', '\n', ' '};
    for (int round = 0; round < 20; ++round) {
        std::string m(rng() % 20000, 'x');
        for (char& ch : m) ch = bytes[rng() % sizeof bytes];
        const LineIndex index(m);
        for (int q = 0; q < 50; ++q) {
            std::size_t b = m.empty() ? 0 : rng() % (m.size() + 1);
            std::size_t e = m.empty() ? 0 : rng() % (m.size() + 1);
            if (q == 0) b = 0, e = m.size();
            if (b > e) std::swap(b, e);
            CAPTURE(m.size());
            CAPTURE(b);
            CAPTURE(e);
            const auto got = index.count(b, e);
            const auto want = slow_count(m, b, e);
            CHECK(got.lf == want.lf);
            CHECK(got.bare_lf == want.bare_lf);
            CHECK(got.bare_cr == want.bare_cr);
            // The whole message: the IMAP form adds what the CRLF form adds.
            if (b == 0 && e == m.size()) CHECK(m.size() + index.imap_extra(b, e) == mr::text::rfc822_size(m));
        }
    }
}
