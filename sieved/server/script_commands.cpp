#include "sieved/server/script_commands.hpp"

#include <charconv>

#include "common/log/log.hpp"
#include "common/sieve/compiler.hpp"
#include "sieved/proto/session.hpp"

namespace mr::sieved::server {

namespace {

std::string ok(std::string_view text) { return "OK " + wire_string(text) + "\r\n"; }

std::string_view quota_code(storage::SieveSpaceRefusal r) {
    return r == storage::SieveSpaceRefusal::MaxSize ? "QUOTA/MAXSIZE" : "QUOTA/MAXSCRIPTS";
}

std::string refusal(const Error& e) {
    if (e.kind == ErrorKind::Internal) {
        log::error("sieve_store_error", {{"error", e.message}});
        return no_reply("TRYLATER", "Cannot reach the script store now");
    }
    if (e.kind == ErrorKind::Syntax) return no_reply("", e.message);
    switch (e.code) {
        case ErrorCode::NoSuchMailbox: return no_reply("NONEXISTENT", e.message);
        case ErrorCode::MailboxExists: return no_reply("ALREADYEXISTS", e.message);
        case ErrorCode::InboxProtected: return no_reply("ACTIVE", e.message);
        case ErrorCode::Limit: return no_reply("QUOTA", e.message);
        default: return no_reply("", e.message);
    }
}

std::string have_space(storage::SieveScripts& scripts, std::string_view name, std::string_view size_text) {
    std::uint64_t size = 0;
    std::from_chars(size_text.data(), size_text.data() + size_text.size(), size);
    if (auto problem = storage::sieve_name_problem(name)) return no_reply("", *problem);
    auto room = scripts.space_refusal(name, static_cast<std::size_t>(size));
    if (!room) return refusal(room.error());
    if (*room) return no_reply(quota_code(**room), **room == storage::SieveSpaceRefusal::MaxSize
                                                        ? "Script larger than allowed"
                                                        : "Too many scripts");
    return ok("Putscript would succeed");
}

std::string put_script(storage::SieveScripts& scripts, std::string_view name, std::string_view text) {
    // The precise quota code first: put() itself only says "a quota".
    if (!storage::sieve_name_problem(name)) {
        auto room = scripts.space_refusal(name, text.size());
        if (!room) return refusal(room.error());
        if (*room) return no_reply(quota_code(**room), **room == storage::SieveSpaceRefusal::MaxSize
                                                            ? "Script larger than allowed"
                                                            : "Too many scripts");
    }
    if (auto r = scripts.put(name, text); !r) return refusal(r.error());
    return ok("Script stored");
}

std::string list_scripts(storage::SieveScripts& scripts) {
    auto all = scripts.list();
    if (!all) return refusal(all.error());
    std::string out;
    for (const auto& s : *all) out += wire_string(s.name) + (s.active ? " ACTIVE\r\n" : "\r\n");
    return out + ok("Listscripts completed");
}

}  // namespace

std::string answer_script_command(storage::SieveScripts& scripts, const Command& c) {
    const auto arg = [&c](std::size_t i) -> std::string_view { return c.args.at(i).value; };
    if (c.name == "HAVESPACE") return have_space(scripts, arg(0), arg(1));
    if (c.name == "PUTSCRIPT") return put_script(scripts, arg(0), arg(1));
    if (c.name == "LISTSCRIPTS") return list_scripts(scripts);
    if (c.name == "CHECKSCRIPT") {
        auto program = sieve::compile_script(arg(0));
        if (!program) return no_reply("", program.error().message);
        return ok("Script is valid");
    }
    if (c.name == "SETACTIVE") {
        // RFC 5804 §2.8: the empty name deactivates.
        std::optional<std::string_view> name;
        if (!arg(0).empty()) name = arg(0);
        if (auto r = scripts.activate(name); !r) return refusal(r.error());
        return ok(name ? "Script activated" : "No script active");
    }
    if (c.name == "GETSCRIPT") {
        auto text = scripts.get(arg(0));
        if (!text) return refusal(text.error());
        // RFC 5804 §2.9: the script as a literal, then CRLF, then OK.
        return "{" + std::to_string(text->size()) + "}\r\n" + *text + "\r\n" + ok("Getscript completed");
    }
    if (c.name == "DELETESCRIPT") {
        if (auto r = scripts.remove(arg(0)); !r) return refusal(r.error());
        return ok("Script deleted");
    }
    if (c.name == "RENAMESCRIPT") {
        if (auto r = scripts.rename(arg(0), arg(1)); !r) return refusal(r.error());
        return ok("Script renamed");
    }
    return no_reply("", "Unknown command");
}

}  // namespace mr::sieved::server
