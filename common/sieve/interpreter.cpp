#include "common/sieve/interpreter.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "common/mime/address_list.hpp"
#include "common/sieve/date_parts.hpp"
#include "common/sieve/match.hpp"
#include "common/sieve/strings.hpp"
#include "common/sieve/variables.hpp"
#include "common/text/address.hpp"
#include "common/text/ascii.hpp"
#include "common/text/mail_date.hpp"

namespace mr::sieve {

namespace {

constexpr std::uint64_t kDay = 86400;
constexpr std::uint64_t kMaxVacationPeriod = 365 * kDay;

// A script stops for good ("stop"), or an included one ends ("return", RFC 6609 §3.3).
enum class Flow { Next, Stop, Return };

class Interpreter {
public:
    Interpreter(const MessageView& message, const RunLimits& limits, const IncludeResolver& includes)
        : includes_(includes), original_(message), limits_(limits),
          vars_(limits.max_variables, limits.max_variable_bytes, limits.max_string_bytes) {}

    Outcome run(std::span<const Program* const> programs) {
        for (const Program* p : programs) {
            // A later script runs only while the implicit keep stands; each has its own
            // variables (RFC 6609 §3.4 shares only "global" ones, which we do not offer).
            if (!implicit_keep_) break;
            program_ = p;
            vars_ = Variables(limits_.max_variables, limits_.max_variable_bytes, limits_.max_string_bytes);
            declared_.clear();
            auto r = exec(p->commands);
            // "stop" (in it or in a script it includes) ends this script, not the sequence.
            if (!r) return failed(r.error());
            publish_globals();
        }
        if (implicit_keep_) {
            if (auto k = store(Action::Kind::Keep, "INBOX", flags_, false, false); !k) return failed(k.error());
        }
        Outcome out;
        if (edited_ && edited_->edited()) out.edited_message = edited_->rendered();
        const bool delivered = std::any_of(actions_.begin(), actions_.end(), [](const Action& a) {
            return a.kind != Action::Kind::Discard && a.kind != Action::Kind::Vacation;
        });
        for (auto& a : actions_)
            if (a.kind != Action::Kind::Discard || !delivered) out.actions.push_back(std::move(a));
        return out;
    }

private:
    // Atomic failure: nothing the script asked for, only the implicit keep.
    static Outcome failed(const Error& e) {
        Outcome out;
        out.ok = false;
        out.error = "runtime error: " + e.message;
        Action keep;
        keep.mailbox = "INBOX";
        out.actions.push_back(std::move(keep));
        return out;
    }

    Result<void> charge(std::uint64_t cost) {
        cost_ += cost;
        if (cost_ > limits_.max_cost) return Error::refused("script exceeded its execution budget");
        return {};
    }

    std::string expand(const std::string& s) {
        if (!program_->variables || s.find("${") == std::string::npos) return s;
        return vars_.expand(s);
    }
    std::vector<std::string> expand(const std::vector<std::string>& list) {
        std::vector<std::string> out;
        out.reserve(list.size());
        for (const auto& s : list) out.push_back(expand(s));
        return out;
    }

    // ---- commands ----

    Result<Flow> exec(const std::vector<Command>& commands) {
        for (const auto& c : commands) {
            if (auto r = charge(1); !r) return r.error();
            auto r = exec(c);
            if (!r) return r;
            if (*r != Flow::Next) return *r;
        }
        return Flow::Next;
    }

