// libFuzzer target for Sieve (common/sieve): the input is a script as a user would upload
// it. Parsed and compiled; a script that compiles is run over a fixed message. Checks: no
// crash, no hang (the parse limits and the run budget bound everything), and the
// interpreter's promises: a runtime error leaves exactly the implicit keep (and no header
// edit), an include loop ends, and no
// outcome holds more actions than the limit allows.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/sieve/compiler.hpp"
#include "common/sieve/interpreter.hpp"

namespace {

const std::string kMessage =
    "Received: from a.example by b.example; Tue, 1 Apr 1997 09:10:00 -0800\r\n"
    "Date: Tue, 1 Apr 1997 09:06:31 -0800 (PST)\r\n"
    "From: \"Wile E.\" <coyote+acme@desert.example.org>\r\n"
    "To: roadrunner@acme.example.com, =?utf-8?q?B=C3=A9b=C3=A9?= <bebe@example.net>\r\n"
    "Subject: =?utf-8?b?w6l0w6k=?= [list] I have a present for you\r\n"
    "X-Spam-Score: 7\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n"
    "\r\n"
    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLook, I'm sorry about the anvil.\r\n"
    "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nc2VjcmV0\r\n"
    "--b--\r\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view script(reinterpret_cast<const char*>(data), size);
    auto program = mr::sieve::compile_script(script);
    if (!program) {
        if (program.error().message.empty()) std::abort();
        return 0;
    }
    mr::sieve::MessageView view(kMessage);
    view.envelope_from = "coyote@desert.example.org";
    view.envelope_to = "roadrunner+fuzz@acme.example.com";
    view.mailbox_exists = [](std::string_view name) { return name == "Lists"; };
    view.now = 1796649605;  // RFC 5260 currentdate
    view.local_zone_minutes = 60;
    mr::sieve::RunLimits limits;
    limits.max_cost = 2'000'000;  // keeps each run fast; the default is tested by the unit tests
    // Every include finds the script itself (a loop the interpreter must end), except
    // names starting with "none", which find nothing.
    const mr::sieve::Program* self = &*program;
    const mr::sieve::Program* one[] = {self};
    const auto outcome = mr::sieve::run(one, view, limits, [self](std::string_view name, bool) {
        return mr::Result<const mr::sieve::Program*>(name.starts_with("none") ? nullptr : self);
    });
    if (!outcome.ok) {
        if (outcome.actions.size() != 1 || outcome.actions[0].kind != mr::sieve::Action::Kind::Keep) std::abort();
        if (outcome.edited_message) std::abort();  // atomic: no header edit survives a failure
        return 0;
    }
    // The implicit keep may come on top of max_actions.
    if (outcome.actions.size() > limits.max_actions + 1) std::abort();
    return 0;
}
