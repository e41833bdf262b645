// A compiled Sieve script: every command and test resolved to its kind, its tags checked
// and turned into fields, so the interpreter never looks at names or argument lists.
//
// Invariants (established by compile(), compiler.hpp):
//  - Only commands, tests and tags of extensions the script required appear here.
//  - Strings are literal text with encoded characters (RFC 5228 §2.4.2.4) already decoded;
//    when `variables` is set they may hold "${...}" references, expanded at run time.
//  - A Test of kind AllOf/AnyOf has >= 1 subtests, Not exactly 1; an If has >= 1 branch,
//    only its last may have no test (the "else").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/sieve/ast.hpp"

namespace mr::sieve {

enum class MatchType { Is, Contains, Matches, Value, Count };
enum class RelOp { Gt, Ge, Lt, Le, Eq, Ne };
enum class Comparator { Octet, AsciiCasemap, AsciiNumeric, UnicodeCasemap };
enum class AddressPart { All, LocalPart, Domain, User, Detail };
enum class BodyTransform { Raw, Content, Text };

struct MatchSpec {
    MatchType type = MatchType::Is;
    RelOp op = RelOp::Eq;  // :value / :count only
    Comparator comparator = Comparator::AsciiCasemap;
};

struct Test {
    enum class Kind {
        True, False, Not, AllOf, AnyOf,
        Address, Envelope, Header, Exists, Size, Body,
        String, HasFlag, MailboxExists, Date, CurrentDate,
    };
    Kind kind = Kind::True;
    Position pos;
    MatchSpec match;
    AddressPart part = AddressPart::All;
    bool over = false;          // Size: :over (else :under)
    std::uint64_t limit = 0;    // Size
    BodyTransform transform = BodyTransform::Text;
    std::vector<std::string> content_types;  // Body :content
    std::vector<std::string> names;  // header names, envelope parts, sources, flag variables, mailboxes
    std::vector<std::string> keys;
    std::vector<Test> tests;
    // RFC 5260 §6 :index/:last (header, address, date): the field occurrence, 1-based;
    // 0 = all of them.
    std::uint64_t index = 0;
    bool last = false;
    // RFC 5260 §4 date/currentdate: :zone (or, for date, :originalzone) and the date-part.
    std::optional<std::string> zone;
    bool original_zone = false;
    std::string date_part;
};

// RFC 5229 §4 (set modifiers), applied in this order: the RFC's precedence, highest first.
enum SetModifier : unsigned {
    kLower = 1, kUpper = 2, kLowerFirst = 4, kUpperFirst = 8, kQuoteWildcard = 16, kLength = 32,
};

struct Vacation {
    std::optional<std::uint64_t> days;     // :days
    std::optional<std::uint64_t> seconds;  // :seconds (RFC 6131)
    std::optional<std::string> subject, from, handle;
    std::vector<std::string> addresses;
    bool mime = false;
    std::string reason;
};

struct Command;

struct Branch {
    std::optional<Test> test;  // nullopt: "else"
    std::vector<Command> block;
};

struct Command {
    enum class Kind {
        If, Stop, Keep, FileInto, Redirect, Discard, Reject, EReject,
        Set, SetFlag, AddFlag, RemoveFlag, Vacation, AddHeader, DeleteHeader, Include, Return, Global,
    };
    Kind kind = Kind::Stop;
    Position pos;
    std::vector<Branch> branches;  // If
    std::string argument;          // mailbox, address, reason, set's value
    std::string name;              // Set: variable; flag commands: variable ("" = internal)
    std::vector<std::string> list;  // flag commands: the flags
    std::optional<std::vector<std::string>> flags;  // :flags of keep/fileinto
    bool copy = false;
    bool create = false;
    unsigned modifiers = 0;  // Set
    mr::sieve::Vacation vacation;
    // RFC 5293: addheader [:last] name (in `name`) value (in `argument`); deleteheader
    // [:index n [:last]] [COMPARATOR] [MATCH-TYPE] name [value-patterns] (`test`: its
    // index, match and, when patterns were given, keys; `last` too).
    bool last = false;
    std::optional<Test> test;
    // RFC 6609 include: the script's name in `argument`; :global (else :personal), :once, :optional.
    bool global = false;
    bool once = false;
    bool optional = false;
};

struct Program {
    std::vector<Command> commands;
    std::vector<std::string> required;  // the extensions named by require, lowercased
    bool variables = false;             // "${...}" expansion is on
};

}  // namespace mr::sieve