    Result<Flow> exec(const Command& c) {
        Result<void> r;
        switch (c.kind) {
            case Command::Kind::If:
                for (const auto& b : c.branches) {
                    bool taken = true;
                    if (b.test) {
                        auto t = eval(*b.test);
                        if (!t) return t.error();
                        taken = *t;
                    }
                    if (taken) return exec(b.block);
                }
                return Flow::Next;
            case Command::Kind::Stop:
                return Flow::Stop;
            case Command::Kind::Return:
                return Flow::Return;
            case Command::Kind::Include:
                return include(c);
            case Command::Kind::Global:
                for (const auto& name : c.list) {
                    const std::string key = text::to_lower(name);
                    if (std::find(declared_.begin(), declared_.end(), key) != declared_.end()) continue;
                    declared_.push_back(key);
                    if (auto it = globals_.find(key); it != globals_.end()) r = vars_.set(key, it->second);
                    if (!r) return r.error();
                }
                return Flow::Next;
            case Command::Kind::Keep:
                r = store(Action::Kind::Keep, "INBOX", c.flags ? flag_set(expand(*c.flags)) : flags_, false, false);
                break;
            case Command::Kind::FileInto:
                r = store(Action::Kind::FileInto, expand(c.argument), c.flags ? flag_set(expand(*c.flags)) : flags_,
                          c.create, c.copy);
                break;
            case Command::Kind::Redirect:
                r = redirect(expand(c.argument), c.copy);
                break;
            case Command::Kind::Discard:
                implicit_keep_ = false;
                if (std::none_of(actions_.begin(), actions_.end(),
                                 [](const Action& a) { return a.kind == Action::Kind::Discard; })) {
                    Action a;
                    a.kind = Action::Kind::Discard;
                    r = add(std::move(a));
                }
                break;
            case Command::Kind::Reject:
            case Command::Kind::EReject:
                r = reject(c);
                break;
            case Command::Kind::Set: {
                std::string v = Variables::apply_modifiers(c.modifiers, expand(c.argument));
                if (auto ch = charge(v.size()); !ch) return ch.error();
                r = vars_.set(c.name, std::move(v));
                break;
            }
            case Command::Kind::SetFlag:
            case Command::Kind::AddFlag:
            case Command::Kind::RemoveFlag:
                r = flag_command(c);
                break;
            case Command::Kind::Vacation:
                r = vacation(c);
                break;
            case Command::Kind::AddHeader:
                r = addheader(c);
                break;
            case Command::Kind::DeleteHeader:
                r = deleteheader(c);
                break;
        }
        if (!r) return r.error();
        return Flow::Next;
    }

    Result<void> add(Action a) {
        if (actions_.size() >= limits_.max_actions)
            return Error::refused("more than " + std::to_string(limits_.max_actions) + " actions");
        actions_.push_back(std::move(a));
        return {};
    }

    bool has(Action::Kind k) const {
        return std::any_of(actions_.begin(), actions_.end(), [k](const Action& a) { return a.kind == k; });
    }
    bool rejected() const { return has(Action::Kind::Reject) || has(Action::Kind::EReject); }

    static bool same_mailbox(std::string_view a, std::string_view b) {
        // INBOX is case-insensitive (RFC 3501 §5.1); other names are compared as written.
        return a == b || (text::iequals(a, "INBOX") && text::iequals(b, "INBOX"));
    }

    Result<void> store(Action::Kind kind, std::string mailbox, std::vector<std::string> flags, bool create,
                       bool copy) {
        if (rejected()) return Error::refused("keep or fileinto after reject");
        if (mailbox.empty()) return Error::refused("empty mailbox name");
        if (!copy) implicit_keep_ = false;
        for (auto& a : actions_) {
            if ((a.kind == Action::Kind::Keep || a.kind == Action::Kind::FileInto) && same_mailbox(a.mailbox, mailbox)) {
                for (auto& f : flags)
                    if (std::none_of(a.flags.begin(), a.flags.end(), [&](const std::string& g) { return text::iequals(f, g); }))
                        a.flags.push_back(std::move(f));
                a.create = a.create || create;
                a.copy = a.copy && copy;
                return {};
            }
        }
        Action a;
        a.kind = kind;
        a.mailbox = std::move(mailbox);
        a.flags = std::move(flags);
        a.create = create;
        a.copy = copy;
        return add(std::move(a));
    }

    Result<void> redirect(std::string address, bool copy) {
        if (rejected()) return Error::refused("redirect after reject");
        if (!text::parse_addr_spec(address, true)) return Error::refused("invalid redirect address \"" + address + "\"");
        if (!copy) implicit_keep_ = false;
        for (auto& a : actions_) {
            if (a.kind == Action::Kind::Redirect && text::iequals(a.address, address)) {
                a.copy = a.copy && copy;
                return {};
            }
        }
        if (++redirects_ > limits_.max_redirects)
            return Error::refused("more than " + std::to_string(limits_.max_redirects) + " redirects");
        Action a;
        a.kind = Action::Kind::Redirect;
        a.address = std::move(address);
        a.copy = copy;
        return add(std::move(a));
    }

