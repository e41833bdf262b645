// mr-test-arc-verify ZONE_FILE NOW MESSAGE_FILE...
//
// Validates the ARC chain of each message with mailauth::verify_arc(), looking keys up in
// ZONE_FILE instead of DNS (tests/tools/verify_common/verify_main.hpp), and prints one JSON
// object per message:
//   {"file": ..., "result": "pass", "i": 2, "oldest_pass": 0, "reason": ...}
#include "common/mailauth/arc_verify.hpp"
#include "tests/tools/verify_common/verify_main.hpp"

using mr::test_tools::json_string;

int main(int argc, char** argv) {
    return mr::test_tools::verify_main(
        "mr-test-arc-verify", argc, argv,
        [](mr::test_tools::ZoneFile& zone, const char* file, const std::string& message, std::int64_t now) {
            const auto r = mr::mailauth::verify_arc(zone, message, now);
            std::cout << "{\"file\": " << json_string(file)
                      << ", \"result\": " << json_string(mr::mailauth::arc_verdict_name(r.result))
                      << ", \"i\": " << r.instance << ", \"oldest_pass\": " << r.oldest_pass
                      << ", \"reason\": " << json_string(r.reason) << "}\n";
        });
}
