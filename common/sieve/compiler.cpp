#include "common/sieve/compiler.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "common/sieve/compiler_internal.hpp"
#include "common/sieve/lexer.hpp"
#include "common/sieve/strings.hpp"
#include "common/text/address.hpp"

namespace mr::sieve {

namespace {

constexpr std::array<std::string_view, 22> kExtensions = {
    "fileinto", "envelope", "encoded-character", "reject", "ereject", "imap4flags", "body",
    "variables", "vacation", "vacation-seconds", "relational", "comparator-i;ascii-numeric",
    "comparator-i;octet", "comparator-i;ascii-casemap", "comparator-i;unicode-casemap", "subaddress",
    "copy", "mailbox", "date", "index", "editheader", "include",
};

using detail::ArgReader;
using detail::Context;

class Compiler {
public:
    Result<Program> run(const ast::Script& script) {
        Program program;
        bool requires_allowed = true;
        std::vector<ast::Command> rest;
        for (const auto& c : script.commands) {
            if (c.name == "require") {
                if (!requires_allowed)
                    return syntax_error(c.pos, "require must come before any other command");
                if (auto r = require(c); !r) return r.error();
                continue;
            }
            requires_allowed = false;
        }
        program.required.assign(ctx_.required.begin(), ctx_.required.end());
        program.variables = ctx_.has("variables");
        auto body = block(script.commands, true);
        if (!body) return body.error();
        program.commands = std::move(*body);
        return program;
    }

private:
    Result<void> require(const ast::Command& c) {
        ArgReader reader(ctx_, c.args, "require", c.pos);
        if (c.has_block || !c.tests.empty()) return reader.error(c.pos, "takes no block or test");
        auto names = reader.string_list("capability list");
        if (!names) return names.error();
        if (auto r = reader.finish(); !r) return r;
        for (const auto& n : *names) {
            if (std::find(kExtensions.begin(), kExtensions.end(), n) == kExtensions.end())
                return syntax_error(c.args.front().pos, "unsupported extension \"" + n + "\"");
            ctx_.required.insert(n);
        }
        if (ctx_.has("vacation-seconds")) ctx_.required.insert("vacation");  // RFC 6131 §2 builds on vacation
        return {};
    }

    Result<std::vector<Command>> block(const std::vector<ast::Command>& commands, bool top) {
        std::vector<Command> out;
        for (const auto& c : commands) {
            if (top && c.name == "require") continue;
            if (c.name == "require") return syntax_error(c.pos, "require must come before any other command");
            if (c.name == "elsif" || c.name == "else") {
                if (out.empty() || out.back().kind != Command::Kind::If || !out.back().branches.back().test)
                    return syntax_error(c.pos, c.name + " without a preceding if");
                auto b = branch(c);
                if (!b) return b.error();
                out.back().branches.push_back(std::move(*b));
                continue;
            }
            auto compiled = command(c);
            if (!compiled) return compiled.error();
            out.push_back(std::move(*compiled));
        }
        return out;
    }

    // if / elsif <test> <block>; else <block>
    Result<Branch> branch(const ast::Command& c) {
        ArgReader reader(ctx_, c.args, c.name, c.pos);
        if (auto r = reader.finish(); !r) return r.error();
        if (!c.has_block) return reader.error(c.pos, "expected a block \"{ ... }\"");
        Branch b;
        if (c.name == "else") {
            if (!c.tests.empty()) return reader.error(c.pos, "takes no test");
        } else {
            if (c.tests.size() != 1 || c.test_list) return reader.error(c.pos, "expected one test");
            auto t = detail::compile_test(ctx_, c.tests.front());
            if (!t) return t.error();
            b.test = std::move(*t);
        }
        auto body = block(c.block, false);
        if (!body) return body.error();
        b.block = std::move(*body);
        return b;
    }