    // RFC 5429 §2.1: reject and ereject refuse the message, which cannot also be kept,
    // filed, redirected or answered by vacation; one refusal per message.
    Result<void> reject(const Command& c) {
        for (const auto& a : actions_) {
            if (a.kind != Action::Kind::Discard)
                return Error::refused(std::string(c.kind == Command::Kind::Reject ? "reject" : "ereject") +
                                      " together with another action");
        }
        implicit_keep_ = false;
        Action a;
        a.kind = c.kind == Command::Kind::Reject ? Action::Kind::Reject : Action::Kind::EReject;
        a.reason = expand(c.argument);
        return add(std::move(a));
    }

    Result<void> vacation(const Command& c) {
        if (has(Action::Kind::Vacation)) return Error::refused("vacation executed twice");
        if (rejected()) return Error::refused("vacation after reject");
        const Vacation& v = c.vacation;
        VacationAction va;
        if (v.seconds) va.period_seconds = std::min(*v.seconds, kMaxVacationPeriod);
        else if (v.days) va.period_seconds = std::clamp(*v.days, std::uint64_t{1}, kMaxVacationPeriod / kDay) * kDay;
        if (v.subject) va.subject = expand(*v.subject);
        if (v.from) va.from = expand(*v.from);
        if (v.handle) va.handle = expand(*v.handle);
        va.addresses = expand(v.addresses);
        va.mime = v.mime;
        va.reason = expand(v.reason);
        Action a;
        a.kind = Action::Kind::Vacation;
        a.vacation = std::move(va);
        return add(std::move(a));
    }

    // ---- include (RFC 6609) ----

    Result<Flow> include(const Command& c) {
        const std::string key = (c.global ? "global/" : "personal/") + c.argument;
        if (c.once && std::find(included_.begin(), included_.end(), key) != included_.end()) return Flow::Next;
        if (std::find(include_stack_.begin(), include_stack_.end(), key) != include_stack_.end())
            return Error::refused("include loop: \"" + c.argument + "\" includes itself");
        if (include_stack_.size() >= limits_.max_include_depth)
            return Error::refused("includes nested deeper than " + std::to_string(limits_.max_include_depth));
        if (++includes_run_ > limits_.max_includes)
            return Error::refused("more than " + std::to_string(limits_.max_includes) + " includes");
        Result<const Program*> found = static_cast<const Program*>(nullptr);
        if (includes_) found = includes_(c.argument, c.global);
        if (!found) return Error::refused("include \"" + c.argument + "\": " + found.error().message);
        if (*found == nullptr) {
            if (c.optional) return Flow::Next;
            return Error::refused(std::string("include: no ") + (c.global ? "global" : "personal") + " script \"" +
                                  c.argument + "\"");
        }
        included_.push_back(key);
        include_stack_.push_back(key);
        const Program* caller = program_;
        publish_globals();
        Variables caller_vars = std::move(vars_);
        std::vector<std::string> caller_declared = std::move(declared_);
        program_ = *found;
        vars_ = Variables(limits_.max_variables, limits_.max_variable_bytes, limits_.max_string_bytes);
        declared_.clear();
        auto r = exec(program_->commands);
        publish_globals();
        program_ = caller;
        vars_ = std::move(caller_vars);
        declared_ = std::move(caller_declared);
        include_stack_.pop_back();
        // The includer sees what the included script did to the globals it declared.
        for (const auto& name : declared_) {
            if (auto it = globals_.find(name); it != globals_.end()) {
                if (auto set = vars_.set(name, it->second); !set) return set.error();
            }
        }
        if (!r) return r;
        return *r == Flow::Stop ? Flow::Stop : Flow::Next;
    }

    // The current script's global variables, as it leaves them, for the others.
    void publish_globals() {
        for (const auto& name : declared_) globals_[name] = vars_.get(name);
    }

    // ---- editheader (RFC 5293) ----

    // Trace and auto-reply fields stay as they came: a script that could remove Received
    // would break loop detection, and one that removed Auto-Submitted could make a
    // vacation answer an auto-reply. Edits of them are ignored.
    static bool is_protected(std::string_view name) {
        return text::iequals(name, "received") || text::iequals(name, "auto-submitted");
    }

