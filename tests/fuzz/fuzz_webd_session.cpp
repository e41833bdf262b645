// libFuzzer target for webd's sans-I/O core (webd/proto/session.hpp: http_parser under
// webd's limits, the router, the documents, expat for POX bodies). Built and replayed over
// its seed corpus by tests/fuzz/CMakeLists.txt; -DMR_FUZZ=ON (clang) makes it a libFuzzer
// binary.
//
// Besides "does not crash", it checks what session.hpp promises: the same bytes give the
// same answers whether they arrive whole or split at the first byte (no early decision
// from a partial read), and every answer is an HTTP/1.1 status line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "webd/proto/session.hpp"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

mr::webd::proto::Site site() {
    mr::webd::proto::Site s;
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mr::webd::proto;
    static const Site kSite = site();
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const ReaderLimits limits{1024, 4096};

    Session whole(limits);
    const auto a = whole.receive(in, kSite, 0);
    if (!a.bytes.empty()) check(a.bytes.starts_with("HTTP/1.1 "));

    Session split(limits);
    auto b = split.receive(in.substr(0, 1), kSite, 0);
    if (size > 1) {
        const auto rest = split.receive(in.substr(1), kSite, 0);
        b.bytes += rest.bytes;
        b.answered += rest.answered;
        b.close = rest.close;
    }
    check(a.bytes == b.bytes && a.answered == b.answered);
    (void)whole.timeout(0);
    return 0;
}