    Result<Command> command(const ast::Command& c) {
        Command out;
        out.pos = c.pos;
        const std::string& n = c.name;
        if (n == "if") {
            out.kind = Command::Kind::If;
            auto b = branch(c);
            if (!b) return b.error();
            out.branches.push_back(std::move(*b));
            return out;
        }
        ArgReader reader(ctx_, c.args, n, c.pos);
        if (c.has_block) return reader.error(c.pos, "takes no block");
        if (!c.tests.empty()) return reader.error(c.tests.front().pos, "takes no test");
        Result<void> r;
        if (n == "stop") out.kind = Command::Kind::Stop;
        else if (n == "discard") out.kind = Command::Kind::Discard;
        else if (n == "keep") r = keep_or_fileinto(reader, out, false);
        else if (n == "fileinto") r = keep_or_fileinto(reader, out, true);
        else if (n == "redirect") r = redirect(reader, out);
        else if (n == "reject" || n == "ereject") {
            out.kind = n == "reject" ? Command::Kind::Reject : Command::Kind::EReject;
            r = ctx_.need(n, c.pos, n);
            if (r) r = string(reader.string("reason"), out.argument);
        } else if (n == "set") r = set(reader, out);
        else if (n == "setflag" || n == "addflag" || n == "removeflag") r = flag_command(reader, out, n);
        else if (n == "vacation") r = vacation(reader, out);
        else if (n == "include") r = include(reader, out);
        else if (n == "global") r = global(reader, out);
        else if (n == "return") {
            out.kind = Command::Kind::Return;
            r = ctx_.need("include", c.pos, "return");
        } else if (n == "addheader") r = addheader(reader, out);
        else if (n == "deleteheader") r = deleteheader(reader, out);
        else return syntax_error(c.pos, "unknown command \"" + n + "\"");
        if (!r) return r.error();
        if (auto f = reader.finish(); !f) return f.error();
        return out;
    }

    static Result<void> string(Result<std::string> r, std::string& out) {
        if (!r) return r.error();
        out = std::move(*r);
        return {};
    }

    Result<void> flags_tag(ArgReader& reader, const ast::Argument& tag, Command& out) {
        if (auto r = ctx_.need("imap4flags", tag.pos, ":flags"); !r) return r;
        auto flags = reader.tag_string_list(tag);
        if (!flags) return flags.error();
        out.flags = std::move(*flags);
        return {};
    }

    Result<void> keep_or_fileinto(ArgReader& reader, Command& out, bool fileinto) {
        out.kind = fileinto ? Command::Kind::FileInto : Command::Kind::Keep;
        if (fileinto) {
            if (auto r = ctx_.need("fileinto", reader.pos(), "fileinto"); !r) return r;
        }
        while (const ast::Argument* tag = reader.tag()) {
            if (tag->tag == "flags" && !out.flags) {
                if (auto r = flags_tag(reader, *tag, out); !r) return r;
            } else if (fileinto && tag->tag == "copy" && !out.copy) {
                if (auto r = ctx_.need("copy", tag->pos, ":copy"); !r) return r;
                out.copy = true;
            } else if (fileinto && tag->tag == "create" && !out.create) {
                if (auto r = ctx_.need("mailbox", tag->pos, ":create"); !r) return r;
                out.create = true;
            } else {
                return reader.unknown_tag(*tag);
            }
        }
        if (!fileinto) return {};
        if (auto r = string(reader.string("mailbox"), out.argument); !r) return r;
        if (out.argument.empty()) return reader.error(reader.pos(), "empty mailbox name");
        return {};
    }

    Result<void> redirect(ArgReader& reader, Command& out) {
        out.kind = Command::Kind::Redirect;
        while (const ast::Argument* tag = reader.tag()) {
            if (tag->tag != "copy" || out.copy) return reader.unknown_tag(*tag);
            if (auto r = ctx_.need("copy", tag->pos, ":copy"); !r) return r;
            out.copy = true;
        }
        if (auto r = string(reader.string("address"), out.argument); !r) return r;
        // An address no message could be sent to is refused at upload, not at delivery,
        // unless a variable supplies part of it.
        if (!(ctx_.has("variables") && out.argument.find("${") != std::string::npos) &&
            !text::parse_addr_spec(out.argument, true))
            return reader.error(reader.pos(), "invalid address \"" + out.argument + "\"");
        return {};
    }