    Result<void> addheader(const Command& c) {
        const std::string name = expand(c.name);
        if (!is_field_name(name)) return Error::refused("addheader: invalid field name \"" + name + "\"");
        if (is_protected(name)) return {};
        const std::string value = header_value_text(expand(c.argument));
        if (auto r = charge(name.size() + value.size()); !r) return r;
        editable().add_field(name, value, c.last);
        return {};
    }

    Result<void> deleteheader(const Command& c) {
        const std::string name = expand(c.name);
        if (!is_field_name(name)) return Error::refused("deleteheader: invalid field name \"" + name + "\"");
        if (is_protected(name)) return {};
        const Test& t = *c.test;
        const auto keys = expand(t.keys);
        const bool patterns = !t.names.empty();
        if (auto r = charge(msg().field_count()); !r) return r;
        bool over_budget = false;
        editable().delete_fields(name, [&](std::size_t occurrence, std::size_t count, const std::string& value) {
            if (t.index != 0) {
                const std::size_t wanted = t.last ? (t.index <= count ? count - t.index + 1 : 0) : t.index;
                if (occurrence != wanted) return false;
            }
            if (!patterns) return true;
            for (const auto& k : keys) {
                if (!charge(match_cost(t.match, value, k))) {
                    over_budget = true;
                    return false;
                }
                if (match_value(t.match, value, k)) return true;
            }
            return false;
        });
        if (over_budget) return Error::refused("script exceeded its execution budget");
        return {};
    }

    // ---- flags (RFC 5232) ----

    // Each string may hold several flags separated by spaces; duplicates (ignoring
    // case, as IMAP does) are dropped.
    static std::vector<std::string> flag_set(const std::vector<std::string>& list) {
        std::vector<std::string> out;
        for (const auto& s : list) {
            for (auto f : text::split_spaces(s)) {
                if (std::none_of(out.begin(), out.end(), [&](const std::string& g) { return text::iequals(f, g); }))
                    out.emplace_back(f);
            }
        }
        return out;
    }

    static std::string join(const std::vector<std::string>& flags) {
        std::string out;
        for (const auto& f : flags) {
            if (!out.empty()) out.push_back(' ');
            out += f;
        }
        return out;
    }

    std::vector<std::string> flags_of(const std::string& variable) {
        if (variable.empty()) return flags_;
        return flag_set({vars_.get(variable)});
    }

    Result<void> flag_command(const Command& c) {
        std::vector<std::string> current = flags_of(c.name);
        const std::vector<std::string> given = flag_set(expand(c.list));
        if (c.kind == Command::Kind::SetFlag) {
            current = given;
        } else if (c.kind == Command::Kind::AddFlag) {
            current.insert(current.end(), given.begin(), given.end());
            current = flag_set(current);
        } else {
            std::erase_if(current, [&](const std::string& f) {
                return std::any_of(given.begin(), given.end(), [&](const std::string& g) { return text::iequals(f, g); });
            });
        }
        if (auto r = charge(current.size() + 1); !r) return r;
        if (c.name.empty()) {
            flags_ = std::move(current);
            return {};
        }
        return vars_.set(c.name, join(current));
    }

    // ---- tests ----

    // Compares every value with every key under the test's match; :count compares the
    // number of values. Sets the match variables from the first :matches success.
    Result<bool> compare(const Test& t, const std::vector<std::string>& values) {
        const auto keys = expand(t.keys);
        if (t.match.type == MatchType::Count) {
            for (const auto& k : keys)
                if (match_count(t.match, values.size(), k)) return true;
            return false;
        }
        const bool capture = program_->variables && t.match.type == MatchType::Matches;
        for (const auto& v : values) {
            for (const auto& k : keys) {
                if (auto r = charge(match_cost(t.match, v, k)); !r) return r.error();
                std::vector<std::string> caps;
                if (match_value(t.match, v, k, capture ? &caps : nullptr)) {
                    if (capture) vars_.set_matches(std::move(caps));
                    return true;
                }
            }
        }
        return false;
    }

    static std::optional<std::string> address_part(AddressPart part, std::string_view local, std::string_view domain) {
        switch (part) {
            case AddressPart::All:
                if (domain.empty()) return std::string(local);
                return std::string(local) + "@" + std::string(domain);
            case AddressPart::LocalPart: return std::string(local);
            case AddressPart::Domain: return std::string(domain);
            case AddressPart::User: return std::string(text::split_subaddress(local).base);
            case AddressPart::Detail: {
                // RFC 5233 §4: no separator, no detail: the address takes no part in the test.
                const auto sub = text::split_subaddress(local);
                if (!sub.detail) return std::nullopt;
                return std::string(*sub.detail);
            }
        }
        return std::nullopt;
    }

