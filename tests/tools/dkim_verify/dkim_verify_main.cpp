// mr-test-dkim-verify ZONE_FILE NOW MESSAGE_FILE...
//
// Verifies every DKIM-Signature of each message with mailauth::verify_dkim(), looking keys
// up in ZONE_FILE instead of DNS (tests/tools/verify_common/verify_main.hpp), and prints one
// JSON object per signature:
//   {"file": ..., "result": "pass", "d": ..., "s": ..., "a": ..., "b": ..., "reason": ...}
#include "common/mailauth/dkim_verify.hpp"
#include "tests/tools/verify_common/verify_main.hpp"

using mr::test_tools::json_string;

int main(int argc, char** argv) {
    return mr::test_tools::verify_main(
        "mr-test-dkim-verify", argc, argv,
        [](mr::test_tools::ZoneFile& zone, const char* file, const std::string& message, std::int64_t now) {
            for (const auto& r : mr::mailauth::verify_dkim(zone, message, now)) {
                std::cout << "{\"file\": " << json_string(file)
                          << ", \"result\": " << json_string(mr::mailauth::dkim_verdict_name(r.result))
                          << ", \"d\": " << json_string(r.domain) << ", \"s\": " << json_string(r.selector)
                          << ", \"a\": " << json_string(r.algorithm) << ", \"b\": " << json_string(r.header_b)
                          << ", \"body_truncated\": " << (r.body_truncated ? "true" : "false")
                          << ", \"reason\": " << json_string(r.reason) << "}\n";
            }
        });
}