    // RFC 5229 §4: set [MODIFIER] <name: string> <value: string>
    Result<void> set(ArgReader& reader, Command& out) {
        out.kind = Command::Kind::Set;
        if (auto r = ctx_.need("variables", reader.pos(), "set"); !r) return r;
        static constexpr std::pair<std::string_view, unsigned> kModifiers[] = {
            {"lower", kLower}, {"upper", kUpper}, {"lowerfirst", kLowerFirst},
            {"upperfirst", kUpperFirst}, {"quotewildcard", kQuoteWildcard}, {"length", kLength},
        };
        while (const ast::Argument* tag = reader.tag()) {
            unsigned bit = 0;
            for (const auto& [name, b] : kModifiers)
                if (tag->tag == name) bit = b;
            if (bit == 0) return reader.unknown_tag(*tag);
            // RFC 5229 §4: only one modifier of each precedence level.
            const unsigned level = bit & (kLower | kUpper)             ? (kLower | kUpper)
                                   : bit & (kLowerFirst | kUpperFirst) ? (kLowerFirst | kUpperFirst)
                                                                       : bit;
            if (out.modifiers & level) return reader.error(tag->pos, "conflicting modifier ':" + tag->tag + "'");
            out.modifiers |= bit;
        }
        if (auto r = string(reader.string("variable name"), out.name); !r) return r;
        if (!is_identifier(out.name)) return reader.error(reader.pos(), "invalid variable name \"" + out.name + "\"");
        return string(reader.string("value"), out.argument);
    }

    // RFC 5232 §3: setflag/addflag/removeflag [<variablename: string>] <list-of-flags: string-list>
    Result<void> flag_command(ArgReader& reader, Command& out, const std::string& n) {
        out.kind = n == "setflag" ? Command::Kind::SetFlag : n == "addflag" ? Command::Kind::AddFlag
                                                                            : Command::Kind::RemoveFlag;
        if (auto r = ctx_.need("imap4flags", reader.pos(), n); !r) return r;
        if (reader.remaining() >= 2) {
            if (auto r = string(reader.string("variable name"), out.name); !r) return r;
            if (!is_identifier(out.name))
                return reader.error(reader.pos(), "invalid variable name \"" + out.name + "\"");
        }
        auto flags = reader.string_list("flag list");
        if (!flags) return flags.error();
        out.list = std::move(*flags);
        return {};
    }

    // RFC 5230 §4 and RFC 6131 §2.
    Result<void> vacation(ArgReader& reader, Command& out) {
        out.kind = Command::Kind::Vacation;
        if (auto r = ctx_.need("vacation", reader.pos(), "vacation"); !r) return r;
        Vacation& v = out.vacation;
        while (const ast::Argument* tag = reader.tag()) {
            const std::string& t = tag->tag;
            auto dup = [&](bool present) -> Result<void> {
                if (present) return reader.error(tag->pos, "':" + t + "' given twice");
                return {};
            };
            Result<void> r;
            if (t == "days" || t == "seconds") {
                r = dup(v.days || v.seconds);
                if (r && t == "seconds") r = ctx_.need("vacation-seconds", tag->pos, ":seconds");
                if (!r) return r;
                auto num = reader.tag_number(*tag);
                if (!num) return num.error();
                (t == "days" ? v.days : v.seconds) = *num;
            } else if (t == "subject" || t == "from" || t == "handle") {
                auto& field = t == "subject" ? v.subject : t == "from" ? v.from : v.handle;
                if (r = dup(field.has_value()); !r) return r;
                auto s = reader.tag_string(*tag);
                if (!s) return s.error();
                field = std::move(*s);
            } else if (t == "addresses") {
                if (r = dup(!v.addresses.empty()); !r) return r;
                auto list = reader.tag_string_list(*tag);
                if (!list) return list.error();
                v.addresses = std::move(*list);
            } else if (t == "mime") {
                if (r = dup(v.mime); !r) return r;
                v.mime = true;
            } else {
                return reader.unknown_tag(*tag);
            }
        }
        if (v.from && !(ctx_.has("variables") && v.from->find("${") != std::string::npos) &&
            !text::parse_addr_spec(*v.from, true)) {
            // RFC 5230 §4.3: :from must be a valid address; the "Name <a@b>" form is
            // accepted too.
            const auto lt = v.from->rfind('<');
            const auto gt = v.from->rfind('>');
            if (lt == std::string::npos || gt == std::string::npos || gt < lt ||
                !text::parse_addr_spec(std::string_view(*v.from).substr(lt + 1, gt - lt - 1), true))
                return reader.error(reader.pos(), "invalid :from address \"" + *v.from + "\"");
        }
        return string(reader.string("reason"), v.reason);
    }