    // Reading header fields costs a pass over the header per name: charged too, so a
    // script of many tests over a message of many fields stays within the budget.
    Result<void> charge_fields(const std::vector<std::string>& values) {
        std::uint64_t bytes = msg().field_count();
        for (const auto& v : values) bytes += v.size();
        return charge(bytes);
    }

    // RFC 5260 §6: with :index, only the n-th occurrence of the field (from the end with
    // :last); none when there are fewer.
    static std::vector<std::string> pick(const Test& t, std::vector<std::string> values) {
        if (t.index == 0) return values;
        if (t.index > values.size()) return {};
        const std::size_t i = t.last ? values.size() - t.index : t.index - 1;
        return {std::move(values[i])};
    }

    Result<std::vector<std::string>> address_values(const Test& t) {
        std::vector<std::string> out;
        for (const auto& name : expand(t.names)) {
            if (!is_address_header(name)) continue;  // named by a variable; the compiler checks the rest
            const auto raws = pick(t, msg().raw_values(name));
            if (auto r = charge_fields(raws); !r) return r.error();
            for (const auto& raw : raws) {
                for (const auto& a : mime::parse_address_list(raw)) {
                    if (a.is_group_start() || a.is_group_end() || !a.mailbox) continue;
                    if (auto v = address_part(t.part, *a.mailbox, a.host.value_or(""))) out.push_back(std::move(*v));
                }
            }
        }
        return out;
    }

    std::vector<std::string> envelope_values(const Test& t) {
        std::vector<std::string> out;
        for (const auto& name : expand(t.names)) {
            const bool from = text::iequals(name, "from");
            if (!from && !text::iequals(name, "to")) continue;
            const std::string& path = from ? msg().envelope_from : msg().envelope_to;
            if (from && path.empty()) {
                // RFC 5228 §5.4 (rfc5228.txt:1497): the null reverse-path is the empty string.
                out.emplace_back();
                continue;
            }
            const auto at = path.rfind('@');
            const std::string_view local = std::string_view(path).substr(0, at);
            const std::string_view domain = at == std::string::npos ? std::string_view() : std::string_view(path).substr(at + 1);
            if (auto v = address_part(t.part, local, domain)) out.push_back(std::move(*v));
        }
        return out;
    }

    // RFC 5260 §4.1/§5: the date-part the test compares, nullopt when there is none (no
    // such field, not a date, a zone or part a variable made invalid): the test is false.
    Result<std::optional<std::string>> date_value(const Test& t) {
        std::int64_t when = msg().now;
        int zone = msg().local_zone_minutes;
        bool zone_known = true;
        if (t.kind == Test::Kind::Date) {
            const auto values = pick(t, msg().raw_values(expand(t.names.front())));
            if (auto r = charge_fields(values); !r) return r.error();
            if (values.empty()) return std::optional<std::string>();
            // Without :index, the first occurrence. A Received field's date follows its last ";".
            std::string_view v = values.front();
            if (text::iequals(expand(t.names.front()), "received")) {
                const auto semi = v.rfind(';');
                if (semi == std::string_view::npos) return std::optional<std::string>();
                v = v.substr(semi + 1);
            }
            const auto parsed = text::parse_mail_date(v);
            const auto instant = parsed ? instant_of(*parsed) : std::nullopt;
            if (!instant) return std::optional<std::string>();
            when = *instant;
            if (t.original_zone) {
                zone = parsed->zone_minutes;
                zone_known = parsed->zone_known;
            }
        }
        if (t.zone) {
            const auto z = parse_zone(expand(*t.zone));
            if (!z) return std::optional<std::string>();
            zone = *z;
        }
        const std::string part = text::to_lower(expand(t.date_part));
        if (!is_date_part(part)) return std::optional<std::string>();
        return std::optional<std::string>(date_part(part, when, zone, zone_known));
    }

