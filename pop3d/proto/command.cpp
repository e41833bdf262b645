#include "pop3d/proto/command.hpp"

#include <array>
#include <utility>

#include "common/text/ascii.hpp"

namespace mr::pop3d {

namespace {

constexpr std::array<std::pair<std::string_view, Verb>, 15> kVerbs = {{
    {"USER", Verb::User}, {"PASS", Verb::Pass}, {"APOP", Verb::Apop}, {"AUTH", Verb::Auth},
    {"STLS", Verb::Stls}, {"CAPA", Verb::Capa}, {"QUIT", Verb::Quit}, {"STAT", Verb::Stat},
    {"LIST", Verb::List}, {"RETR", Verb::Retr}, {"DELE", Verb::Dele}, {"NOOP", Verb::Noop},
    {"RSET", Verb::Rset}, {"TOP", Verb::Top},   {"UIDL", Verb::Uidl},
}};

}  // namespace

Command parse_command(std::string_view line) {
    Command cmd;
    const auto sp = line.find(' ');
    cmd.keyword = line.substr(0, sp);
    if (sp != std::string_view::npos) cmd.rest = line.substr(sp + 1);
    for (const auto& [name, verb] : kVerbs) {
        if (text::iequals(cmd.keyword, name)) cmd.verb = verb;
    }
    cmd.args = text::split_spaces(cmd.rest);
    return cmd;
}

std::optional<std::uint32_t> parse_number(std::string_view digits) {
    if (digits.empty() || digits.size() > 10) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v > 0xffffffffULL) return std::nullopt;
    return static_cast<std::uint32_t>(v);
}

}  // namespace mr::pop3d