    // RFC 6609 §3.2: include [":personal" / ":global"] [":once"] [":optional"] <value: string>.
    // The name is a script's name as stored (no path): never "..", "/" or empty. It is a
    // constant, not expanded (§3.2: variables are not allowed in it).
    Result<void> include(ArgReader& reader, Command& out) {
        out.kind = Command::Kind::Include;
        if (auto r = ctx_.need("include", reader.pos(), "include"); !r) return r;
        bool location = false;
        while (const ast::Argument* tag = reader.tag()) {
            const std::string& t = tag->tag;
            if ((t == "personal" || t == "global") && !location) {
                location = true;
                out.global = t == "global";
            } else if (t == "once" && !out.once) {
                out.once = true;
            } else if (t == "optional" && !out.optional) {
                out.optional = true;
            } else {
                return reader.unknown_tag(*tag);
            }
        }
        if (auto r = string(reader.string("script name"), out.argument); !r) return r;
        const std::string& name = out.argument;
        if (name.empty() || name.find('/') != std::string::npos || name.front() == '.' ||
            name.find('\0') != std::string::npos)
            return reader.error(reader.pos(), "invalid script name \"" + name + "\"");
        return {};
    }

    // RFC 6609 §3.4: global <value: string-list>, the variables shared with the scripts
    // this one includes or is included by.
    Result<void> global(ArgReader& reader, Command& out) {
        out.kind = Command::Kind::Global;
        if (auto r = ctx_.need("include", reader.pos(), "global"); !r) return r;
        if (auto r = ctx_.need("variables", reader.pos(), "global"); !r) return r;
        auto names = reader.string_list("variable names");
        if (!names) return names.error();
        for (const auto& v : *names)
            if (!is_identifier(v)) return reader.error(reader.pos(), "invalid variable name \"" + v + "\"");
        out.list = std::move(*names);
        return {};
    }

    // A literal field name is checked here; one a variable supplies, at run time.
    Result<void> field_name(ArgReader& reader, std::string& out) {
        if (auto r = string(reader.string("field name"), out); !r) return r;
        if (!(ctx_.has("variables") && out.find("${") != std::string::npos) && !is_field_name(out))
            return reader.error(reader.pos(), "invalid header field name \"" + out + "\"");
        return {};
    }

    // RFC 5293 §4: addheader [":last"] <field-name: string> <value: string>
    Result<void> addheader(ArgReader& reader, Command& out) {
        out.kind = Command::Kind::AddHeader;
        if (auto r = ctx_.need("editheader", reader.pos(), "addheader"); !r) return r;
        while (const ast::Argument* tag = reader.tag()) {
            if (tag->tag != "last" || out.last) return reader.unknown_tag(*tag);
            out.last = true;
        }
        if (auto r = field_name(reader, out.name); !r) return r;
        return string(reader.string("value"), out.argument);
    }

    // RFC 5293 §5: deleteheader [":index" <fieldno: number> [":last"]] [COMPARATOR]
    // [MATCH-TYPE] <field-name: string> [<value-patterns: string-list>]
    Result<void> deleteheader(ArgReader& reader, Command& out) {
        out.kind = Command::Kind::DeleteHeader;
        if (auto r = ctx_.need("editheader", reader.pos(), "deleteheader"); !r) return r;
        Test t;
        t.kind = Test::Kind::Header;
        t.pos = reader.pos();
        unsigned seen = 0;
        while (const ast::Argument* tag = reader.tag()) {
            auto m = detail::match_tag(ctx_, reader, *tag, t.match, nullptr, seen);
            if (!m) return m.error();
            if (*m) continue;
            // :index here belongs to editheader itself, not to the index extension.
            if (tag->tag == "index" && t.index == 0) {
                auto n = reader.tag_number(*tag);
                if (!n) return n.error();
                if (*n == 0) return reader.error(tag->pos, "':index' counts from 1");
                t.index = *n;
            } else if (tag->tag == "last" && !t.last) {
                t.last = true;
            } else {
                return reader.unknown_tag(*tag);
            }
        }
        if (t.last && t.index == 0) return reader.error(reader.pos(), "':last' needs ':index'");
        if (auto r = detail::check_match(reader, t.match); !r) return r;
        if (auto r = field_name(reader, out.name); !r) return r;
        if (reader.more()) {
            auto keys = reader.string_list("value patterns");
            if (!keys) return keys.error();
            t.keys = std::move(*keys);
            t.names = {std::string()};  // patterns given
        }
        out.test = std::move(t);
        return {};
    }

    Context ctx_;
};

}  // namespace

std::span<const std::string_view> supported_extensions() { return kExtensions; }

Result<Program> compile(const ast::Script& script) { return Compiler().run(script); }

Result<Program> compile_script(std::string_view text, const ParseLimits& limits) {
    auto script = parse(text, limits);
    if (!script) return script.error();
    return compile(*script);
}

}  // namespace mr::sieve