    Result<bool> eval(const Test& t) {
        if (auto r = charge(1); !r) return r.error();
        switch (t.kind) {
            case Test::Kind::True: return true;
            case Test::Kind::False: return false;
            case Test::Kind::Not: {
                auto r = eval(t.tests.front());
                if (!r) return r;
                return !*r;
            }
            case Test::Kind::AllOf:
            case Test::Kind::AnyOf: {
                const bool all = t.kind == Test::Kind::AllOf;
                for (const auto& sub : t.tests) {
                    auto r = eval(sub);
                    if (!r) return r;
                    if (*r != all) return !all;
                }
                return all;
            }
            case Test::Kind::Address: {
                auto values = address_values(t);
                if (!values) return values.error();
                return compare(t, *values);
            }
            case Test::Kind::Envelope: return compare(t, envelope_values(t));
            case Test::Kind::Header: {
                std::vector<std::string> values;
                for (const auto& name : expand(t.names)) {
                    auto v = pick(t, msg().decoded_values(name));
                    if (auto r = charge_fields(v); !r) return r.error();
                    values.insert(values.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
                }
                return compare(t, values);
            }
            case Test::Kind::Exists:
                for (const auto& name : expand(t.names)) {
                    if (auto r = charge(msg().field_count()); !r) return r.error();
                    if (!msg().has_field(name)) return false;
                }
                return true;
            case Test::Kind::Size:
                return t.over ? msg().size() > t.limit : msg().size() < t.limit;
            case Test::Kind::Body: {
                if (auto r = charge(msg().size()); !r) return r.error();
                auto parts = msg().body(t.transform, expand(t.content_types));
                if (t.match.type == MatchType::Count) return compare(t, parts);
                // RFC 5173 §5: body tests never set match variables.
                if (t.match.type == MatchType::Matches) {
                    for (const auto& p : parts)
                        for (const auto& k : expand(t.keys)) {
                            if (auto r = charge(match_cost(t.match, p, k)); !r) return r.error();
                            if (match_value(t.match, p, k)) return true;
                        }
                    return false;
                }
                return compare(t, parts);
            }
            case Test::Kind::String: return compare(t, expand(t.names));
            case Test::Kind::HasFlag: {
                std::vector<std::string> flags;
                if (t.names.empty()) flags = flags_;
                for (const auto& v : t.names) {
                    auto f = flags_of(v);
                    flags.insert(flags.end(), f.begin(), f.end());
                }
                return compare(t, flags);
            }
            case Test::Kind::MailboxExists:
                for (const auto& name : expand(t.names))
                    if (!msg().mailbox_exists || !msg().mailbox_exists(name)) return false;
                return true;
            case Test::Kind::Date:
            case Test::Kind::CurrentDate: {
                auto value = date_value(t);
                if (!value) return value.error();
                if (!*value) return false;
                return compare(t, {std::move(**value)});
            }
        }
        return false;
    }

    // RFC 5293: after the first header edit, the script sees (and the outcome holds) a
    // copy of the view with its edits; the caller's view is never changed.
    const MessageView& msg() const { return edited_ ? *edited_ : original_; }
    MessageView& editable() {
        if (!edited_) edited_.emplace(original_);
        return *edited_;
    }

    const Program* program_ = nullptr;
    const IncludeResolver& includes_;
    std::vector<std::string> included_;       // location/name of each script included so far
    std::vector<std::string> include_stack_;  // the includes now running, outermost first
    std::size_t includes_run_ = 0;
    std::map<std::string, std::string> globals_;  // RFC 6609 §3.4, by lower-cased name
    std::vector<std::string> declared_;           // the globals the running script declared
    const MessageView& original_;
    std::optional<MessageView> edited_;
    const RunLimits& limits_;
    Variables vars_;
    std::vector<std::string> flags_;  // RFC 5232's internal variable
    std::vector<Action> actions_;
    bool implicit_keep_ = true;
    std::size_t redirects_ = 0;
    std::uint64_t cost_ = 0;
};

}  // namespace

Outcome run(const Program& program, const MessageView& message, const RunLimits& limits) {
    const Program* one[] = {&program};
    return Interpreter(message, limits, {}).run(one);
}

Outcome run(std::span<const Program* const> programs, const MessageView& message, const RunLimits& limits,
            const IncludeResolver& includes) {
    return Interpreter(message, limits, includes).run(programs);
}

}  // namespace mr::sieve
